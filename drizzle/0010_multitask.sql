ALTER TABLE "outputs" DROP CONSTRAINT "outputs_caseId_checkpointId_unique";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "references" jsonb;--> statement-breakpoint
ALTER TABLE "outputs" ADD COLUMN "task" text DEFAULT 'main' NOT NULL;--> statement-breakpoint
ALTER TABLE "rounds" ADD COLUMN "task" text DEFAULT 'main' NOT NULL;--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "tasks" jsonb;--> statement-breakpoint
ALTER TABLE "outputs" ADD CONSTRAINT "outputs_caseId_checkpointId_task_unique" UNIQUE("case_id","checkpoint_id","task");