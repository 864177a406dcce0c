/**
 * Emails the exchange sends, in the caller's transaction (sent if and only if
 * the change commits), in each officer's language: new requests, answers,
 * reminders and escalations to the providing agency's data owners; questions
 * and decisions to the officer who asked.
 */
import type { Db } from '../../platform/db/index.ts';
import { isLang, localize, type Lang } from '../../platform/i18n/index.ts';
import { accountSummaries, listAgencyOfficers, type AccountSummary } from '../identity/index.ts';
import { queueEmail } from '../notifications/index.ts';
import type { Exchange } from './exchange.ts';

export type OwnerNotice = 'submitted' | 'answered' | 'reminder' | 'escalated';
export type RequesterNotice = 'questions' | 'approved' | 'rejected' | 'revoked';

interface About { id: string; reference: string; project: string; requesterAgencyId: string; due?: string }

const DATA_OWNER_ROLES = ['data_owner', 'agency_admin'];

export async function dataOwnersOf(ex: Exchange, db: Db, agencyId: string, roles = DATA_OWNER_ROLES): Promise<AccountSummary[]> {
  return (await listAgencyOfficers(db, ex.ctx.keys, agencyId)).filter((o) => o.roles.some((r) => roles.includes(r)));
}

async function send(ex: Exchange, trx: Db, people: AccountSummary[], kind: string, about: About): Promise<number> {
  const { ctx } = ex;
  let sent = 0;
  for (const o of people) {
    if (!o.email) continue;
    const lang: Lang = isLang(o.lang) ? o.lang : 'en';
    const agency = ex.agencies.find((a) => a.id === about.requesterAgencyId);
    const params = { reference: about.reference, project: about.project, agency: agency ? localize(agency.name, lang) : about.requesterAgencyId, due: about.due ?? '', link: `${ctx.config.baseUrl}/exchange/requests/${about.id}`, name: o.displayName, site: ctx.messages.t(lang, 'site.name') };
    await queueEmail(trx, ctx.keys, { kind: `exchange.${kind}`, to: o.email, accountId: o.id, lang, subject: ctx.messages.t(lang, `exchange.email.${kind}.subject`, params), body: ctx.messages.t(lang, `exchange.email.${kind}.body`, params) });
    sent++;
  }
  return sent;
}

/** The providing agency's data owners (and, for an escalation, its administrators too). */
export async function emailDataOwners(ex: Exchange, trx: Db, providerAgencyId: string, notice: OwnerNotice, about: About): Promise<number> {
  return send(ex, trx, await dataOwnersOf(ex, trx, providerAgencyId), notice, about);
}

export async function emailRequester(ex: Exchange, trx: Db, requesterId: string, notice: RequesterNotice, about: About): Promise<number> {
  const people = [...(await accountSummaries(trx, ex.ctx.keys, [requesterId])).values()];
  return send(ex, trx, people, notice, about);
}
