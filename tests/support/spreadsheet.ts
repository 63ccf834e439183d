/**
 * Opens a CSV file in LibreOffice Calc, headless, as a coordinator's spreadsheet would, and
 * returns what Calc made of each cell: its text and whether Calc holds it as a formula. Calc is
 * told to evaluate formulas on import (the import dialog's "Evaluate formulas"), the setting
 * under which a formula in a CSV cell runs. LibreOffice comes from Debian's
 * libreoffice-calc-nogui (tests/env/setup.sh installs it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SheetCell {
	text: string;
	formula: string | null;
}

/**
 * CSV import options, by position: separator 44 (,), text delimiter 34 ("), character set 76
 * (UTF-8), start at line 1, no column formats, language 1033, quoted fields not forced to text,
 * no special numbers, (3 export-only options), all sheets, and 13th: evaluate formulas.
 */
const CSV_IMPORT = 'CSV:44,34,76,1,,1033,false,false,false,false,false,-1,true';

const ENTITIES: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'"
};

function decode(s: string): string {
	return s.replace(/&(\w+);/g, (_, e: string) => ENTITIES[e] ?? `&${e};`);
}

function cellText(xml: string): string {
	const paragraphs = [...xml.matchAll(/<text:p\/>|<text:p>([\s\S]*?)<\/text:p>/g)].map(
		(m) => m[1] ?? ''
	);
	return paragraphs
		.map((p) =>
			p
				.replace(/<text:tab\/>/g, '\t')
				.replace(/<text:s text:c="(\d+)"\/>/g, (_, n: string) => ' '.repeat(Number(n)))
				.replace(/<text:s\/>/g, ' ')
				.replace(/<text:line-break\/>/g, '\n')
				.replace(/<[^>]+>/g, '')
		)
		.map(decode)
		.join('\n');
}

function decodeOrNull(s: string | undefined): string | null {
	return s === undefined ? null : decode(s);
}

/** Every non-empty cell of the file's first sheet, as LibreOffice Calc reads it. */
export function openInCalc(csvFile: string): SheetCell[] {
	const soffice = '/usr/bin/soffice';
	if (!fs.existsSync(soffice))
		throw new Error(
			`${soffice} is missing: install Debian's libreoffice-calc-nogui (tests/env/setup.sh)`
		);
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-calc-'));
	try {
		execFileSync(
			soffice,
			[
				`-env:UserInstallation=file://${path.join(work, 'profile')}`,
				'--headless',
				`--infilter=${CSV_IMPORT}`,
				'--convert-to',
				'fods',
				'--outdir',
				work,
				csvFile
			],
			{ stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }
		);
		const out = path.join(work, `${path.basename(csvFile, path.extname(csvFile))}.fods`);
		if (!fs.existsSync(out)) throw new Error(`LibreOffice did not convert ${csvFile}`);
		const xml = fs.readFileSync(out, 'utf8');
		return [...xml.matchAll(/<table:table-cell\b([^>]*?)(?:\/>|>([\s\S]*?)<\/table:table-cell>)/g)]
			.map((m) => ({
				formula: decodeOrNull(/table:formula="([^"]*)"/.exec(m[1]!)?.[1]),
				text: cellText(m[2] ?? '')
			}))
			.filter((c) => c.text !== '' || c.formula !== null);
	} finally {
		fs.rmSync(work, { recursive: true, force: true });
	}
}
