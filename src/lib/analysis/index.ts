/**
 * The analysis library's public API, for statisticians and other tools (issue 6): the pure
 * statistics (no I/O) that the app runs, importable without the server. The app itself imports
 * the modules directly, so nothing in src/ uses this file; that is by design. Keep its names and
 * shapes stable: add, do not rename or remove. A module re-exported whole (`export *`) is public
 * in full: what it exports later is public too.
 */
export { summarizeByGroup, describe, quantileSorted } from './descriptive';
export type { CellSummary, Description, ScoreRow } from './descriptive';
export {
	normalCdf,
	normalUpper,
	normalQuantile,
	chiSquareUpper,
	fUpper,
	fQuantile,
	regularizedGammaP,
	regularizedGammaQ,
	regularizedBeta,
	logGamma
} from './distributions';
export { wilcoxonSignedRank } from './wilcoxon';
export type { Alternative, WilcoxonOptions, WilcoxonResult } from './wilcoxon';
export { friedman } from './friedman';
export type { FriedmanResult } from './friedman';
export { adjustPValues } from './adjust';
export type { AdjustMethod } from './adjust';
export { bootstrapCi } from './bootstrap';
export type { BootstrapCi, BootstrapOptions } from './bootstrap';
export { krippendorffAlpha } from './krippendorff';
export type { AlphaLevel } from './krippendorff';
export { icc } from './icc';
export type { IccEstimate, IccForm } from './icc';
export { cohenKappa, fleissKappa } from './kappa';
export type { CohenKappaOptions, KappaWeights } from './kappa';
export { agreementWithin, exactAgreement, withinOneAgreement } from './agreement';
export type { AgreementResult } from './agreement';
export * from './rouge';
export * from './porter-stemmer';
export * from './classification';
export * from './classification-tables';
export * from './label-extraction';
export * from './text-metrics';
export * from './pairwise';
export * from './power';
export * from './power-pilot';
export { analyzeStudy, checkpointFreeSummary, jointBootstrap, NO_LABEL } from './study';
export type {
	AnalysisConfig,
	AnalysisHooks,
	CaseRow,
	CheckpointFreeConfig,
	ClassificationRow,
	ClassificationTask,
	CorrectionRow,
	DescriptiveCell,
	DimensionAgreement,
	FriedmanRow,
	Hypothesis,
	IccResult,
	IccRow,
	Interval,
	IntraRater,
	KappaPair,
	MeanSd,
	OutputRow,
	PairComparison,
	PairedTest,
	PairwiseKappa,
	PercentAgreement,
	RatingRow,
	RougeRow,
	ScoreAggregate,
	StudyAnalysis,
	StudyOverview,
	StudySection,
	Summary,
	TimeRow
} from './study';
export { analyzePairwise } from './pairwise-study';
export type {
	BradleyTerryRow,
	PairwiseAnalysis,
	PairwiseCell,
	PairwiseJudgement
} from './pairwise-study';
export {
	formatNumber,
	formatP,
	formatPercent,
	renderMarkdownReport,
	renderPairwiseReport
} from './report';
export type { PairwiseReportMeta, ReportMeta } from './report';
// Every export of chart-series.ts is public: the chart data and palettes other tools draw with.
export * from './chart-series';
// Issue 14: paired tests on automatic metrics, per-case metrics, acceptability.
// Every export of mcnemar.ts is public (the paired binary tests).
export * from './mcnemar';
export { compareMetrics, LABEL_METRICS, ROUGE_METRICS } from './metric-tests';
export type {
	CaseMetricValues,
	LabelMetric,
	LabelTest,
	MetricComparison,
	RougeMetric,
	RougeTest
} from './metric-tests';
export {
	LABEL_TASKS,
	METRIC_CSV_COLUMNS,
	metricCsvRows,
	metricValues,
	perCaseMetrics
} from './per-case-metrics';
export type {
	LabelOutcome,
	MetricCsvRow,
	PerCaseMetrics,
	PerCaseOptions
} from './per-case-metrics';
export type {
	AcceptabilityComparison,
	AcceptabilityResult,
	AcceptabilityRow
} from './study/acceptability';
export { acceptabilitySeries } from './acceptability-chart';
export type { AcceptabilityChartData } from './acceptability-chart';
