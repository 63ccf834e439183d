import { error } from '@sveltejs/kit';
import { anyRoundAnalysis, roundReport } from '$lib/server/round-analysis';
import { db } from '$lib/server/app-db';
import { exportStream, type ExportFormat } from '$lib/server/exports';
import { asHttpError, streamResponse } from '$lib/server/http';
import { roundAcceptabilityCsv, roundMetricsCsv } from '$lib/server/metric-exports';
import type { RequestHandler } from './$types';

const FILES: Record<string, ExportFormat> = {
	'long.csv': 'long',
	'wide.csv': 'wide',
	'ratings.json': 'json',
	'codebook.csv': 'codebook',
	// For opening in Excel or LibreOffice: formulas neutralised (domain/spreadsheet-safe.ts).
	'long-excel.csv': 'long-excel',
	'wide-excel.csv': 'wide-excel'
};

/** Streamed exports of a round (see README, "Exports"). */
export const GET: RequestHandler = async ({ params, locals }) => {
	const format = FILES[params.file];
	const analysis = params.file === 'report.md' || params.file === 'analysis.json';
	// Per-case automatic metrics and acceptable letters (issue 14): by checkpoint, so unblinded only.
	const metrics = params.file === 'metrics.csv' || params.file === 'acceptability.csv';
	if (!format && !analysis && !metrics) error(404, { message: 'Not found' });
	try {
		if (metrics) {
			const csv = await (params.file === 'metrics.csv' ? roundMetricsCsv : roundAcceptabilityCsv)(
				db(),
				locals.coordinator!,
				params.id
			);
			return streamResponse(once(csv), 'text/csv; charset=utf-8', params.file);
		}
		if (params.file === 'report.md') {
			const report = await roundReport(db(), locals.coordinator!, params.id);
			return streamResponse(once(report), 'text/markdown; charset=utf-8', 'report.md');
		}
		if (params.file === 'analysis.json') {
			const { analysis: result } = await anyRoundAnalysis(db(), locals.coordinator!, params.id);
			return streamResponse(
				once(JSON.stringify(result, null, 1)),
				'application/json',
				'analysis.json'
			);
		}
		const out = await exportStream(db(), locals.coordinator!, params.id, format!);
		return streamResponse(out.chunks, out.contentType, out.filename);
	} catch (e) {
		asHttpError(e);
	}
};

async function* once(text: string) {
	yield text;
}
