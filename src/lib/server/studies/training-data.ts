/**
 * A checkpoint's training data file (`training_data:` in its manifest or in study.yaml), read
 * for the leakage check: confined like every other study file (the study folder or a models
 * folder), a regular file within the cases size limit, read line by line.
 */
import path from 'node:path';
import { parseTrainingData, type TrainingExample } from '../../domain/leakage';
import { confine, fileLines, type Origin, type Places } from './files';

export interface TrainingData {
	/** As written in the manifest or study.yaml. */
	path: string;
	/** As shown in messages (relative to the working directory). */
	shown: string;
	/** The confined real path that was read (read again when a round opens). */
	real: string;
	examples: TrainingExample[];
}

export function readTrainingData(
	ref: string,
	baseDir: string,
	places: Places,
	origin: Origin,
	show: (p: string) => string,
	onChunk?: (bytes: Uint8Array) => void
): TrainingData {
	const real = confine(ref, baseDir, places, origin);
	const shown = show(path.resolve(baseDir, ref));
	const lines = fileLines(real, shown, 'cases', places.limits, onChunk);
	return { path: ref, shown, real, examples: parseTrainingData(lines, shown) };
}
