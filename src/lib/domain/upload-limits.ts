/**
 * Limits of files uploaded in the browser, shared by the page (checked before sending) and the
 * server (checked again: the browser check is a courtesy, not a gate). No imports, so the page
 * bundle stays small.
 */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** 1536 → "1.5 KB"; binary units, as file managers show them. */
export function formatSize(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What is wrong with a file of this size ("is 21.0 MB; …"), or null when it fits. */
export function sizeProblem(bytes: number): string | null {
	if (bytes <= MAX_UPLOAD_BYTES) return null;
	return `is ${formatSize(bytes)}; files may be at most ${formatSize(MAX_UPLOAD_BYTES)}`;
}
