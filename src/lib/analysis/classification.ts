/**
 * Multiclass classification report with scikit-learn's definitions (`accuracy_score`,
 * `confusion_matrix(labels=…)`, `precision_recall_fscore_support(labels=…, zero_division=0)`),
 * validated against scikit-learn 1.2 in tests/fixtures/make-classification-reference.py.
 */

export interface PrfScores {
	precision: number;
	recall: number;
	f1: number;
}

export interface ClassScores extends PrfScores {
	/** Number of samples whose true label is this class. */
	support: number;
}

export interface ClassificationReport {
	/** Share of samples with predicted === truth, over all samples (0 when there are none). */
	accuracy: number;
	labels: string[];
	/** confusion[i][j]: samples with truth labels[i] predicted as labels[j]. */
	confusion: number[][];
	/**
	 * Per row of `confusion` (true label): samples predicted as a label outside `labels`, e.g.
	 * 'none' when extraction found nothing. They are false negatives of that row's class.
	 */
	predictedOutside: number[];
	/** Per column (predicted label): samples whose true label is outside `labels`. */
	truthOutside: number[];
	perClass: Record<string, ClassScores>;
	macro: PrfScores;
	micro: PrfScores;
	weighted: PrfScores;
}

/** Division with scikit-learn's zero_division=0: x/0 is reported as 0. */
const divide = (num: number, den: number): number => (den === 0 ? 0 : num / den);

const f1Of = (precision: number, recall: number): number =>
	divide(2 * precision * recall, precision + recall);

/**
 * Accuracy, confusion matrix and precision/recall/F1 per class and averaged, for paired
 * `truth[i]`/`predicted[i]` labels.
 *
 * Definitions (scikit-learn, zero_division=0): for class c, TP = #(truth=c, pred=c),
 * precision = TP/#(pred=c), recall = TP/#(truth=c), F1 = 2PR/(P+R), each 0 when its denominator
 * is 0. macro = unweighted mean over `labels` (macro F1 is the mean of per-class F1, not the F1 of
 * macro P and R); weighted = mean weighted by support; micro = P, R, F1 from TP, #pred, #truth
 * summed over `labels`.
 *
 * `labels` defaults to the sorted union of truth and predicted. A label outside `labels` (say
 * 'none' for "nothing extracted", with labels = the real classes) is still wrong: the sample
 * counts in `accuracy`'s denominator and as a false negative of its true class (lowering recall,
 * micro recall and F1), while no class gets a false positive from it, exactly as scikit-learn
 * with `labels=` given. Micro precision therefore measures only the predictions that were made.
 * Such samples appear in `predictedOutside` (and true labels outside `labels` in `truthOutside`)
 * instead of `confusion`.
 */
export function classificationReport(
	truth: readonly string[],
	predicted: readonly string[],
	labels?: readonly string[]
): ClassificationReport {
	if (truth.length !== predicted.length) {
		throw new RangeError(`truth has ${truth.length} labels, predicted ${predicted.length}`);
	}
	const names = labels
		? [...labels]
		: [...new Set([...truth, ...predicted])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	if (new Set(names).size !== names.length) throw new RangeError('labels must be distinct');
	const index = new Map(names.map((l, i) => [l, i]));
	const k = names.length;
	const confusion = names.map(() => new Array<number>(k).fill(0));
	const predictedOutside = new Array<number>(k).fill(0);
	const truthOutside = new Array<number>(k).fill(0);
	let correct = 0;
	for (let s = 0; s < truth.length; s++) {
		const t = truth[s]!;
		const p = predicted[s]!;
		if (t === p) correct++;
		const i = index.get(t);
		const j = index.get(p);
		if (i !== undefined && j !== undefined) confusion[i]![j]!++;
		else if (i !== undefined) predictedOutside[i]!++;
		else if (j !== undefined) truthOutside[j]!++;
	}

	const tp = names.map((_, i) => confusion[i]![i]!);
	const support = names.map(
		(_, i) => confusion[i]!.reduce((a, b) => a + b, 0) + predictedOutside[i]!
	);
	const predCount = names.map(
		(_, j) => confusion.reduce((a, row) => a + row[j]!, 0) + truthOutside[j]!
	);

	const perClass: Record<string, ClassScores> = {};
	const rows = names.map((name, i) => {
		const precision = divide(tp[i]!, predCount[i]!);
		const recall = divide(tp[i]!, support[i]!);
		const row = { precision, recall, f1: f1Of(precision, recall), support: support[i]! };
		perClass[name] = row;
		return row;
	});

	const mean = (key: keyof PrfScores) =>
		divide(
			rows.reduce((a, r) => a + r[key], 0),
			k
		);
	const totalSupport = support.reduce((a, b) => a + b, 0);
	const weightedMean = (key: keyof PrfScores) =>
		divide(
			rows.reduce((a, r) => a + r[key] * r.support, 0),
			totalSupport
		);
	const tpSum = tp.reduce((a, b) => a + b, 0);
	const microP = divide(
		tpSum,
		predCount.reduce((a, b) => a + b, 0)
	);
	const microR = divide(tpSum, totalSupport);

	return {
		accuracy: divide(correct, truth.length),
		labels: names,
		confusion,
		predictedOutside,
		truthOutside,
		perClass,
		macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
		micro: { precision: microP, recall: microR, f1: f1Of(microP, microR) },
		weighted: {
			precision: weightedMean('precision'),
			recall: weightedMean('recall'),
			f1: weightedMean('f1')
		}
	};
}
