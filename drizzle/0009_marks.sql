CREATE TABLE "marks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"assignment_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"start" integer,
	"end" integer,
	"quote" text,
	"field" text,
	"category" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"harm_extent" smallint,
	"harm_likelihood" smallint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "marks_assignmentId_clientId_unique" UNIQUE("assignment_id","client_id"),
	CONSTRAINT "marks_kind_check" CHECK ("marks"."kind" in ('span', 'omission')),
	CONSTRAINT "marks_shape_check" CHECK (("marks"."kind" = 'span' and "marks"."start" >= 0 and "marks"."end" > "marks"."start" and "marks"."quote" is not null and "marks"."field" is null)
				or ("marks"."kind" = 'omission' and "marks"."start" is null and "marks"."end" is null and "marks"."quote" is null and "marks"."field" is not null)),
	CONSTRAINT "marks_harm_extent_check" CHECK ("marks"."harm_extent" between 1 and 3),
	CONSTRAINT "marks_harm_likelihood_check" CHECK ("marks"."harm_likelihood" between 1 and 3)
);
--> statement-breakpoint
ALTER TABLE "marks" ADD CONSTRAINT "marks_assignment_id_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."assignments"("id") ON DELETE cascade ON UPDATE no action;