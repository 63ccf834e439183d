ALTER TABLE "checkpoints" ADD COLUMN "leakage" jsonb;--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "phi" jsonb;