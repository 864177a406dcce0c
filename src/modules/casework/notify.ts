/**
 * Messages casework sends, each in the caller's transaction (sent if and only
 * if the action commits): applicants through notifications (templates, inbox,
 * their channels and language), officers by email in their account's language.
 */
import type { Db } from '../../platform/db/index.ts';
import { isLang, localize, type Lang, type LocalText } from '../../platform/i18n/index.ts';
import { formatReference, type Application } from '../applications/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import type { AccountSummary } from '../identity/index.ts';
import { notify, queueEmail, type Value } from '../notifications/index.ts';
import { formatDate } from '../../platform/views/index.ts';
import type { Casework } from './casework.ts';

export type ApplicantNotice = 'infoRequested' | 'approved' | 'rejected';
const EVENT = { infoRequested: 'information_requested', approved: 'approved', rejected: 'rejected' } as const;

/** Tell the applicant (notifications: inbox always, email or SMS as they chose, in their language). */
export async function emailApplicant(cw: Casework, trx: Db, app: Application, service: ServiceVersion, notice: ApplicantNotice, message: string | null): Promise<boolean> {
  const { ctx } = cw;
  const output = service.definition.output;
  const personalisation: Record<string, Value> = { message: message ?? '' };
  if (notice === 'infoRequested') personalisation.respond_link = `${ctx.config.baseUrl}/applications/${app.id}/respond`;
  if (notice === 'approved') personalisation.document = (lang) => (output && output.type !== 'none' ? localize(output.title, lang) : ctx.messages.t(lang, 'casework.email.approved.noDocument'));
  const sent = await notify(trx, { event: EVENT[notice], applicationId: app.id, personalisation });
  return !!(sent.email || sent.sms || sent.inbox);
}

/** The case passed its deadline: the applicant hears that it is taking longer (deadline_reminder). */
export async function notifyApplicantOfDelay(trx: Db, applicationId: string, dueDate: string): Promise<void> {
  await notify(trx, { event: 'deadline_reminder', applicationId, dedupeKey: `deadline:${applicationId}:${dueDate}`, personalisation: { due_date: (lang) => formatDate(dueDate, lang) } });
}

export type OfficerNotice = 'escalated' | 'answered' | 'assigned';

export async function emailOfficers(cw: Casework, trx: Db, officers: AccountSummary[], notice: OfficerNotice, p: { reference: string; applicationId: string; service: ServiceVersion; step?: LocalText; dueDate?: string | null }): Promise<number> {
  const { ctx } = cw;
  let sent = 0;
  for (const o of officers) {
    if (!o.email) continue;
    const lang: Lang = isLang(o.lang) ? o.lang : 'en';
    const params = {
      reference: formatReference(p.reference), service: localize(p.service.definition.title, lang), step: p.step ? localize(p.step, lang) : '', due: formatDate(p.dueDate, lang),
      link: `${ctx.config.baseUrl}/casework/cases/${p.applicationId}`, site: ctx.messages.t(lang, 'site.name'), name: o.displayName,
    };
    const t = (k: string) => ctx.messages.t(lang, `casework.email.${notice}.${k}`, params);
    await queueEmail(trx, ctx.keys, { kind: `casework.${notice}`, to: o.email, accountId: o.id, lang, subject: t('subject'), body: t('body') });
    sent++;
  }
  return sent;
}
