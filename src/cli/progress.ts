import type { GenerationProgress } from '../lib/server/generation/job';

/** One terminal line: bar, done/total, tokens/s and ETA. */
export function progressLine(p: GenerationProgress, width = 24): string {
	const ratio = p.total ? p.done / p.total : 1;
	const filled = Math.round(ratio * width);
	const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
	const tps = p.tokensPerSecond === null ? '–' : p.tokensPerSecond.toFixed(1);
	const eta = p.etaSeconds === null ? '–' : formatDuration(p.etaSeconds);
	return `${p.checkpoint} ${bar} ${p.done}/${p.total}  ${tps} tok/s  ETA ${eta}${p.errors ? `  errors ${p.errors}` : ''}   `;
}

export function formatDuration(seconds: number): string {
	const s = Math.max(0, Math.round(seconds));
	const m = Math.floor(s / 60);
	const h = Math.floor(m / 60);
	if (h) return `${h}h${String(m % 60).padStart(2, '0')}m`;
	if (m) return `${m}m${String(s % 60).padStart(2, '0')}s`;
	return `${s}s`;
}
