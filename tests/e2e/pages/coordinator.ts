import { expect, type Page } from '@playwright/test';
import { E2E_COORDINATOR } from '../fixture';

/** Page object for the coordinator's pages (sign-in, study, round). */
export class CoordinatorPages {
	constructor(readonly page: Page) {}

	async signIn() {
		await this.page.goto('/login');
		await this.page.getByLabel('Email').fill(E2E_COORDINATOR.email);
		await this.page.getByLabel('Password').fill(E2E_COORDINATOR.password);
		await this.page.getByRole('button', { name: 'Sign in' }).click();
		await expect(this.page).toHaveURL(/\/studies$/);
	}

	async openRoundPage(roundId: string) {
		await this.page.goto(`/rounds/${roundId}`);
	}

	async transition(button: 'Open round' | 'Lock round', expected: string) {
		await this.page.getByRole('button', { name: button }).click();
		await expect(this.page.getByTestId('round-status')).toHaveText(expected);
	}

	/** Records the explicit opt-out from pre-registration that unblinding otherwise needs. */
	async optOutOfPlan(reason = 'e2e: analysed without a pre-registered plan') {
		await this.page.getByLabel('Reason').fill(reason);
		await this.page.getByRole('button', { name: 'Opt out of pre-registration' }).click();
		await expect(this.page.getByTestId('plan-text')).toContainText('No pre-registered plan');
	}

	/** Asks to unblind; the caller checks whether it went through. */
	async tryUnblind() {
		await this.page.getByRole('checkbox').check();
		await this.page.getByRole('button', { name: 'Unblind' }).click();
	}

	async unblind() {
		await this.tryUnblind();
		await expect(this.page.getByTestId('round-status')).toHaveText('unblinded');
	}

	/** Saves the plan as a draft, locks it, and returns the SHA-256 the page then shows. */
	async lockPlan(yaml: string): Promise<string> {
		await this.page.getByLabel('Plan (YAML)').fill(yaml);
		await this.page.getByRole('button', { name: 'Save draft plan' }).click();
		await this.page.getByRole('button', { name: 'Lock plan' }).click();
		const link = this.page.getByRole('link', { name: /Download the locked plan/ });
		return (await link.locator('code').textContent())!.trim();
	}

	/** Adds a rater and returns the link shown once. */
	async addRater(name: string): Promise<string> {
		await this.page.getByLabel('Name').fill(name);
		await this.page.getByRole('button', { name: 'Add rater and create link' }).click();
		return (await this.page.getByTestId('rater-link').textContent())!.trim();
	}
}
