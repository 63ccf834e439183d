/**
 * A minimal GGUF v3 writer: metadata of every scalar type, string and numeric arrays, F32
 * tensors. Enough to write the tiny test model and its LoRA adapter; @huggingface/gguf can
 * rewrite metadata but not tensors. Layout (little-endian): magic "GGUF", u32 version, u64 tensor
 * count, u64 KV count, KVs, tensor infos, padding to ALIGNMENT, then the tensor data, each tensor
 * padded to ALIGNMENT.
 */
import { writeFile } from 'node:fs/promises';

/** GGUF's default `general.alignment`; llama.cpp rejects data offsets that are not multiples. */
const ALIGNMENT = 32;
const GGUF_VERSION = 3;
const GGML_TYPE_F32 = 0;

/** GGUF metadata value type ids. */
export const GgufValueType = {
	u8: 0,
	i8: 1,
	u16: 2,
	i16: 3,
	u32: 4,
	i32: 5,
	f32: 6,
	bool: 7,
	string: 8,
	array: 9,
	u64: 10,
	i64: 11,
	f64: 12
} as const;

export type GgufScalarType = Exclude<keyof typeof GgufValueType, 'array'>;
type NumericType = Exclude<GgufScalarType, 'bool' | 'string'>;

/**
 * One metadata value with its explicit GGUF type: JS numbers alone cannot say whether a key is
 * u32 or f32, and llama.cpp rejects a key stored with the wrong type.
 */
export type GgufValue =
	| { type: NumericType; value: number | bigint }
	| { type: 'bool'; value: boolean }
	| { type: 'string'; value: string }
	| { type: 'array'; itemType: 'string'; value: readonly string[] }
	| { type: 'array'; itemType: NumericType; value: ArrayLike<number> | readonly bigint[] }
	| { type: 'array'; itemType: 'bool'; value: readonly boolean[] };

export interface GgufTensor {
	name: string;
	/** ggml order: ne[0] is the innermost (input) dimension. */
	shape: readonly number[];
	data: Float32Array;
}

export interface GgufFile {
	metadata: Record<string, GgufValue>;
	tensors: readonly GgufTensor[];
}

/** Shorthands for the metadata types the llama loader reads. */
export const gguf = {
	u32: (value: number): GgufValue => ({ type: 'u32', value }),
	i32: (value: number): GgufValue => ({ type: 'i32', value }),
	f32: (value: number): GgufValue => ({ type: 'f32', value }),
	bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
	string: (value: string): GgufValue => ({ type: 'string', value }),
	strings: (value: readonly string[]): GgufValue => ({ type: 'array', itemType: 'string', value }),
	f32s: (value: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'f32', value }),
	i32s: (value: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'i32', value })
};

const BYTE_SIZE: Record<NumericType | 'bool', number> = {
	u8: 1,
	i8: 1,
	bool: 1,
	u16: 2,
	i16: 2,
	u32: 4,
	i32: 4,
	f32: 4,
	u64: 8,
	i64: 8,
	f64: 8
};

/** Growable little-endian byte sink. */
class ByteWriter {
	private buf = Buffer.alloc(1 << 16);
	length = 0;

	private reserve(n: number): void {
		if (this.length + n <= this.buf.length) return;
		let size = this.buf.length * 2;
		while (size < this.length + n) size *= 2;
		const next = Buffer.alloc(size);
		this.buf.copy(next, 0, 0, this.length);
		this.buf = next;
	}

	number(type: NumericType | 'bool', value: number | bigint | boolean): void {
		const size = BYTE_SIZE[type];
		this.reserve(size);
		const at = this.length;
		const n = typeof value === 'boolean' ? Number(value) : value;
		switch (type) {
			case 'u8':
			case 'bool':
				this.buf.writeUInt8(Number(n), at);
				break;
			case 'i8':
				this.buf.writeInt8(Number(n), at);
				break;
			case 'u16':
				this.buf.writeUInt16LE(Number(n), at);
				break;
			case 'i16':
				this.buf.writeInt16LE(Number(n), at);
				break;
			case 'u32':
				this.buf.writeUInt32LE(Number(n), at);
				break;
			case 'i32':
				this.buf.writeInt32LE(Number(n), at);
				break;
			case 'f32':
				this.buf.writeFloatLE(Number(n), at);
				break;
			case 'u64':
				this.buf.writeBigUInt64LE(BigInt(n), at);
				break;
			case 'i64':
				this.buf.writeBigInt64LE(BigInt(n), at);
				break;
			case 'f64':
				this.buf.writeDoubleLE(Number(n), at);
				break;
		}
		this.length += size;
	}

	string(value: string): void {
		const bytes = Buffer.from(value, 'utf8');
		this.number('u64', bytes.length);
		this.bytes(bytes);
	}

	bytes(bytes: Uint8Array): void {
		this.reserve(bytes.length);
		this.buf.set(bytes, this.length);
		this.length += bytes.length;
	}

	padTo(alignment: number): void {
		const pad = (alignment - (this.length % alignment)) % alignment;
		this.reserve(pad);
		this.buf.fill(0, this.length, this.length + pad);
		this.length += pad;
	}

	toBuffer(): Buffer {
		return this.buf.subarray(0, this.length);
	}
}

function writeValue(w: ByteWriter, key: string, v: GgufValue): void {
	w.number('u32', GgufValueType[v.type]);
	if (v.type === 'string') return w.string(v.value);
	if (v.type !== 'array') return w.number(v.type, v.value);
	w.number('u32', GgufValueType[v.itemType]);
	w.number('u64', v.value.length);
	if (v.itemType === 'string') {
		for (const s of v.value) w.string(s);
		return;
	}
	for (let i = 0; i < v.value.length; i++) {
		const item = (v.value as ArrayLike<number | bigint | boolean>)[i];
		if (item === undefined) throw new Error(`GGUF key ${key}: hole at index ${i}`);
		w.number(v.itemType, item);
	}
}

/**
 * Serialises a GGUF v3 file with F32 tensors.
 * @throws Error when a tensor's data length does not match the product of its shape
 */
export function encodeGguf(file: GgufFile): Buffer {
	const w = new ByteWriter();
	w.bytes(Buffer.from('GGUF', 'ascii'));
	w.number('u32', GGUF_VERSION);
	w.number('u64', file.tensors.length);
	const entries = Object.entries(file.metadata);
	w.number('u64', entries.length);
	for (const [key, value] of entries) {
		w.string(key);
		writeValue(w, key, value);
	}

	let offset = 0;
	const offsets: number[] = [];
	for (const t of file.tensors) {
		const elements = t.shape.reduce((a, b) => a * b, 1);
		if (elements !== t.data.length) {
			throw new Error(
				`tensor ${t.name}: shape [${t.shape.join(', ')}] needs ${elements} values, got ${t.data.length}`
			);
		}
		w.string(t.name);
		w.number('u32', t.shape.length);
		for (const ne of t.shape) w.number('u64', ne);
		w.number('u32', GGML_TYPE_F32);
		w.number('u64', offset);
		offsets.push(offset);
		offset += Math.ceil(t.data.byteLength / ALIGNMENT) * ALIGNMENT;
	}
	w.padTo(ALIGNMENT);

	const dataStart = w.length;
	file.tensors.forEach((t, i) => {
		if (w.length - dataStart !== offsets[i]) {
			throw new Error(`tensor ${t.name}: data offset bookkeeping went wrong`);
		}
		// Float32Array is host-endian; every platform Node supports here is little-endian.
		w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
		w.padTo(ALIGNMENT);
	});
	return w.toBuffer();
}

/** Writes a GGUF v3 file (see {@link encodeGguf}) and returns its size in bytes. */
export async function writeGguf(path: string, file: GgufFile): Promise<number> {
	const bytes = encodeGguf(file);
	await writeFile(path, bytes);
	return bytes.length;
}
