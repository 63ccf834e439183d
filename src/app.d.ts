// See https://svelte.dev/docs/kit/types#app.d.ts
import type { CoordinatorActor, RaterActor } from '$lib/server/auth/actors';

declare global {
	namespace App {
		interface Error {
			message: string;
			errorId?: string;
			/** A refused request's fields and why (e.g. a score off its dimension's scale). */
			issues?: { field?: string; message: string }[];
		}
		interface Locals {
			coordinator: CoordinatorActor | null;
			rater: RaterActor | null;
		}
	}
}

export {};
