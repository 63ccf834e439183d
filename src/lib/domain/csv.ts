/**
 * RFC 4180 CSV: comma separated, CRLF line ends, fields quoted when they hold a comma, quote,
 * CR or LF, quotes doubled. UTF-8 without BOM, which R (read.csv), pandas and SPSS read as is.
 * Missing values are empty fields.
 */
export type CsvValue = string | number | boolean | Date | null | undefined;

function field(value: CsvValue): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number' && !Number.isFinite(value)) return '';
	const s = value instanceof Date ? value.toISOString() : String(value);
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T extends Record<string, CsvValue>>(
	columns: readonly (keyof T & string)[],
	rows: readonly T[]
): string {
	return columns.map((c) => field(c)).join(',') + '\r\n' + toCsvRows(columns, rows);
}

/** The data lines only, for a stream that has written the header line already. */
export function toCsvRows<T extends Record<string, CsvValue>>(
	columns: readonly (keyof T & string)[],
	rows: readonly T[]
): string {
	return rows.map((row) => columns.map((c) => field(row[c])).join(',') + '\r\n').join('');
}
