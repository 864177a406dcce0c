/**
 * Daily reconciliation per agency: the ledger's money movements of a day
 * (Singapore time) against what the card provider settled and what the bank
 * statement shows for PayNow. Every difference is listed; an empty list is a
 * clean day. ledgerCsv() is the finance export.
 */
import type { Db } from '../../platform/db/index.ts';
import { ledgerEntries, type LedgerEntry } from './repository.ts';
import type { Payments } from './service.ts';
import { decimalAmount } from './sgqr.ts';

export type MismatchKind = 'missing_settlement' | 'settlement_amount_differs' | 'settlement_not_in_ledger' | 'missing_statement_line' | 'statement_amount_differs' | 'statement_line_unmatched';
export interface Mismatch { kind: MismatchKind; paymentId: string | null; refundId: string | null; ledgerAmount: number | null; otherAmount: number | null; reference: string | null }

export interface Reconciliation {
  agencyId: string;
  date: string;
  totals: { charges: number; refunds: number; waivers: number; net: number; entries: number };
  matched: number;
  mismatches: Mismatch[];
}

/** [from, to) in UTC for a Singapore calendar day. */
export function singaporeDay(date: string): { from: string; to: string } {
  const start = new Date(`${date}T00:00:00+08:00`);
  return { from: start.toISOString(), to: new Date(start.getTime() + 86400_000).toISOString() };
}

async function agencyOfPayment(db: Db, id: string): Promise<string | null> {
  const r: any = await db.selectFrom('payments').select('agency_id').where('id', '=', id).executeTakeFirst();
  return r?.agency_id ?? null;
}

export async function reconcile(p: Payments, agencyId: string, date: string): Promise<Reconciliation> {
  const { from, to } = singaporeDay(date);
  const db = p.ctx.db;
  const ledger = await ledgerEntries(db, { agencyId, from, to });
  const mismatches: Mismatch[] = [];
  let matched = 0;
  const mismatch = (kind: MismatchKind, e: Partial<Mismatch>) => mismatches.push({ kind, paymentId: null, refundId: null, ledgerAmount: null, otherAmount: null, reference: null, ...e });

  // card: every charge and refund in the ledger has the provider's settlement with the same amount
  const keyOf = (e: LedgerEntry) => (e.kind === 'charge' ? `charge:${e.paymentId}` : `refund:${e.refundId}`);
  const cardEntries = ledger.filter((e) => e.provider === p.card.name && e.kind !== 'waiver');
  const settled = new Map((await p.card.settlements(new Date(Date.parse(from) - 86400_000).toISOString(), new Date(Date.parse(to) + 86400_000).toISOString())).map((s) => [s.key, s]));
  for (const e of cardEntries) {
    const s = settled.get(keyOf(e));
    if (!s) mismatch('missing_settlement', { paymentId: e.paymentId, refundId: e.refundId, ledgerAmount: e.amount });
    else if (s.amount !== Math.abs(e.amount)) mismatch('settlement_amount_differs', { paymentId: e.paymentId, refundId: e.refundId, ledgerAmount: e.amount, otherAmount: s.amount, reference: s.providerId });
    else matched++;
  }
  // and every settlement of the day is in the ledger
  const inLedger = new Set((await ledgerEntries(db, { agencyId })).filter((e) => e.provider === p.card.name).map(keyOf));
  for (const s of await p.card.settlements(from, to)) {
    const paymentId = s.kind === 'charge' ? s.key.slice('charge:'.length) : null;
    const refundRow: any = s.kind === 'refund' ? await db.selectFrom('payment_refunds').select('payment_id').where('id', '=', s.key.slice('refund:'.length)).executeTakeFirst() : null;
    const owner = paymentId ?? refundRow?.payment_id ?? null;
    if (!owner || (await agencyOfPayment(db, owner)) !== agencyId) continue;
    if (!inLedger.has(s.key)) mismatch('settlement_not_in_ledger', { paymentId: owner, otherAmount: s.amount, reference: s.providerId });
  }

  // PayNow: every charge has a statement line matched to it, and every line of the day is matched
  const lines: any[] = await db.selectFrom('payment_statement_lines').selectAll().where('agency_id', '=', agencyId).execute();
  const byPayment = new Map(lines.filter((l) => l.payment_id).map((l) => [l.payment_id as string, l]));
  for (const e of ledger.filter((x) => x.provider === 'paynow' && x.kind === 'charge')) {
    const l = byPayment.get(e.paymentId!);
    if (!l) mismatch('missing_statement_line', { paymentId: e.paymentId, ledgerAmount: e.amount, reference: e.providerRef });
    else if (Number(l.amount) !== e.amount) mismatch('statement_amount_differs', { paymentId: e.paymentId, ledgerAmount: e.amount, otherAmount: Number(l.amount), reference: l.bank_reference });
    else matched++;
  }
  for (const l of lines.filter((x) => !x.payment_id && x.value_date === date)) {
    mismatch('statement_line_unmatched', { otherAmount: Number(l.amount), reference: `${l.bank_reference}${l.bill_reference ? ` / ${l.bill_reference}` : ''}` });
  }

  const sum = (k: string) => ledger.filter((e) => e.kind === k).reduce((s, e) => s + e.amount, 0);
  return {
    agencyId, date, matched, mismatches,
    totals: { charges: sum('charge'), refunds: sum('refund'), waivers: sum('waiver'), net: sum('charge') + sum('refund'), entries: ledger.length },
  };
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  // a cell a spreadsheet would run as a formula is quoted with a leading apostrophe
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-\d/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export async function ledgerCsv(db: Db, agencyId: string, from: string, to: string): Promise<string> {
  const rows = await ledgerEntries(db, { agencyId, from, to });
  const head = 'entry_id,at,agency,kind,amount,currency,payment_id,application_id,refund_id,provider,provider_reference';
  const sign = (n: number) => (n < 0 ? `-${decimalAmount(-n)}` : decimalAmount(n));
  return [head, ...rows.map((e) => [e.id, e.at, e.agencyId, e.kind, sign(e.amount), e.currency, e.paymentId, e.applicationId, e.refundId, e.provider, e.providerRef].map(csvCell).join(','))].join('\n') + '\n';
}
