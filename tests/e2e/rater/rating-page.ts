import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the rater's rating page (/rate/[code]), shared by the rater specs. */
export class RatingPage {
	readonly scales: Locator;
	readonly saveState: Locator;
	readonly next: Locator;
	readonly letter: Locator;

	constructor(readonly page: Page) {
		this.scales = page.locator('fieldset.scale');
		this.saveState = page.getByTestId('save-state');
		this.next = page.getByTestId('next');
		this.letter = page.getByTestId('letter');
	}

	/** The item code of the page shown. */
	code(): string {
		const code = new URL(this.page.url()).pathname.split('/').pop()!;
		expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
		return code;
	}

	async arrived(): Promise<string> {
		await expect(this.page).toHaveURL(/\/rate\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
		await expect(this.letter).not.toBeEmpty();
		return this.code();
	}

	async dimensions(): Promise<string[]> {
		return this.scales.evaluateAll((els) => els.map((e) => e.getAttribute('data-dimension')!));
	}

	/** The dimension whose radio has focus, or null. */
	focused(): Promise<string | null> {
		return this.page.evaluate(
			() =>
				document.activeElement?.closest('fieldset.scale')?.getAttribute('data-dimension') ?? null
		);
	}

	async expectFocus(dimension: string | null): Promise<void> {
		await expect.poll(() => this.focused()).toBe(dimension);
	}

	/** Scores shown (checked radios) by dimension. */
	checked(): Promise<Record<string, number>> {
		return this.scales.evaluateAll((els) =>
			Object.fromEntries(
				els.flatMap((e) => {
					const input = e.querySelector<HTMLInputElement>('input:checked');
					return input ? [[e.getAttribute('data-dimension')!, Number(input.value)]] : [];
				})
			)
		);
	}

	async saved(): Promise<void> {
		await expect(this.saveState).toHaveAttribute('data-state', 'saved');
	}

	/** Unsent changes this browser keeps in localStorage. */
	pendingInStorage(): Promise<number> {
		return this.page.evaluate(
			() => Object.keys(localStorage).filter((k) => k.startsWith('blindeval.pending:')).length
		);
	}
}
