/**
 * What other modules may know about an application's payment, without
 * reading this module's tables: the case page's panel (casework) and the
 * facts the KPIs count (e-payment coverage and take-up).
 */
import type { Db } from '../../platform/db/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import type { CasePanelProvider, CasePanelRow } from '../casework/index.ts';
import { listRefunds, paymentsOfApplication } from './repository.ts';
import type { Payments } from './service.ts';
import { decimalAmount } from './sgqr.ts';

export interface PaymentFacts { feeCents: number; paidOnline: boolean; method: 'card' | 'paynow' | 'waived' | null }

export async function paymentFacts(db: Db, applicationId: string): Promise<PaymentFacts> {
  const payments = await paymentsOfApplication(db, applicationId);
  const paid = payments.find((x) => x.state === 'success');
  if (paid) return { feeCents: paid.amount, paidOnline: true, method: paid.method };
  const waiver: any = await db.selectFrom('payment_ledger').select('id').where('application_id', '=', applicationId).where('kind', '=', 'waiver').executeTakeFirst();
  return { feeCents: 0, paidOnline: false, method: waiver ? 'waived' : null };
}

const STATE_TAG: Record<string, CasePanelRow['tag']> = { success: 'green', failed: 'red', error: 'red', cancelled: 'grey', expired: 'grey', created: 'yellow', started: 'yellow', submitted: 'yellow' };
const money = (cents: number, currency: string) => `${currency === 'SGD' ? 'S$' : `${currency} `}${decimalAmount(cents)}`;

export function paymentsPanel(p: Payments): CasePanelProvider {
  return {
    id: 'payment',
    async describe(application, lang: Lang, db: Db = p.ctx.db) {
      const t = (k: string, params?: Record<string, string | number>) => p.ctx.messages.t(lang, `payments.panel.${k}`, params);
      const payments = await paymentsOfApplication(db, application.id);
      const waiver: any = await db.selectFrom('payment_ledger').selectAll().where('application_id', '=', application.id).where('kind', '=', 'waiver').executeTakeFirst();
      if (!payments.length && !waiver) return null;
      const paid = payments.find((x) => x.state === 'success');
      const shown = paid ?? payments[0];
      const rows: CasePanelRow[] = [];
      if (!shown) {
        rows.push({ key: t('status'), value: t('waived'), tag: 'green' }, { key: t('amount'), value: money(Number(waiver.amount), waiver.currency) });
        return { title: t('title'), rows };
      }
      rows.push({ key: t('status'), value: p.ctx.messages.t(lang, `payments.state.${shown.state}`), tag: STATE_TAG[shown.state] ?? 'grey' });
      rows.push({ key: t('amount'), value: money(shown.amount, shown.currency) });
      rows.push({ key: t('method'), value: p.ctx.messages.t(lang, `payments.method.${shown.method}`) + (shown.cardLast4 ? ` ·${shown.cardLast4}` : '') });
      rows.push({ key: t('reference'), value: shown.billReference ?? shown.providerId ?? shown.id });
      if (shown.paidAt) rows.push({ key: t('paidAt'), value: shown.paidAt.slice(0, 16).replace('T', ' ') + ' UTC' });
      const refunds = (await listRefunds(db, shown.id)).filter((r) => r.state === 'success');
      if (refunds.length) rows.push({ key: t('refunded'), value: money(refunds.reduce((s, r) => s + r.amount, 0), shown.currency) });
      if (payments.length > 1) rows.push({ key: t('attempts'), value: String(payments.length) });
      rows.push({ key: t('manage'), value: t('manageLink'), href: `/casework/payments/${shown.id}` });
      return { title: t('title'), rows };
    },
  };
}
