/**
 * Save a page (or one item of an "add another" page) into a draft. Two tabs
 * saving at once both succeed: each save re-reads the draft and applies its own
 * page, so no page's answers overwrite another's.
 */
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Answers } from '../forms/index.ts';
import { findApplication, saveDraftAnswers, type Application } from './repository.ts';
import { requireDraft } from './load-application.ts';

export async function updateDraft(ctx: AppContext, app: Application, change: (answers: Answers) => Answers): Promise<Answers> {
  let current = app;
  for (let attempt = 0; attempt < 5; attempt++) {
    requireDraft(current);
    const next = change(current.answers);
    if (await saveDraftAnswers(ctx.db, ctx.keys, current.id, current.rev, next, nowIso(ctx.clock()))) return next;
    const fresh = await findApplication(ctx.db, ctx.keys, current.id);
    if (!fresh) throw new AppError('not_found', 'applications.errors.unknownApplication');
    current = fresh;
  }
  throw new AppError('conflict', 'applications.errors.busy');
}
