ALTER TABLE "ratings" DROP CONSTRAINT "ratings_score_check";--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_score_check" CHECK ("ratings"."score" between 0 and 7);