CREATE TABLE "analysis_plans" (
	"round_id" uuid PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"plan" jsonb,
	"source" text,
	"sha256" text,
	"locked_at" timestamp with time zone,
	"opt_out_reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_plans_status_check" CHECK ("analysis_plans"."status" in ('draft', 'locked', 'opted-out')),
	CONSTRAINT "analysis_plans_locked_check" CHECK ("analysis_plans"."status" <> 'locked' or ("analysis_plans"."sha256" is not null and "analysis_plans"."locked_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "studies" ADD COLUMN "analysis_plan" text;--> statement-breakpoint
ALTER TABLE "analysis_plans" ADD CONSTRAINT "analysis_plans_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE cascade ON UPDATE no action;