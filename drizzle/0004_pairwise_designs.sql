CREATE TABLE "preferences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"assignment_id" uuid NOT NULL,
	"dimension" text NOT NULL,
	"choice" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "preferences_assignmentId_dimension_unique" UNIQUE("assignment_id","dimension"),
	CONSTRAINT "preferences_choice_check" CHECK ("preferences"."choice" in ('left', 'right', 'tie'))
);
--> statement-breakpoint
CREATE TABLE "round_raters" (
	"round_id" uuid NOT NULL,
	"rater_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "round_raters_round_id_rater_id_pk" PRIMARY KEY("round_id","rater_id")
);
--> statement-breakpoint
ALTER TABLE "rounds" DROP CONSTRAINT "rounds_kind_check";--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "right_output_id" uuid;--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "repeat_of_item_id" uuid;--> statement-breakpoint
ALTER TABLE "preferences" ADD CONSTRAINT "preferences_assignment_id_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."assignments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_raters" ADD CONSTRAINT "round_raters_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_raters" ADD CONSTRAINT "round_raters_rater_id_raters_id_fk" FOREIGN KEY ("rater_id") REFERENCES "public"."raters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_right_output_id_outputs_id_fk" FOREIGN KEY ("right_output_id") REFERENCES "public"."outputs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_repeat_of_item_id_items_id_fk" FOREIGN KEY ("repeat_of_item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_pair_check" CHECK ("items"."right_output_id" is null or "items"."right_output_id" <> "items"."output_id");--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_kind_check" CHECK ("rounds"."kind" in ('absolute', 'pairwise'));--> statement-breakpoint
-- Raters of rounds created before this migration: those with assignments.
INSERT INTO "round_raters" ("round_id", "rater_id") SELECT DISTINCT "round_id", "rater_id" FROM "assignments";