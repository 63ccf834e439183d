import { randomInt } from 'node:crypto';

// Crockford base32 without I, L, O, U: easy to read aloud and to type.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** An opaque item code such as "K7Q2-M9XD": 40 random bits, unrelated to any id. */
export function newItemCode(): string {
	let s = '';
	for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
	return `${s.slice(0, 4)}-${s.slice(4)}`;
}
