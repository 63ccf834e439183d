/** Which task of a study a new round rates, and on which form (domain/tasks.ts). */
import type { RatingForm } from '../../domain/rating-form';
import { DEFAULT_TASK, type StudyTask } from '../../domain/tasks';
import { ValidationError } from '../../errors';

/**
 * The task a round rates: the one named, else the study's first task with a form. A study
 * without tasks has one, rated on the study's form. A task scored only automatically (no form)
 * cannot be rated.
 */
export function taskOfRound(
	study: { form: RatingForm; tasks: StudyTask[] | null },
	key: string | undefined
): { key: string; form: RatingForm } {
	if (!study.tasks) {
		if (key !== undefined && key !== DEFAULT_TASK)
			throw new ValidationError([{ field: 'task', message: `the study has no task "${key}"` }]);
		return { key: DEFAULT_TASK, form: study.form };
	}
	const task =
		key === undefined ? study.tasks.find((t) => t.form) : study.tasks.find((t) => t.key === key);
	if (!task)
		throw new ValidationError([
			{
				field: 'task',
				message:
					key === undefined
						? 'no task of the study has a rating form'
						: `the study has no task "${key}" (it has ${study.tasks.map((t) => t.key).join(', ')})`
			}
		]);
	if (!task.form)
		throw new ValidationError([
			{
				field: 'task',
				message: `task "${task.key}" has no rating form: it is scored only automatically`
			}
		]);
	return { key: task.key, form: task.form };
}
