/**
 * A POSIX ustar archive (IEEE Std 1003.1-2001, "pax interchange format" base): 512-byte header
 * per file, contents padded to 512 bytes, two zero blocks at the end. Enough for a study folder,
 * without a dependency; names must fit ustar's 100 + 155 bytes.
 */
export interface TarEntry {
	path: string;
	content: Uint8Array;
}

const encoder = new TextEncoder();

function put(header: Uint8Array, offset: number, length: number, value: string): void {
	const bytes = encoder.encode(value);
	if (bytes.length > length) throw new Error(`tar: "${value}" is too long for its field`);
	header.set(bytes, offset);
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';

function header(path: string, size: number, mtime: number): Uint8Array {
	const h = new Uint8Array(512);
	// Long paths go into the 155-byte prefix, split at a slash.
	let name = path;
	let prefix = '';
	if (encoder.encode(path).length > 100) {
		const cut = path.lastIndexOf('/', 155);
		prefix = path.slice(0, cut);
		name = path.slice(cut + 1);
	}
	put(h, 0, 100, name);
	put(h, 100, 8, '0000644\0');
	put(h, 108, 8, '0000000\0');
	put(h, 116, 8, '0000000\0');
	put(h, 124, 12, octal(size, 12));
	put(h, 136, 12, octal(mtime, 12));
	put(h, 148, 8, '        '); // checksum counted as spaces
	put(h, 156, 1, '0');
	put(h, 257, 6, 'ustar\0');
	put(h, 263, 2, '00');
	put(h, 345, 155, prefix);
	const sum = h.reduce((a, b) => a + b, 0);
	put(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
	return h;
}

/** The archive of `entries` (regular files; folders are implied by the paths). */
export function tarArchive(
	entries: TarEntry[],
	mtime = Math.floor(Date.now() / 1000)
): Uint8Array<ArrayBuffer> {
	const blocks = (n: number) => Math.ceil(n / 512) * 512;
	const total = entries.reduce((a, e) => a + 512 + blocks(e.content.length), 1024);
	const out = new Uint8Array(total);
	let at = 0;
	for (const e of entries) {
		out.set(header(e.path, e.content.length, mtime), at);
		out.set(e.content, at + 512);
		at += 512 + blocks(e.content.length);
	}
	return out;
}
