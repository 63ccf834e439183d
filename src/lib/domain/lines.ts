/**
 * Text files as a stream of numbered lines, so that a cases or outputs file is parsed one line at
 * a time and never held whole (with its decoded copy and its split array) in memory. Pure: the
 * server reads the bytes and pushes them in chunks; an upload's text is split the same way.
 */
import { ValidationError } from '../errors';

export interface Line {
	/** 1-based line number in the file. */
	line: number;
	text: string;
}

/** The lines of a text already in memory; a trailing CR (CRLF files) is dropped. */
export function* textLines(text: string): Generator<Line> {
	let start = 0;
	let line = 1;
	for (;;) {
		const end = text.indexOf('\n', start);
		const raw = end < 0 ? text.slice(start) : text.slice(start, end);
		if (end >= 0 || raw !== '') yield { line, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw };
		if (end < 0) return;
		start = end + 1;
		line++;
	}
}

/**
 * Splits bytes pushed in chunks into decoded lines. UTF-8 never holds a 0x0A byte inside a
 * multi-byte character, so lines are split on bytes and each is decoded strictly on its own:
 * a file that is not UTF-8 is refused with the line it breaks on, and a leading BOM is dropped.
 */
export class LineDecoder {
	private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
	private pending: Uint8Array[] = [];
	private line = 1;

	constructor(private readonly file: string) {}

	/** The complete lines in `chunk` (with what earlier chunks left over). */
	push(chunk: Uint8Array): Line[] {
		const out: Line[] = [];
		let start = 0;
		for (;;) {
			const end = chunk.indexOf(0x0a, start);
			if (end < 0) break;
			this.pending.push(chunk.subarray(start, end));
			out.push(this.take());
			start = end + 1;
		}
		// Copied: the caller reuses its read buffer.
		if (start < chunk.length) this.pending.push(chunk.slice(start));
		return out;
	}

	/** The last line, when the file does not end with a line break. */
	end(): Line[] {
		if (this.pending.length === 0 || this.pending.every((p) => p.length === 0)) return [];
		return [this.take()];
	}

	private take(): Line {
		const bytes = this.pending.length === 1 ? this.pending[0]! : concat(this.pending.splice(0));
		this.pending = [];
		let text: string;
		try {
			// Without stream: each line is decoded on its own, so a BOM is dropped only on line 1.
			text = this.line === 1 ? this.decoder.decode(bytes) : decodeNoBom(bytes);
		} catch {
			throw new ValidationError([
				{ file: this.file, line: this.line, message: 'is not valid UTF-8' }
			]);
		}
		const line = { line: this.line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
		this.line++;
		return line;
	}
}

const keepBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decodeNoBom = (bytes: Uint8Array) => keepBom.decode(bytes);

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let offset = 0;
	for (const p of parts) {
		out.set(p, offset);
		offset += p.length;
	}
	return out;
}
