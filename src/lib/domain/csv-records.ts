/**
 * PostgreSQL's `COPY … WITH (FORMAT csv)` writes what `csv.ts` writes (the same fields quoted,
 * quotes doubled, NULL as an empty field) except that it ends records with LF where RFC 4180
 * (and our exports) use CRLF. A line break inside a quoted field must stay as it is, so the
 * converter tracks whether it is inside quotes: in COPY's output every `"` opens or closes a
 * quoted field or is one of a doubled pair, so the parity of the quotes seen says where we are.
 * Empty strings must reach COPY as NULL (it quotes them as `""`); callers write `nullif(x, '')`.
 */

/** A converter for one stream of COPY CSV text, chunk by chunk (chunks may split anywhere). */
export function crlfRecords(): (chunk: string) => string {
	let quoted = false;
	return (chunk) => {
		if (!quoted && !chunk.includes('"')) return chunk.replaceAll('\n', '\r\n');
		let out = '';
		let start = 0;
		let i = 0;
		for (;;) {
			if (quoted) {
				const q = chunk.indexOf('"', i);
				if (q < 0) break;
				quoted = false;
				i = q + 1;
				continue;
			}
			const q = chunk.indexOf('"', i);
			const nl = chunk.indexOf('\n', i);
			if (nl >= 0 && (q < 0 || nl < q)) {
				out += chunk.slice(start, nl) + '\r\n';
				start = i = nl + 1;
			} else if (q >= 0) {
				quoted = true;
				i = q + 1;
			} else break;
		}
		return out + chunk.slice(start);
	};
}
