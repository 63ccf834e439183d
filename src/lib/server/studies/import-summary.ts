/** What an import added, updated and left unchanged (shared by the study, case and output imports). */
import { isDeepStrictEqual } from 'node:util';

export interface ImportSummary {
	studyId: string;
	slug: string;
	created: boolean;
	cases: { added: number; updated: number; unchanged: number };
	checkpoints: { added: number; updated: number; unchanged: number };
	outputs: { added: number; updated: number; unchanged: number };
}

const counter = () => ({ added: 0, updated: 0, unchanged: 0 });

/** A summary with every count at zero. */
export function emptySummary(studyId: string, slug: string): ImportSummary {
	return {
		studyId,
		slug,
		created: false,
		cases: counter(),
		checkpoints: counter(),
		outputs: counter()
	};
}

/** Structural equality: jsonb does not keep key order. */
export const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
