import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors';
import {
	decodeUpload,
	firstInvalidUtf8,
	parseCasesText,
	parseCasesUpload,
	previewCases
} from './case-upload';
import { formatSize, MAX_UPLOAD_BYTES, sizeProblem } from './upload-limits';

const bytes = (s: string) => new TextEncoder().encode(s);

function issuesOf(fn: () => unknown): Issue[] {
	try {
		fn();
	} catch (e) {
		if (e instanceof ValidationError) return e.issues;
		throw e;
	}
	throw new Error('expected a ValidationError');
}

describe('firstInvalidUtf8', () => {
	it.each([
		['ASCII', [0x61, 0x62], -1],
		['two-, three- and four-byte forms', [...bytes('ä€😀')], -1],
		['a lone continuation byte', [0x61, 0x80], 1],
		['Latin-1 ä', [0x61, 0x62, 0xe4, 0x63], 2],
		['an overlong slash', [0xc0, 0xaf], 0],
		['an overlong three-byte form', [0xe0, 0x80, 0x80], 0],
		['a surrogate', [0xed, 0xa0, 0x80], 0],
		['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
		['a truncated sequence at the end', [0x61, 0xe2, 0x82], 1]
	])('%s', (_, input, expected) => {
		expect(firstInvalidUtf8(Uint8Array.from(input))).toBe(expected);
	});
});

describe('decodeUpload', () => {
	it('drops a BOM', () => {
		expect(decodeUpload(bytes('\uFEFFid\n'), 'c.csv')).toBe('id\n');
	});

	it('names the byte offset and the line of bad encoding', () => {
		const latin1 = Uint8Array.from([...bytes('id,diagnosis\nP1,Prostata\nP2,M'), 0xfc, 0x6c]);
		expect(issuesOf(() => decodeUpload(latin1, 'cases.csv'))).toEqual([
			{
				file: 'cases.csv',
				line: 3,
				message: 'is not valid UTF-8 (byte 29); save it as UTF-8 and upload it again'
			}
		]);
	});

	it('refuses an empty file', () => {
		expect(issuesOf(() => decodeUpload(new Uint8Array(), 'cases.csv'))).toEqual([
			{ file: 'cases.csv', message: 'is empty' }
		]);
	});

	it('refuses a file over 20 MB, naming its size', () => {
		const big = new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(0x61);
		expect(issuesOf(() => decodeUpload(big, 'big.csv'))).toEqual([
			{ file: 'big.csv', message: 'is 20.0 MB; files may be at most 20.0 MB' }
		]);
		expect(sizeProblem(25 * 1024 * 1024)).toBe('is 25.0 MB; files may be at most 20.0 MB');
		expect(sizeProblem(MAX_UPLOAD_BYTES)).toBeNull();
		expect([formatSize(12), formatSize(1536)]).toEqual(['12 B', '1.5 KB']);
	});
});

describe('parseCasesText (CSV)', () => {
	it('parses nested source fields, quoted multi-line cells and gold labels', () => {
		const csv =
			'id,site,diagnosis,radiotherapy.total_dose_gy,reference,gold_modality,gold_icd10\r\n' +
			'P1,Prostate,Adenocarcinoma,60,"Dear Dr. A,\nfine.",photon,C61\r\n';
		// A row is named by the line it ends on, as the study-folder importer always did.
		expect(parseCasesText(csv, 'c.csv')).toEqual([
			{
				line: 3,
				value: {
					id: 'P1',
					site: 'Prostate',
					source: { diagnosis: 'Adenocarcinoma', radiotherapy: { total_dose_gy: '60' } },
					reference: 'Dear Dr. A,\nfine.',
					gold: { modality: 'photon', icd10: 'C61' }
				}
			}
		]);
	});

	it('lists every problem of the file at once, by row and field', () => {
		const csv = [
			'id,diagnosis,diagnosis,gold_modality',
			'P1,A,A,photon',
			'P2,B,B,gamma',
			'P1,C,C,photon',
			'P3,D',
			'P 4,E,E,'
		].join('\n');
		const issues = issuesOf(() => parseCasesText(csv, 'cases.csv'));
		expect(issues).toEqual([
			{ file: 'cases.csv', line: 1, field: 'diagnosis', message: 'is a repeated column' },
			expect.objectContaining({ line: 3, field: 'gold.modality' }),
			expect.objectContaining({
				line: 4,
				field: 'id',
				message: expect.stringMatching(/duplicate/)
			}),
			{ file: 'cases.csv', line: 5, message: 'has 2 cells but the header has 4 columns' },
			expect.objectContaining({
				line: 6,
				field: 'id',
				message: 'must not contain spaces or slashes'
			})
		]);
	});

	it('names a missing id column', () => {
		const issues = issuesOf(() => parseCasesText('case,diagnosis\nP1,A\n', 'c.csv'));
		expect(issues[0]).toEqual({ file: 'c.csv', line: 1, message: 'has no "id" column' });
	});

	it('refuses a header without rows', () => {
		expect(issuesOf(() => parseCasesText('id,diagnosis\n', 'c.csv'))).toEqual([
			{ file: 'c.csv', message: 'has no cases' }
		]);
	});
});

describe('parseCasesText (JSONL)', () => {
	it('reports broken lines and still checks the well-formed ones', () => {
		const jsonl = [
			JSON.stringify({ id: 'A', source: { d: 'x' } }),
			'{"id": "B", ',
			JSON.stringify({ id: 'A', source: { d: 'y' } }),
			JSON.stringify({ id: 'C', source: {} })
		].join('\n');
		expect(issuesOf(() => parseCasesText(jsonl, 'cases.jsonl'))).toEqual([
			expect.objectContaining({ line: 2, message: expect.stringMatching(/invalid JSON/) }),
			expect.objectContaining({ line: 3, field: 'id' }),
			expect.objectContaining({ line: 4, field: 'source' })
		]);
	});
});

describe('parseCasesUpload', () => {
	it('refuses other file types', () => {
		expect(issuesOf(() => parseCasesUpload(bytes('id\n'), 'cases.xlsx'))).toEqual([
			{ file: 'cases.xlsx', message: 'must be a .csv or .jsonl file' }
		]);
	});

	it('previews the first rows and counts all cases', () => {
		const csv = ['id,diagnosis,tnm', ...Array.from({ length: 7 }, (_, i) => `P${i},D${i},T1`)];
		const cases = parseCasesUpload(bytes(csv.join('\n')), 'c.csv');
		const preview = previewCases(cases);
		expect(preview.count).toBe(7);
		expect(preview.columns).toEqual([
			'id',
			'site',
			'diagnosis',
			'tnm',
			'reference',
			'gold.modality',
			'gold.icd10'
		]);
		expect(preview.rows).toHaveLength(5);
		expect(preview.rows[0]).toEqual(['P0', '', 'D0', 'T1', '', '', '']);
	});
});

describe('text the database cannot store', () => {
	it('is reported by line and column in a CSV, and by line and field in JSONL', () => {
		// (A CSV is parsed as UTF-8 bytes: a lone surrogate cannot survive that, only NUL can.)
		const csv = 'id,diagnosis\nP1,ok\nP2,bad\u0000x\nP3,fine\n';
		expect(issuesOf(() => parseCasesText(csv, 'c.csv'))).toEqual([
			{
				file: 'c.csv',
				line: 3,
				field: 'diagnosis',
				message: 'contains a NUL character (U+0000), which cannot be stored'
			}
		]);
		const jsonl =
			'{"id":"P1","source":{"dx":"ok"}}\n{"id":"P2","source":{"dx":"a\\u0000b"}}\n{"id":"P3","source":{"dx":"\\udc00"}}\n';
		expect(issuesOf(() => parseCasesText(jsonl, 'c.jsonl'))).toEqual([
			{
				file: 'c.jsonl',
				line: 2,
				field: 'source.dx',
				message: 'contains a NUL character (U+0000), which cannot be stored'
			},
			{
				file: 'c.jsonl',
				line: 3,
				field: 'source.dx',
				message: 'contains an unpaired surrogate (U+DC00), which is not valid Unicode'
			}
		]);
	});
});
