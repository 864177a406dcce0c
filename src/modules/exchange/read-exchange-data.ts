/**
 * A call of the exchange API by an agency system. The credential must be one
 * an approval provisioned; the source and items must be within the approval;
 * the purpose/case reference must be sent. Anything else is refused (403 or
 * 400, with the reason) and the refusal is logged. An answer is logged in the
 * request's message log (a hash chain in the audit log) in the same
 * transaction as the "Who used my data" entry of each person whose data it
 * carries, and the first successful call is timed for the measurement.
 */
import { nowIso, type Db } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { ApiClient } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { isValidNric, normaliseId } from '../../platform/identifiers/index.ts';
import type { Exchange } from './exchange.ts';
import { findRequestByKey, type SharingRequest } from './repository.ts';
import { itemKey, splitItemKey, type ExchangeSource } from './sources.ts';
import { workingDaysBetweenInstants } from './working-days.ts';

export const PURPOSE_HEADER = 'civitas-purpose-reference';
export const SUBJECT_HEADER = 'civitas-subject';

export interface ExchangeCall {
  client: ApiClient;
  sourceId: string;
  /** items asked for (none: every approved item of the source) */
  items: string[];
  /** the purpose/case reference header */
  reference: string | undefined;
  /** person sources: the NRIC/FIN asked about */
  nric?: string | undefined;
  /** the kind of source the route reads (a person route cannot read a dataset) */
  kind?: 'person' | 'dataset';
  requestId: string;
}

export type ExchangeAnswer =
  | { kind: 'person'; request: SharingRequest; items: string[]; found: boolean; values: Record<string, unknown> | null }
  | { kind: 'dataset'; request: SharingRequest; items: string[]; rows: Record<string, unknown>[] };

/** The message log of one sharing request: every call, answered or refused. */
export const messageLogStream = (requestId: string) => `exchange-log:${requestId}`;

async function logCall(db: Db, call: ExchangeCall, req: SharingRequest | null, at: string, outcome: { ok: true; count: number; subjectHash?: string | null } | { ok: false; reason: string }): Promise<void> {
  await appendAudit(db, {
    stream: req ? messageLogStream(req.id) : `exchange-log:key:${call.client.keyId}`,
    action: outcome.ok ? 'exchange.call' : 'exchange.call_refused', actorType: 'api', actorId: call.client.keyId, agencyId: call.client.agencyId,
    subjectType: 'exchange_request', subjectId: req?.id ?? null, requestId: call.requestId, at,
    data: {
      consumer: call.client.agencyId, provider: req?.providerAgencyId ?? null, request: req?.reference ?? null, source: call.sourceId, items: call.items,
      purposeReference: call.reference ?? null, ...(outcome.ok ? { records: outcome.count, subject: outcome.subjectHash ?? null } : { refused: outcome.reason }),
    },
  });
}

export async function readExchangeData(ex: Exchange, call: ExchangeCall): Promise<ExchangeAnswer> {
  const { ctx } = ex;
  const now = ctx.clock();
  const at = nowIso(now);
  const req = await findRequestByKey(ctx.db, call.client.keyId);
  const refuse = async (code: 'forbidden' | 'bad_request' | 'not_found', key: string, details: Record<string, unknown> = {}): Promise<never> => {
    await logCall(ctx.db, call, req, at, { ok: false, reason: key });
    throw new AppError(code, key, details);
  };
  if (!req) return refuse('forbidden', 'exchange.errors.noApproval');
  if (req.state !== 'approved' || !req.accessExpiresAt || req.accessExpiresAt < at) return refuse('forbidden', 'exchange.errors.accessEnded', { state: req.state });
  const reference = (call.reference ?? '').trim();
  if (!reference || reference.length > 200) return refuse('bad_request', 'exchange.errors.purposeReference', { header: 'Civitas-Purpose-Reference' });
  const approved = req.approvedItems ?? [];
  const source: ExchangeSource | undefined = ex.sources.get(call.sourceId);
  const approvedHere = approved.filter((k) => splitItemKey(k).sourceId === call.sourceId).map((k) => splitItemKey(k).item);
  if (!source || !approvedHere.length) return refuse('forbidden', 'exchange.errors.sourceNotApproved', { source: call.sourceId, approved: [...new Set(approved.map((k) => splitItemKey(k).sourceId))] });
  if (call.kind && source.kind !== call.kind) return refuse('not_found', 'exchange.errors.wrongKind', { kind: source.kind });
  const asked = call.items.length ? [...new Set(call.items)] : approvedHere;
  const outside = asked.filter((i) => !approvedHere.includes(i));
  if (outside.length) return refuse('forbidden', 'exchange.errors.itemsNotApproved', { items: outside, approved: approvedHere });
  const cal = await ex.calendar.get();
  const ctxSource = { keys: ctx.keys, now };

  const firstCall = async (trx: Db) => {
    if (req.firstCallAt) return;
    await trx.updateTable('exchange_requests').set({ first_call_at: at, first_call_working_days: workingDaysBetweenInstants(cal, req.submittedAt, at) })
      .where('id', '=', req.id).where('first_call_at', 'is', null).execute();
  };

  if (source.kind === 'dataset') {
    return ctx.db.transaction().execute(async (trx) => {
      const rows = await source.read(trx, null, asked, ctxSource);
      await logCall(trx, { ...call, items: asked }, req, at, { ok: true, count: rows.length });
      await firstCall(trx);
      return { kind: 'dataset' as const, request: req, items: asked, rows };
    });
  }
  const nric = normaliseId(call.nric ?? '');
  if (!isValidNric(nric)) return refuse('bad_request', 'exchange.errors.subject', { header: 'Civitas-Subject' });
  const nricHash = ctx.keys.blindIndex('nric', nric);
  return ctx.db.transaction().execute(async (trx) => {
    const rec = await source.read(trx, { nricHash }, asked, ctxSource);
    if (rec) {
      await ex.onPersonDataRead(trx, {
        personAccountId: rec.personAccountId, nricHash, byAgencyId: call.client.agencyId, byKeyId: call.client.keyId, items: asked.map((i) => itemKey(source.id, i)),
        purpose: req.purpose, reference, requestReference: req.reference, providerAgencyId: req.providerAgencyId, at,
      });
    }
    await logCall(trx, { ...call, items: asked }, req, at, { ok: true, count: rec ? 1 : 0, subjectHash: nricHash });
    await firstCall(trx);
    return { kind: 'person' as const, request: req, items: asked, found: !!rec, values: rec?.values ?? null };
  });
}
