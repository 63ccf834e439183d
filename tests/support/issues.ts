/** The issues of the ValidationError a call throws; fails the test when it throws none. */
import { expect } from 'vitest';
import { ValidationError, type Issue } from '../../src/lib/errors';

export function issuesOf(fn: () => unknown): Issue[] {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(ValidationError);
		return (e as ValidationError).issues;
	}
	throw new Error('expected a ValidationError');
}
