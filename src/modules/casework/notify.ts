/**
 * Emails casework sends, each in the caller's transaction (sent if and only if
 * the action commits), in the reader's language: applicants in the language
 * they applied in, officers in their account's language.
 */
import type { Db } from '../../platform/db/index.ts';
import { isLang, localize, type Lang, type LocalText } from '../../platform/i18n/index.ts';
import { applicantContact, formatReference, type Application } from '../applications/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import type { AccountSummary } from '../identity/index.ts';
import { queueEmail } from '../notifications/index.ts';
import { formatDate } from '../../platform/views/index.ts';
import type { Casework } from './casework.ts';

export type ApplicantNotice = 'infoRequested' | 'approved' | 'rejected';

export async function emailApplicant(cw: Casework, trx: Db, app: Application, service: ServiceVersion, notice: ApplicantNotice, message: string | null): Promise<boolean> {
  const { ctx } = cw;
  const to = await applicantContact(ctx, trx, app);
  if (!to.email) return false;
  const lang = to.lang;
  const params = {
    service: localize(service.definition.title, lang), reference: formatReference(app.reference ?? ''), link: `${ctx.config.baseUrl}/applications/${app.id}`,
    respondLink: `${ctx.config.baseUrl}/applications/${app.id}/respond`, message: message ?? '', site: ctx.messages.t(lang, 'site.name'),
    document: service.definition.output && service.definition.output.type !== 'none' ? localize(service.definition.output.title, lang) : ctx.messages.t(lang, 'casework.email.approved.noDocument'),
  };
  const t = (k: string) => ctx.messages.t(lang, `casework.email.${notice}.${k}`, params);
  await queueEmail(trx, ctx.keys, { kind: `casework.${notice}`, to: to.email, accountId: to.accountId, lang, subject: t('subject'), body: t('body') });
  return true;
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
