/**
 * The rater's language, shared by the rater layout (which owns it and the switch) and its pages.
 * A context rather than layout data: switching must not reload the page's data, which would
 * throw away what the rater is typing.
 */
import { createContext } from 'svelte';
import type { Locale } from '$lib/i18n/messages';

export interface RaterLocale {
	readonly current: Locale;
}

export const [useLocale, provideLocale] = createContext<RaterLocale>();
