/**
 * Seeded pseudo-random numbers for reproducible designs: the same study seed and rater give the
 * same order on every machine and run. Not for secrets (tokens and item codes use crypto).
 */

/** cyrb128: hashes a string into four 32-bit seeds (public-domain, bryc). */
function cyrb128(str: string): [number, number, number, number] {
	let h1 = 1779033703,
		h2 = 3144134277,
		h3 = 1013904242,
		h4 = 2773480762;
	for (let i = 0; i < str.length; i++) {
		const k = str.charCodeAt(i);
		h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
		h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
		h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
		h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
	}
	h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
	h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
	h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
	h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
	h1 ^= h2 ^ h3 ^ h4;
	h2 ^= h1;
	h3 ^= h1;
	h4 ^= h1;
	return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A generator of floats in [0, 1). */
export type Rng = () => number;

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) seeded from a string through
 * cyrb128; passes PractRand to 2^40 bytes and is fully specified here, so orders never depend on
 * a library's or engine's Math.random.
 */
export function seededRng(seed: string): Rng {
	let [a, b, c, d] = cyrb128(seed);
	const rng = () => {
		a |= 0;
		b |= 0;
		c |= 0;
		d |= 0;
		const t = (((a + b) | 0) + d) | 0;
		d = (d + 1) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		c = (c + t) | 0;
		return (t >>> 0) / 4294967296;
	};
	// Discard the first outputs: sfc32 mixes poorly right after seeding.
	for (let i = 0; i < 15; i++) rng();
	return rng;
}

/** Integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
	return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle into a new array. */
export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
	const a = items.slice();
	for (let i = a.length - 1; i > 0; i--) {
		const j = randomInt(rng, i + 1);
		[a[i], a[j]] = [a[j]!, a[i]!];
	}
	return a;
}
