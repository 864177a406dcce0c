/**
 * PayNow confirmations: the bank's credit notification (a signed webhook) or
 * a line of an imported bank statement, matched on the bill reference the QR
 * code carried. Each notification is applied once (its id is recorded in the
 * same transaction as its effect); one that arrives twice, late or out of
 * order changes nothing more. A credit that matches no open payment, or not
 * its amount, is recorded and shows up in the reconciliation, never lost.
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../platform/crypto/index.ts';
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { findByBillReference, findPayment } from './repository.ts';
import { applyEvent, serviceForPayment, type Payments } from './service.ts';

export type CreditOutcome = 'paid' | 'duplicate' | 'already_paid' | 'unmatched' | 'amount_mismatch' | 'late';

export interface Credit { eventId: string; billReference: string | null; amount: number; currency: string; bankReference: string; source: 'webhook' | 'statement' | 'demo'; /** a statement is one agency's account: only its payments match */ agencyId?: string }

async function remember(trx: Db, eventId: string, paymentId: string | null, outcome: CreditOutcome, now: Date): Promise<boolean> {
  const r = await trx.insertInto('payment_inbound_events').values({ provider: 'paynow', event_id: eventId, payment_id: paymentId, outcome, received_at: nowIso(now) })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function creditReceived(p: Payments, credit: Credit, requestId?: string): Promise<{ outcome: CreditOutcome; paymentId: string | null }> {
  const byRef = credit.billReference ? await findByBillReference(p.ctx.db, credit.billReference.trim().toUpperCase()) : undefined;
  const found = byRef && (!credit.agencyId || byRef.agencyId === credit.agencyId) ? byRef : undefined;
  const service = found ? await serviceForPayment(p, found) : null;
  return p.ctx.db.transaction().execute(async (trx) => {
    const now = p.ctx.clock();
    const payment = found ? (await findPayment(trx, found.id))! : undefined;
    let outcome: CreditOutcome;
    if (!payment) outcome = 'unmatched';
    else if (payment.amount !== credit.amount || payment.currency !== credit.currency) outcome = 'amount_mismatch';
    else if (payment.state === 'success') outcome = 'already_paid';
    else if (payment.state === 'created' || payment.state === 'started') outcome = 'paid';
    else outcome = 'late';
    if (!(await remember(trx, `${credit.source === 'statement' ? 'statement' : 'credit'}:${credit.eventId}`, payment?.id ?? null, outcome, now))) return { outcome: 'duplicate' as const, paymentId: payment?.id ?? null };
    if (outcome === 'paid') {
      await applyEvent(p, trx, payment!, { event: 'credit_received', actor: { type: 'system', id: 'paynow' }, patch: { provider_id: credit.bankReference }, data: { bankReference: credit.bankReference, source: credit.source }, service, requestId });
    } else if (outcome !== 'already_paid') {
      p.ctx.log.warn({ payment: payment?.id ?? null, outcome, source: credit.source }, 'a PayNow credit did not match an open payment: it is listed in the reconciliation');
    }
    return { outcome, paymentId: payment?.id ?? null };
  });
}

/** Signature header of the bank's notifications: "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>". */
export function signNotification(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export const SIGNATURE_TOLERANCE_S = 300;

export function verifyNotification(secret: string, body: string, header: unknown, now: Date): void {
  if (typeof header !== 'string') throw new AppError('unauthenticated', 'payments.errors.signature');
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) throw new AppError('unauthenticated', 'payments.errors.signature');
  if (Math.abs(now.getTime() / 1000 - t) > SIGNATURE_TOLERANCE_S) throw new AppError('unauthenticated', 'payments.errors.signatureTimestamp');
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  if (!safeEqual(expected, parts.v1)) throw new AppError('unauthenticated', 'payments.errors.signature');
}

export interface StatementLine { valueDate: string; amount: number; currency: string; bankReference: string; billReference: string | null }

/** "10.50" -> 1050; null when it is not an amount. */
export function parseAmount(s: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(s);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : null;
}

/** A bank statement CSV: value_date,amount,currency,bank_reference,bill_reference (a header line; amounts like 90.00). */
export function parseStatement(csv: string): { lines: StatementLine[]; errors: { line: number; message: string }[] } {
  const rows = csv.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const lines: StatementLine[] = [];
  const errors: { line: number; message: string }[] = [];
  if (!rows.length) return { lines, errors: [{ line: 1, message: 'payments.statement.errors.empty' }] };
  const header = rows[0]!.toLowerCase().split(',').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const need = ['value_date', 'amount', 'currency', 'bank_reference', 'bill_reference'];
  if (need.some((n) => col(n) < 0)) return { lines, errors: [{ line: 1, message: 'payments.statement.errors.header' }] };
  rows.slice(1).forEach((row, i) => {
    const cells = row.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const amount = parseAmount(cells[col('amount')] ?? '');
    const valueDate = cells[col('value_date')] ?? '';
    const bankReference = cells[col('bank_reference')] ?? '';
    if (amount === null || !/^\d{4}-\d{2}-\d{2}$/.test(valueDate) || !bankReference) { errors.push({ line: i + 2, message: 'payments.statement.errors.line' }); return; }
    lines.push({ valueDate, amount, currency: (cells[col('currency')] || 'SGD').toUpperCase(), bankReference, billReference: cells[col('bill_reference')] || null });
  });
  return { lines, errors };
}

export interface ImportResult { imported: number; alreadyImported: number; paid: number; unmatched: number }

export async function importStatement(p: Payments, agencyId: string, lines: StatementLine[], by: string): Promise<ImportResult> {
  const result: ImportResult = { imported: 0, alreadyImported: 0, paid: 0, unmatched: 0 };
  for (const line of lines) {
    const id = newId();
    const inserted = await p.ctx.db.insertInto('payment_statement_lines').values({
      id, agency_id: agencyId, bank_reference: line.bankReference, value_date: line.valueDate, amount: line.amount, currency: line.currency,
      bill_reference: line.billReference, payment_id: null, imported_at: nowIso(p.ctx.clock()),
    }).onConflict((oc) => oc.columns(['agency_id', 'bank_reference']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) { result.alreadyImported++; continue; }
    result.imported++;
    const credit = await creditReceived(p, { eventId: `${agencyId}:${line.bankReference}`, billReference: line.billReference, amount: line.amount, currency: line.currency, bankReference: line.bankReference, source: 'statement', agencyId });
    const payment = credit.paymentId ? await findPayment(p.ctx.db, credit.paymentId) : undefined;
    if (payment && payment.agencyId === agencyId && (credit.outcome === 'paid' || credit.outcome === 'already_paid')) {
      await p.ctx.db.updateTable('payment_statement_lines').set({ payment_id: payment.id }).where('id', '=', id).execute();
      if (credit.outcome === 'paid') result.paid++;
    } else result.unmatched++;
  }
  p.ctx.log.info({ agency: agencyId, by, ...result }, 'bank statement imported');
  return result;
}
