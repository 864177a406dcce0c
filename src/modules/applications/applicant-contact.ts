/**
 * Where to write to an applicant: their account's email, else the contact
 * address given when the application was recorded for them; in the language
 * they applied in.
 */
import type { AppContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db/index.ts';
import { isLang, type Lang } from '../../platform/i18n/index.ts';
import { accountSummaries } from '../identity/index.ts';
import type { Application } from './repository.ts';

export interface ApplicantContact { email: string | null; lang: Lang; accountId: string | null; name: string | null }

export async function applicantContact(ctx: Pick<AppContext, 'keys'>, db: Db, app: Application): Promise<ApplicantContact> {
  const lang: Lang = isLang(app.lang) ? app.lang : 'en';
  const account = (await accountSummaries(db, ctx.keys, [app.applicantId])).get(app.applicantId);
  return { email: account?.email ?? app.contactEmail ?? null, lang, accountId: account?.id ?? null, name: account?.displayName || null };
}
