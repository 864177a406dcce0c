/**
 * The providing agency's data owner decides: approve (all or a subset of the
 * items, with conditions, an end date and whether extracts are de-identified),
 * reject with reasons, or ask the requester questions. Approval provisions
 * access at once, in the same transaction: an API key of the requesting agency
 * with the "exchange:read" scope, expiring with the approval, bound to this
 * request (so it reaches only the approved items), kept encrypted until one of
 * the requesting agency's officers reveals it once. Nothing is handed over by hand.
 */
import { nowIso, toJson } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { AppError, type FieldError } from '../../platform/errors/index.ts';
import { isIsoDate } from '../../platform/calendar/index.ts';
import { createApiKey, createOAuthClient } from '../identity/index.ts';
import type { Exchange } from './exchange.ts';
import { assertOwner } from './access.ts';
import { appendEvent, changeRequest, findRequest } from './repository.ts';
import { nextState } from './status.ts';
import { emailRequester } from './notify.ts';
import { workingDaysBetweenInstants } from './working-days.ts';

export type Decision =
  | { decision: 'approve'; items: string[]; conditions?: string; expiresOn: string; deidentify: boolean; credential?: CredentialKind }
  | { decision: 'reject'; reasons: string }
  | { decision: 'ask'; question: string };

export const MAX_ACCESS_DAYS = 366 * 2;
/** What an approval provisions for the requesting agency's systems. */
export const CREDENTIAL_KINDS = ['api_key', 'oauth_client'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export async function decideRequest(ex: Exchange, p: Principal, input: { requestId: string; version?: number; requestIdHttp?: string } & Decision): Promise<{ state: string; apiKeyId?: string }> {
  const { ctx } = ex;
  const cal = await ex.calendar.get();
  return ctx.db.transaction().execute(async (trx) => {
    const r = await findRequest(trx, input.requestId);
    assertOwner(p, r!);
    const req = r!;
    const event = input.decision;
    const to = nextState(req.state, event);
    if (!to) throw new AppError('conflict', 'exchange.errors.notNow', { state: req.state });
    if (input.version !== undefined && input.version !== req.version) throw new AppError('conflict', 'exchange.errors.changed');
    const now = ctx.clock();
    const at = nowIso(now);
    const fields: FieldError[] = [];
    const about = { id: req.id, reference: req.reference, project: req.project, requesterAgencyId: req.requesterAgencyId };
    if (input.decision === 'reject') {
      if (!input.reasons.trim()) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'reasons', message: 'exchange.errors.reasons' }] });
      if (!(await changeRequest(trx, req.id, req.version, { state: to, decided_at: at, decided_by: p.id }, at))) throw new AppError('conflict', 'exchange.errors.changed');
      await appendEvent(trx, req.id, { type: 'rejected', actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, message: input.reasons.trim() });
      await appendAudit(trx, { stream: `exchange-request:${req.id}`, action: 'exchange.request_rejected', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: req.id, requestId: input.requestIdHttp, at });
      await emailRequester(ex, trx, req.requestedBy, 'rejected', about);
      return { state: to };
    }
    if (input.decision === 'ask') {
      if (!input.question.trim()) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'question', message: 'exchange.errors.question' }] });
      if (!(await changeRequest(trx, req.id, req.version, { state: to }, at))) throw new AppError('conflict', 'exchange.errors.changed');
      await appendEvent(trx, req.id, { type: 'questions', actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, message: input.question.trim() });
      await appendAudit(trx, { stream: `exchange-request:${req.id}`, action: 'exchange.request_questions', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: req.id, requestId: input.requestIdHttp, at });
      await emailRequester(ex, trx, req.requestedBy, 'questions', about);
      return { state: to };
    }
    // approve: a subset of what was asked for, until a date
    const items = [...new Set(input.items)].filter((i) => req.items.includes(i)).sort();
    if (!items.length || items.length !== new Set(input.items).size) fields.push({ field: 'items', message: 'exchange.errors.approveItems' });
    const today = cal.localDate(now);
    const maxDate = new Date(now.getTime() + MAX_ACCESS_DAYS * 86400_000).toISOString().slice(0, 10);
    if (!isIsoDate(input.expiresOn)) fields.push({ field: 'expiresOn-day', message: 'exchange.errors.expiresOn' });
    else if (input.expiresOn <= today || input.expiresOn > maxDate) fields.push({ field: 'expiresOn-day', message: 'exchange.errors.expiresOnRange', params: { max: maxDate } });
    if ((input.conditions ?? '').length > 4000) fields.push({ field: 'conditions', message: 'exchange.errors.tooLong', params: { max: 4000 } });
    if (fields.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields });
    // access ends at the end of the chosen day in the calendar's time zone (Singapore: UTC+8, 23:59:59 local)
    const expiresAt = endOfLocalDay(input.expiresOn, cal.timeZone);
    // an API key that expires with the approval, or an OAuth client (client credentials) ended by the expiry job and checked on every call
    const kind: CredentialKind = input.credential === 'oauth_client' ? 'oauth_client' : 'api_key';
    const name = `Data exchange ${req.reference}`;
    let keyId: string;
    let prefix: string;
    let secret: string;
    if (kind === 'oauth_client') {
      const c = await createOAuthClient(trx, { agencyId: req.requesterAgencyId, name, scopes: ['exchange:read'], createdBy: p.id });
      keyId = `oauth:${c.clientId}`;
      prefix = c.clientId;
      secret = JSON.stringify({ kind, clientId: c.clientId, clientSecret: c.clientSecret });
    } else {
      const k = await createApiKey(trx, { agencyId: req.requesterAgencyId, name, scopes: ['exchange:read'], createdBy: p.id, expiresAt });
      keyId = k.id;
      prefix = k.prefix;
      secret = JSON.stringify({ kind, key: k.key });
    }
    const days = workingDaysBetweenInstants(cal, req.submittedAt, at);
    if (!(await changeRequest(trx, req.id, req.version, {
      state: to, decided_at: at, decided_by: p.id, approved_items: toJson(items), conditions: input.conditions?.trim() || null, deidentify: input.deidentify ? 1 : 0,
      access_expires_at: expiresAt, api_key_id: keyId, approval_working_days: days,
    }, at))) throw new AppError('conflict', 'exchange.errors.changed');
    await trx.insertInto('exchange_credentials').values({ request_id: req.id, api_key_id: keyId, prefix, secret_enc: ctx.keys.encrypt(secret, `exchange-credential:${req.id}`), created_at: at, revealed_at: null, revealed_by: null }).execute();
    const subset = items.length < req.items.length;
    await appendEvent(trx, req.id, { type: 'approved', actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, message: input.conditions?.trim() || null, data: { items, subset, expiresAt, deidentify: input.deidentify, workingDays: days } });
    await appendEvent(trx, req.id, { type: 'access_provisioned', actorType: 'system', at, data: { credential: kind, keyPrefix: prefix, scopes: ['exchange:read'], expiresAt } });
    await appendAudit(trx, { stream: `exchange-request:${req.id}`, action: 'exchange.request_approved', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: req.id, requestId: input.requestIdHttp, at, data: { items, expiresAt, credential: keyId, workingDays: days } });
    await emailRequester(ex, trx, req.requestedBy, 'approved', about);
    return { state: to, apiKeyId: keyId };
  });
}

/** The last instant of a calendar date in a time zone, as ISO UTC. */
export function endOfLocalDay(date: string, timeZone: string): string {
  const utcMidnightNext = Date.parse(`${date}T00:00:00Z`) + 86400_000;
  // the zone's offset at that moment: format the instant in the zone and compare
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(utcMidnightNext));
  const get = (t: string) => Number(parts.find((x) => x.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = asUtc - utcMidnightNext;
  return new Date(utcMidnightNext - offset - 1000).toISOString();
}
