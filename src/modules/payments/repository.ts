/** Queries on the payments module's own tables; rows normalised for both databases here. */
import { fromJson, newId, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import type { PaymentState } from './states.ts';

export interface Payment {
  id: string;
  agencyId: string;
  applicationId: string | null;
  apiKeyId: string | null;
  payerId: string | null;
  reference: string;
  description: string;
  amount: number;
  currency: string;
  method: 'card' | 'paynow';
  provider: string;
  providerId: string | null;
  state: PaymentState;
  returnUrl: string;
  nextUsedAt: string | null;
  payerSecretHash: string | null;
  billReference: string | null;
  paynowPayload: string | null;
  cardBrand: string | null;
  cardLast4: string | null;
  breakdown: Record<string, unknown> | null;
  failure: string | null;
  rev: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  paidAt: string | null;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

export function toPayment(r: any): Payment {
  return {
    id: r.id, agencyId: r.agency_id, applicationId: r.application_id ?? null, apiKeyId: r.api_key_id ?? null, payerId: r.payer_id ?? null,
    reference: r.reference, description: r.description, amount: Number(r.amount), currency: r.currency, method: r.method, provider: r.provider,
    providerId: r.provider_id ?? null, state: r.state, returnUrl: r.return_url, nextUsedAt: iso(r.next_used_at), payerSecretHash: r.payer_secret_hash ?? null,
    billReference: r.bill_reference ?? null, paynowPayload: r.paynow_payload ?? null, cardBrand: r.card_brand ?? null, cardLast4: r.card_last4 ?? null,
    breakdown: r.breakdown ? fromJson(r.breakdown) : null, failure: r.failure ?? null, rev: Number(r.rev),
    createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!, expiresAt: iso(r.expires_at)!, paidAt: iso(r.paid_at),
  };
}

export async function findPayment(db: Db, id: string): Promise<Payment | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const r = await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toPayment(r) : undefined;
}

export async function findByTokenHash(db: Db, hash: string): Promise<Payment | undefined> {
  const r = await db.selectFrom('payments').selectAll().where('next_token_hash', '=', hash).executeTakeFirst();
  return r ? toPayment(r) : undefined;
}

export async function findByBillReference(db: Db, ref: string): Promise<Payment | undefined> {
  const r = await db.selectFrom('payments').selectAll().where('bill_reference', '=', ref).executeTakeFirst();
  return r ? toPayment(r) : undefined;
}

export async function paymentsOfApplication(db: Db, applicationId: string): Promise<Payment[]> {
  const rows = await db.selectFrom('payments').selectAll().where('application_id', '=', applicationId).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toPayment);
}

export async function insertPayment(db: Db, row: Record<string, unknown>): Promise<void> {
  await db.insertInto('payments').values(row).execute();
}

/** Move the row on only if nobody else did (same rev): false means someone else got there first. */
export async function updatePayment(db: Db, p: Payment, patch: Record<string, unknown>, now: string): Promise<boolean> {
  const r = await db.updateTable('payments').set({ ...patch, rev: p.rev + 1, updated_at: now }).where('id', '=', p.id).where('rev', '=', p.rev).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface PaymentEvent { seq: number; event: string; from: string | null; to: string; actorType: string; actorId: string | null; data: Record<string, unknown>; at: string }

export async function appendPaymentEvent(db: Db, paymentId: string, e: Omit<PaymentEvent, 'seq'>): Promise<number> {
  const last = await db.selectFrom('payment_events').select((eb) => eb.fn.max('seq').as('seq')).where('payment_id', '=', paymentId).executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  await db.insertInto('payment_events').values({
    payment_id: paymentId, seq, event: e.event, from_state: e.from, to_state: e.to, actor_type: e.actorType, actor_id: e.actorId, data: toJson(e.data), at: e.at,
  }).execute();
  return seq;
}

export async function listPaymentEvents(db: Db, paymentId: string): Promise<PaymentEvent[]> {
  const rows = await db.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).orderBy('seq').execute();
  return rows.map((r: any) => ({ seq: Number(r.seq), event: r.event, from: r.from_state ?? null, to: r.to_state, actorType: r.actor_type, actorId: r.actor_id ?? null, data: fromJson(r.data), at: iso(r.at)! }));
}

export interface Refund { id: string; paymentId: string; amount: number; state: string; reason: string; actorType: string; actorId: string | null; providerId: string | null; createdAt: string }

export async function listRefunds(db: Db, paymentId: string): Promise<Refund[]> {
  const rows = await db.selectFrom('payment_refunds').selectAll().where('payment_id', '=', paymentId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r: any) => ({ id: r.id, paymentId: r.payment_id, amount: Number(r.amount), state: r.state, reason: r.reason, actorType: r.actor_type, actorId: r.actor_id ?? null, providerId: r.provider_id ?? null, createdAt: iso(r.created_at)! }));
}

export type LedgerKind = 'charge' | 'refund' | 'waiver';

/** Append a money movement; the dedupe key makes a retried success or refund write it once. Returns false when it was already there. */
export async function appendLedger(db: Db, e: { agencyId: string; paymentId?: string | null; applicationId?: string | null; refundId?: string | null; kind: LedgerKind; amount: number; currency: string; provider?: string | null; providerRef?: string | null; dedupeKey: string; at: Date }): Promise<boolean> {
  const r = await db.insertInto('payment_ledger').values({
    id: newId(), agency_id: e.agencyId, payment_id: e.paymentId ?? null, application_id: e.applicationId ?? null, refund_id: e.refundId ?? null, kind: e.kind,
    amount: e.amount, currency: e.currency, provider: e.provider ?? null, provider_ref: e.providerRef ?? null, dedupe_key: e.dedupeKey, at: nowIso(e.at),
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export interface LedgerEntry { id: string; agencyId: string; paymentId: string | null; applicationId: string | null; refundId: string | null; kind: LedgerKind; amount: number; currency: string; provider: string | null; providerRef: string | null; at: string }

export async function ledgerEntries(db: Db, opts: { agencyId?: string; from?: string; to?: string; paymentId?: string } = {}): Promise<LedgerEntry[]> {
  let q = db.selectFrom('payment_ledger').selectAll();
  if (opts.agencyId) q = q.where('agency_id', '=', opts.agencyId);
  if (opts.paymentId) q = q.where('payment_id', '=', opts.paymentId);
  if (opts.from) q = q.where('at', '>=', opts.from);
  if (opts.to) q = q.where('at', '<', opts.to);
  const rows = await q.orderBy('at').orderBy('id').execute();
  return rows.map((r: any) => ({
    id: r.id, agencyId: r.agency_id, paymentId: r.payment_id ?? null, applicationId: r.application_id ?? null, refundId: r.refund_id ?? null, kind: r.kind,
    amount: Number(r.amount), currency: r.currency, provider: r.provider ?? null, providerRef: r.provider_ref ?? null, at: iso(r.at)!,
  }));
}
