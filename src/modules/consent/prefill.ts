/**
 * Prefill with consent. Before agreeing the person sees which items, from
 * which source and owning agency, for which purpose: that page reads only
 * what the registry holds (metadata), never a value. Agreeing reads the
 * values, fills and locks the questions, records the consent and writes the
 * read to "who used my data", all in one transaction. Declining records that
 * too; the person types the answers. An item that is unavailable (or would
 * not be a valid answer) leaves its question to be asked normally.
 */
import type { AppContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import { allQuestions, QUESTION_TYPE_IMPLS, todayInSingapore, type Question } from '../forms/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import { prefillDraft, type Application, type VerifiedFill } from '../applications/index.ts';
import { answerFrom, itemDefinition, readVerifiedPerson, verifiedPersonMeta, type MyinfoItem } from '../registry/index.ts';
import { recordDataUse } from '../data-use/index.ts';
import { findAccount } from '../identity/index.ts';
import { insertConsent, settleConsent } from './repository.ts';

export type Provider = 'registry' | 'myinfo';

export interface PlanItem {
  item: string;
  questionId: string;
  /** owning agency */
  agency: string;
  /** Myinfo source code ('1' government-verified, ...) when known before the read */
  source: string | null;
  available: boolean;
}

export interface Plan { provider: Provider; purpose: LocalText; items: PlanItem[] }

/** The person's NRIC keyed hash, or null (an account without one has no verified data). */
export async function nricHashOf(ctx: AppContext, p: Principal): Promise<string | null> {
  if (p.kind !== 'citizen' || p.actingFor) return null;
  const a = await findAccount(ctx.db, p.id);
  return (a?.nric_hash as string | null) ?? null;
}

const providerOf = (ctx: AppContext): Provider => (ctx.config.myinfo ? 'myinfo' : 'registry');

/** What the consent page shows: null when there is nothing to prefill for this person. */
export async function planPrefill(ctx: AppContext, service: ServiceVersion, principal: Principal): Promise<Plan | null> {
  const prefill = service.definition.prefill;
  if (!prefill?.items.length) return null;
  const nricHash = await nricHashOf(ctx, principal);
  if (!nricHash) return null;
  const provider = providerOf(ctx);
  if (provider === 'myinfo') {
    return { provider, purpose: prefill.purpose, items: prefill.items.map((p) => ({ item: p.item, questionId: p.question, agency: itemDefinition(p.item)?.agency ?? '', source: null, available: true })) };
  }
  const meta = await verifiedPersonMeta(ctx.db, nricHash, prefill.items.map((p) => p.item));
  if (!meta || !meta.size) return null;
  return {
    provider, purpose: prefill.purpose,
    items: prefill.items.map((p) => {
      const m = meta.get(p.item);
      return { item: p.item, questionId: p.question, agency: m?.agency ?? itemDefinition(p.item)?.agency ?? '', source: m?.source ?? null, available: !!m };
    }),
  };
}

/** Items -> answers for the service's questions (each checked as the question would check a typed answer). */
export function fillsFrom(ctx: AppContext, service: ServiceVersion, items: Map<string, { value: MyinfoItem; agency: string }>, provider: Provider): VerifiedFill[] {
  const questions = new Map(allQuestions(service.definition.form).filter((x) => !x.page.repeat).map((x) => [x.question.id, x.question as Question]));
  const fills: VerifiedFill[] = [];
  for (const p of service.definition.prefill?.items ?? []) {
    const q = questions.get(p.question);
    const stored = items.get(p.item);
    if (!q || !stored) continue;
    const candidate = answerFrom(p.item, q.type, stored.value);
    if (candidate === undefined) continue;
    const checked = QUESTION_TYPE_IMPLS[q.type].validate(q, candidate, { today: todayInSingapore(ctx.clock()) });
    if (checked.error || checked.value === undefined) continue;
    fills.push({ questionId: q.id, value: checked.value, item: p.item, agency: stored.agency, origin: String(stored.value.source ?? '1'), provider });
  }
  return fills;
}

/** One transaction: the consent, the prefill and its entry in "who used my data". */
async function commitPrefill(ctx: AppContext, trx: Db, o: { app: Application; service: ServiceVersion; principal: Principal; nricHash: string; fills: VerifiedFill[]; provider: Provider; consentId?: string }): Promise<void> {
  const prefill = o.service.definition.prefill!;
  const items = o.fills.map((f) => f.item);
  if (o.consentId) {
    if (!(await settleConsent(trx, o.consentId, 'agreed', items, ctx.clock()))) throw new AppError('conflict', 'consent.errors.alreadyUsed');
  } else {
    await insertConsent(trx, { accountId: o.principal.id, serviceId: o.service.id, agencyId: o.service.definition.agency, applicationId: o.app.id, decision: 'agreed', provider: o.provider, items, purpose: prefill.purpose }, ctx.clock());
  }
  if (o.fills.length) await prefillDraft(ctx, trx, { applicationId: o.app.id, fills: o.fills, by: { kind: 'citizen', id: o.principal.id } });
  await recordDataUse(trx, ctx.keys, {
    subject: { nricHash: o.nricHash, accountId: o.principal.id }, kind: 'service', who: o.service.definition.title, agencyId: o.service.definition.agency,
    items, purpose: prefill.purpose, reference: null, at: ctx.clock(), actorId: o.service.id,
  });
  await appendAudit(trx, { stream: `account:${o.principal.id}`, action: 'consent.agreed', actorType: 'citizen', actorId: o.principal.id, agencyId: o.service.definition.agency, subjectType: 'application', subjectId: o.app.id, data: { service: o.service.id, provider: o.provider, items } });
}

/** Agree (Civitas's own registry): read, fill, lock, record. */
export async function agreeToPrefill(ctx: AppContext, o: { app: Application; service: ServiceVersion; principal: Principal }): Promise<{ filled: number }> {
  const nricHash = await nricHashOf(ctx, o.principal);
  const prefill = o.service.definition.prefill;
  if (!nricHash || !prefill?.items.length) throw new AppError('conflict', 'consent.errors.nothingToFill');
  return ctx.db.transaction().execute(async (trx) => {
    const person = await readVerifiedPerson(trx, ctx.keys, nricHash, prefill.items.map((p) => p.item)) ?? new Map();
    const fills = fillsFrom(ctx, o.service, person, 'registry');
    await commitPrefill(ctx, trx, { ...o, nricHash, fills, provider: 'registry' });
    return { filled: fills.length };
  });
}

/** Decline: recorded; nothing is read. */
export async function declinePrefill(ctx: AppContext, o: { app: Application; service: ServiceVersion; principal: Principal }): Promise<void> {
  const prefill = o.service.definition.prefill;
  if (!prefill) return;
  await ctx.db.transaction().execute(async (trx) => {
    await insertConsent(trx, { accountId: o.principal.id, serviceId: o.service.id, agencyId: o.service.definition.agency, applicationId: o.app.id, decision: 'declined', provider: providerOf(ctx), items: prefill.items.map((p) => p.item), purpose: prefill.purpose }, ctx.clock());
    await appendAudit(trx, { stream: `account:${o.principal.id}`, action: 'consent.declined', actorType: 'citizen', actorId: o.principal.id, agencyId: o.service.definition.agency, subjectType: 'application', subjectId: o.app.id, data: { service: o.service.id } });
  });
}

/** Myinfo: a pending consent whose id is the state of the round trip. */
export async function startMyinfoConsent(ctx: AppContext, o: { app: Application; service: ServiceVersion; principal: Principal }): Promise<string> {
  const prefill = o.service.definition.prefill!;
  return insertConsent(ctx.db, { accountId: o.principal.id, serviceId: o.service.id, agencyId: o.service.definition.agency, applicationId: o.app.id, decision: 'pending', provider: 'myinfo', items: prefill.items.map((p) => p.item), purpose: prefill.purpose }, ctx.clock());
}

/** Myinfo's answer: the person it names must be the one signed in; then fill, lock and record as for the registry. */
export async function completeMyinfoConsent(ctx: AppContext, o: { app: Application; service: ServiceVersion; principal: Principal; consentId: string; person: { uinfin: string; items: Record<string, MyinfoItem> } }): Promise<{ filled: number }> {
  const nricHash = await nricHashOf(ctx, o.principal);
  if (!nricHash || ctx.keys.blindIndex('nric', o.person.uinfin.toUpperCase()) !== nricHash) throw new AppError('forbidden', 'consent.errors.otherPerson');
  const items = new Map(Object.entries(o.person.items).map(([k, v]) => [k, { value: v, agency: itemDefinition(k)?.agency ?? '' }]));
  const fills = fillsFrom(ctx, o.service, items, 'myinfo');
  await ctx.db.transaction().execute((trx) => commitPrefill(ctx, trx, { ...o, nricHash, fills, provider: 'myinfo' }));
  return { filled: fills.length };
}
