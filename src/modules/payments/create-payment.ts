/**
 * Create a payment: for an application's fee (journey) or for an agency
 * system (API). It gets a one-time next_url (the secret is kept hashed to find
 * it, and encrypted to show it again until it is used), a 90-minute expiry,
 * and for PayNow a bill reference and the SGQR payload.
 */
import { randomBytes } from 'node:crypto';
import { appendAudit } from '../../platform/audit/index.ts';
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { newId, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import { appendPaymentEvent, findPayment, insertPayment, type Payment } from './repository.ts';
import { paynowPayload } from './sgqr.ts';
import { PAYMENT_EXPIRY_MS, type Actor, type Payments } from './service.ts';

export interface CreatePaymentInput {
  agencyId: string;
  applicationId?: string | null;
  apiKeyId?: string | null;
  payerId?: string | null;
  reference: string;
  description: string;
  amount: number;
  currency: string;
  method: 'card' | 'paynow';
  returnUrl: string;
  breakdown?: Record<string, unknown> | null;
  actor: Actor;
  requestId?: string;
}

const BILL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** "CV" and 10 characters nobody misreads: what the payer's bank sends back with the credit. */
export function newBillReference(): string {
  const bytes = randomBytes(10);
  return `CV${[...bytes].map((b) => BILL_ALPHABET[b % BILL_ALPHABET.length]).join('')}`;
}

/** YYYYMMDD in Singapore (UTC+8, no daylight saving). */
export const singaporeDate = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

export const nextUrlOf = (p: Payments, token: string): string => `${p.ctx.config.baseUrl}/pay/start/${token}`;

export async function createPayment(p: Payments, trx: Db, input: CreatePaymentInput): Promise<{ payment: Payment; nextUrl: string }> {
  if (!Number.isInteger(input.amount) || input.amount < 1 || input.amount > 100_000_000) throw new AppError('bad_request', 'payments.errors.amount');
  const id = newId();
  const token = randomToken(24);
  const now = p.ctx.clock();
  const expiresAt = new Date(now.getTime() + PAYMENT_EXPIRY_MS);
  let billReference: string | null = null;
  let payload: string | null = null;
  if (input.method === 'paynow') {
    const agency = p.catalogue.agencies.find((a) => a.id === input.agencyId);
    if (!agency?.uen) throw new AppError('conflict', 'payments.errors.paynowUnavailable');
    billReference = newBillReference();
    payload = paynowPayload({ uen: agency.uen, amountCents: input.amount, expiry: singaporeDate(expiresAt), billReference, merchantName: localize(agency.name, 'en') });
  }
  await insertPayment(trx, {
    id, agency_id: input.agencyId, application_id: input.applicationId ?? null, api_key_id: input.apiKeyId ?? null, payer_id: input.payerId ?? null,
    reference: input.reference, description: input.description, amount: input.amount, currency: input.currency, method: input.method,
    provider: input.method === 'paynow' ? 'paynow' : p.card.name, provider_id: null, state: 'created', return_url: input.returnUrl,
    next_token_hash: sha256(token), next_token_enc: p.ctx.keys.encrypt(token, `payment:${id}`), next_used_at: null, payer_secret_hash: null,
    bill_reference: billReference, paynow_payload: payload, card_brand: null, card_last4: null, breakdown: input.breakdown ? toJson(input.breakdown) : null,
    failure: null, rev: 1, created_at: nowIso(now), updated_at: nowIso(now), expires_at: nowIso(expiresAt), paid_at: null,
  });
  await appendPaymentEvent(trx, id, { event: 'created', from: null, to: 'created', actorType: input.actor.type, actorId: input.actor.id ?? null, data: { amount: input.amount, method: input.method }, at: nowIso(now) });
  await appendAudit(trx, {
    stream: `payment:${id}`, action: 'payments.created', actorType: input.actor.type, actorId: input.actor.id ?? null, agencyId: input.agencyId,
    subjectType: 'payment', subjectId: id, requestId: input.requestId, data: { amount: input.amount, currency: input.currency, method: input.method, application: input.applicationId ?? null },
  });
  return { payment: (await findPayment(trx, id))!, nextUrl: nextUrlOf(p, token) };
}

/** next_url while it is still usable (created, never opened), else null. */
export function nextUrlFor(p: Payments, payment: Payment, tokenEnc: string | null): string | null {
  if (payment.state !== 'created' || payment.nextUsedAt || !tokenEnc) return null;
  return nextUrlOf(p, p.ctx.keys.decrypt(tokenEnc, `payment:${payment.id}`));
}
