// See https://svelte.dev/docs/kit/types#app.d.ts
import type { CoordinatorActor, RaterActor } from '$lib/server/auth/actors';

declare global {
	namespace App {
		interface Error {
			message: string;
			errorId?: string;
		}
		interface Locals {
			coordinator: CoordinatorActor | null;
			rater: RaterActor | null;
		}
	}
}

export {};
