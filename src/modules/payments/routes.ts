/**
 * Pages: the fee step of the application journey (/applications/:id/pay), the
 * payment pages the payer reaches through next_url (/pay/...: card, challenge,
 * PayNow QR), the officer's payment page with refunds, and the agency
 * administrator's payments, bank statement import, reconciliation and ledger export.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { appendAudit } from '../../platform/audit/index.ts';
import { isAppError, notFound } from '../../platform/errors/index.ts';
import { assertCan, can, type App } from '../../platform/http/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import { firstIncompletePage, todayInSingapore } from '../forms/index.ts';
import { findApplication, listEvents, loadOwnApplication, type Application } from '../applications/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import { recordTransactionFact } from '../kpi/index.ts';
import { createPayment, nextUrlFor } from './create-payment.ts';
import { chargesFee, factsNeeded, feeDue, type FeeDue } from './fees.ts';
import { creditReceived, importStatement, parseAmount, parseStatement } from './paynow.ts';
import { luhnValid, SANDBOX_CHALLENGE_CODE } from './providers.ts';
import { ledgerCsv, reconcile, singaporeDay } from './reconcile.ts';
import { refundable, refundPayment } from './refund-payment.ts';
import { appendLedger, findPayment, listPaymentEvents, listRefunds, paymentsOfApplication, toPayment, type Payment } from './repository.ts';
import { applyEvent, isFinished, submitPaidApplication, type Payments } from './service.ts';
import { answerChallenge, cancelPayment, openNextUrl, payByCard, payerHolds } from './take-payment.ts';
import { decimalAmount } from './sgqr.ts';
import { createPaymentEndpoint, listPaymentDeliveries, replayDelivery } from './webhooks.ts';

const V = (name: string) => `modules/payments/views/${name}.njk`;
const PAYER_COOKIE = 'civitas_payer';
type Err = { text: string; href: string };

/** The journey's question: does this application go through the fee step before it is sent? */
export async function paymentStepNeeded(p: Payments, a: Pick<Application, 'applicantId' | 'actingForUen' | 'answers'>, service: ServiceVersion): Promise<boolean> {
  if (!chargesFee(service.definition)) return false;
  const due = await dueFor(p, a, service);
  return due.totalCents > 0 || !!due.concession;
}

export async function dueFor(p: Payments, a: Pick<Application, 'applicantId' | 'actingForUen' | 'answers'>, service: ServiceVersion): Promise<FeeDue> {
  const needed = factsNeeded(service.definition);
  const proven = needed.length ? await p.registry.proven(p.ctx.db, a, needed) : new Set<string>();
  return feeDue(service.definition, a.answers, proven);
}

export function registerPaymentRoutes(app: App, p: Payments): void {
  const { ctx } = p;

  // ---- the journey's fee step ------------------------------------------------

  async function loadDraft(request: FastifyRequest) {
    const { app: a, service } = await loadOwnApplication(ctx, p.catalogue, request.principal!, (request.params as { id: string }).id);
    return { a, service };
  }
  /** Where a draft must go first (null: it may pay). */
  async function notReady(a: Application, service: ServiceVersion): Promise<string | null> {
    if (a.status !== 'draft') return `/applications/${a.id}`;
    const incomplete = firstIncompletePage(service.definition.form, a.answers, { today: todayInSingapore(ctx.clock()) });
    if (incomplete) return `/applications/${a.id}/pages/${incomplete.pageId}`;
    if (service.definition.signatureRequired) {
      // signed after the last change to the answers, or sign again
      const signed = (await listEvents(ctx.db, a.id)).filter((e) => e.type === 'signed').at(-1);
      if (!signed || signed.at < a.updatedAt) return `/applications/${a.id}/sign`;
    }
    return null;
  }

  const payPage = async (request: FastifyRequest, reply: FastifyReply, a: Application, service: ServiceVersion, errors: Err[] = []) => {
    const due = await dueFor(p, a, service);
    const attempts = await paymentsOfApplication(ctx.db, a.id);
    const paid = attempts.find((x) => x.state === 'success');
    const last = attempts[0];
    const problem = !paid && last && isFinished(last) ? `payments.pay.problem.${last.failure === 'declined' ? 'declined' : last.state}` : null;
    const methods = (service.definition.paymentMethods ?? []).map((m) => ({ value: m, text: request.t(`payments.method.${m}`), hint: { text: request.t(`payments.method.${m}Hint`) } }));
    return reply.page(V('pay'), {
      title: request.t(paid ? 'payments.pay.paidTitle' : due.totalCents === 0 ? 'payments.pay.waivedTitle' : 'payments.pay.title'),
      serviceTitle: localize(service.definition.title, request.lang), due, paid, methods, errors,
      concessionName: due.concession ? localize(due.concession.name, request.lang) : null,
      problem: problem && ctx.messages.has(problem) ? request.t(problem) : null,
      action: `/applications/${a.id}/pay`, backHref: service.definition.signatureRequired ? `/applications/${a.id}` : `/applications/${a.id}/check`,
      gstPercent: due.gstRate ? (due.gstRate / 100).toString() : null,
    }, errors.length ? 422 : undefined);
  };

  app.get('/applications/:id/pay', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { a, service } = await loadDraft(request);
    const elsewhere = await notReady(a, service);
    if (elsewhere) return reply.redirect(elsewhere);
    if (!chargesFee(service.definition)) return reply.redirect(`/applications/${a.id}/check`);
    return payPage(request, reply, a, service);
  });

  app.post('/applications/:id/pay', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { a, service } = await loadDraft(request);
    if (a.status !== 'draft') return reply.redirect(`/applications/${a.id}/confirmation`, 303);
    const elsewhere = await notReady(a, service);
    if (elsewhere) return reply.redirect(elsewhere, 303);
    const body = (request.body ?? {}) as Record<string, string>;
    const due = await dueFor(p, a, service);
    const attempts = await paymentsOfApplication(ctx.db, a.id);
    const paid = attempts.find((x) => x.state === 'success');
    // already paid (the answers needed correcting after payment), or nothing to pay: send it now
    if (paid || due.totalCents === 0) {
      const ref = await ctx.db.transaction().execute(async (trx) => {
        if (!paid && due.concession) {
          await appendLedger(trx, {
            agencyId: a.agencyId, applicationId: a.id, kind: 'waiver', amount: due.standardCents, currency: due.currency, dedupeKey: `waiver:${a.id}`, at: ctx.clock(),
          });
          await recordTransactionFact(trx, a.id, { feeCharged: 0 }); // waived: no fee applies to this transaction
          await appendAudit(trx, { stream: `application:${a.id}`, action: 'payments.fee_waived', actorType: request.principal!.kind, actorId: request.principal!.id, agencyId: a.agencyId, subjectType: 'application', subjectId: a.id, requestId: request.id, data: { concession: due.concession.id, waived: due.standardCents } });
        }
        return submitPaidApplication(p, trx, service, a.id, request.principal!.id, { paymentId: paid?.id, requestId: request.id });
      });
      if (!ref.reference) return reply.redirect(`/applications/${a.id}/check`, 303);
      return reply.redirect(`/applications/${a.id}/confirmation`, 303);
    }
    const method = body.method;
    if (method !== 'card' && method !== 'paynow' || !(service.definition.paymentMethods ?? []).includes(method)) {
      return payPage(request, reply, a, service, [{ text: request.t('payments.pay.errorMethod'), href: '#method' }]);
    }
    // a double click, or back and forward again: the open payment for the same method and amount is reused
    const open = attempts.find((x) => !isFinished(x) && x.method === method && x.amount === due.totalCents && x.payerId === request.principal!.id);
    if (open) {
      const row: any = await ctx.db.selectFrom('payments').select('next_token_enc').where('id', '=', open.id).executeTakeFirst();
      const next = nextUrlFor(p, open, row?.next_token_enc ?? null);
      return reply.redirect(next ? new URL(next).pathname : `/pay/${open.id}`, 303);
    }
    const { nextUrl } = await ctx.db.transaction().execute(async (trx) => {
      for (const other of attempts.filter((x) => !isFinished(x))) {
        const current = (await findPayment(trx, other.id))!;
        if (!isFinished(current)) {
          await applyEvent(p, trx, current, { event: 'cancelled', actor: { type: 'citizen', id: request.principal!.id }, patch: { failure: 'replaced' } });
        }
      }
      return createPayment(p, trx, {
        agencyId: a.agencyId, applicationId: a.id, payerId: request.principal!.id, reference: a.id.slice(0, 8).toUpperCase(),
        description: localize(service.definition.title, 'en'), amount: due.totalCents, currency: due.currency, method,
        returnUrl: `${ctx.config.baseUrl}/applications/${a.id}/payment-return`,
        breakdown: { standard: due.standardCents, concession: due.concession?.id ?? null, gst: due.gstCents, gstRate: due.gstRate },
        actor: { type: request.principal!.kind, id: request.principal!.id }, requestId: request.id,
      });
    });
    return reply.redirect(new URL(nextUrl).pathname, 303);
  });

  // the return URL carries no outcome: the application's payments say what happened
  app.get('/applications/:id/payment-return', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { a } = await loadDraft(request);
    if (a.status !== 'draft' && a.reference) return reply.redirect(`/applications/${a.id}/confirmation`);
    return reply.redirect(`/applications/${a.id}/pay`);
  });

  // ---- the payer's pages (next_url) -------------------------------------------

  app.get('/pay/start/:token', { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!/^[\w-]{20,64}$/.test(token)) throw notFound('payments.errors.unknownLink');
    const { payment, secret } = await openNextUrl(p, token);
    reply.setCookie(PAYER_COOKIE, secret, { path: `/pay/${payment.id}`, httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, maxAge: 3 * 3600 });
    return reply.redirect(`/pay/${payment.id}`, 303);
  });

  async function payerPayment(request: FastifyRequest): Promise<Payment> {
    const payment = await findPayment(ctx.db, (request.params as { paymentId: string }).paymentId);
    if (!payment || !payerHolds(payment, request.cookies[PAYER_COOKIE])) throw notFound('payments.errors.unknownPayment');
    return payment;
  }
  const agencyName = (payment: Payment, lang: string) => {
    const agency = p.catalogue.agencies.find((x) => x.id === payment.agencyId);
    return agency ? localize(agency.name, lang as any) : payment.agencyId;
  };

  type CardForm = { cardNumber?: string; expiryMonth?: string; expiryYear?: string; cardholderName?: string; cvc?: string };
  const cardPage = (request: FastifyRequest, reply: FastifyReply, payment: Payment, form: CardForm = {}, errors: (Err & { field: string })[] = []) => {
    const err = (f: string) => errors.find((e) => e.field === f) ? { text: errors.find((e) => e.field === f)!.text } : undefined;
    return reply.page(V('card'), {
      title: request.t('payments.card.title'), payment, agency: agencyName(payment, request.lang), form, errors, err: Object.fromEntries(['cardNumber', 'expiry', 'cardholderName', 'cvc'].map((f) => [f, err(f)])),
      demo: ctx.config.demo, amount: decimalAmount(payment.amount),
    }, errors.length ? 422 : undefined);
  };

  app.get('/pay/:paymentId', { config: { access: 'public' } }, async (request, reply) => {
    const payment = await payerPayment(request);
    if (payment.state === 'success') return reply.redirect(payment.returnUrl);
    if (isFinished(payment)) {
      return reply.page(V('finished'), { title: request.t(`payments.finished.${payment.failure === 'declined' ? 'declined' : payment.state}.title`), body: request.t(`payments.finished.${payment.failure === 'declined' ? 'declined' : payment.state}.body`), returnUrl: payment.returnUrl });
    }
    if (payment.method === 'paynow') {
      const qr = await QRCode.toDataURL(payment.paynowPayload!, { errorCorrectionLevel: 'M', margin: 2, width: 240, color: { dark: '#7c1a87', light: '#ffffff' } });
      return reply.page(V('paynow'), {
        title: request.t('payments.paynow.title'), payment, qr, agency: agencyName(payment, request.lang), amount: decimalAmount(payment.amount), demo: ctx.config.demo,
        expires: payment.expiresAt, waiting: (request.query as Record<string, string>).checked === '1',
      });
    }
    if (payment.state === 'submitted') return reply.page(V('challenge'), { title: request.t('payments.challenge.title'), payment, demo: ctx.config.demo, demoCode: SANDBOX_CHALLENGE_CODE, errors: [] });
    return cardPage(request, reply, payment);
  });

  app.post('/pay/:paymentId/card', { config: { access: 'public' } }, async (request, reply) => {
    const payment = await payerPayment(request);
    if (payment.state !== 'started' || payment.method !== 'card') return reply.redirect(`/pay/${payment.id}`, 303);
    const body = (request.body ?? {}) as CardForm;
    const number = String(body.cardNumber ?? '').replace(/[\s-]/g, '');
    const month = Number(body.expiryMonth);
    const year = Number(String(body.expiryYear ?? '').length === 2 ? `20${body.expiryYear}` : body.expiryYear);
    const now = ctx.clock();
    const errors: (Err & { field: string })[] = [];
    if (!number) errors.push({ field: 'cardNumber', text: request.t('payments.card.errors.numberMissing'), href: '#cardNumber' });
    else if (!luhnValid(number)) errors.push({ field: 'cardNumber', text: request.t('payments.card.errors.number'), href: '#cardNumber' });
    if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(year) || year < 2000 || year > 2100) errors.push({ field: 'expiry', text: request.t('payments.card.errors.expiry'), href: '#expiryMonth' });
    else if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) errors.push({ field: 'expiry', text: request.t('payments.card.errors.expired'), href: '#expiryMonth' });
    if (!String(body.cardholderName ?? '').trim()) errors.push({ field: 'cardholderName', text: request.t('payments.card.errors.name'), href: '#cardholderName' });
    if (!/^\d{3,4}$/.test(String(body.cvc ?? '').trim())) errors.push({ field: 'cvc', text: request.t('payments.card.errors.cvc'), href: '#cvc' });
    if (errors.length) return cardPage(request, reply, payment, { ...body, cvc: '' }, errors);
    const result = await payByCard(p, payment, { number, expiryMonth: month, expiryYear: year, cvc: String(body.cvc), name: String(body.cardholderName).trim().slice(0, 100) }, request.id);
    if (result.state === 'success') return reply.redirect(result.returnUrl, 303);
    return reply.redirect(`/pay/${payment.id}`, 303);
  });

  app.post('/pay/:paymentId/challenge', { config: { access: 'public' } }, async (request, reply) => {
    const payment = await payerPayment(request);
    const code = String((request.body as Record<string, string> | undefined)?.code ?? '').trim();
    if (!code) return reply.page(V('challenge'), { title: request.t('payments.challenge.title'), payment, demo: ctx.config.demo, demoCode: SANDBOX_CHALLENGE_CODE, errors: [{ text: request.t('payments.challenge.error'), href: '#code' }] }, 422);
    const result = await answerChallenge(p, payment, code, request.id);
    if (result.state === 'success') return reply.redirect(result.returnUrl, 303);
    return reply.redirect(`/pay/${payment.id}`, 303);
  });

  app.post('/pay/:paymentId/cancel', { config: { access: 'public' } }, async (request, reply) => {
    const payment = await payerPayment(request);
    if (!isFinished(payment)) await cancelPayment(p, payment.id, { type: 'citizen', id: payment.payerId }, request.id);
    return reply.redirect(payment.returnUrl, 303);
  });

  if (ctx.config.demo) {
    // demo only: play the bank's credit notification for this PayNow payment (the same code path as the signed webhook)
    app.post('/pay/:paymentId/demo-credit', { config: { access: 'public' } }, async (request, reply) => {
      const payment = await payerPayment(request);
      if (payment.method !== 'paynow') throw notFound();
      await creditReceived(p, { eventId: `demo-${payment.id}`, billReference: payment.billReference, amount: payment.amount, currency: payment.currency, bankReference: `DEMO${Date.now()}`, source: 'demo' }, request.id);
      const after = (await findPayment(ctx.db, payment.id))!;
      return reply.redirect(after.state === 'success' ? after.returnUrl : `/pay/${payment.id}?checked=1`, 303);
    });
  }

  // ---- officers: a payment and its refunds --------------------------------------

  async function agencyPayment(request: FastifyRequest) {
    const payment = await findPayment(ctx.db, (request.params as { paymentId: string }).paymentId);
    assertCan(request.principal!, 'payment.view-agency', payment ? { agencyId: payment.agencyId } : { agencyId: '-' });
    return payment!;
  }
  const officerPage = async (request: FastifyRequest, reply: FastifyReply, payment: Payment, opts: { errors?: (Err & { field?: string })[]; form?: Record<string, string>; done?: boolean } = {}) => {
    const refunds = await listRefunds(ctx.db, payment.id);
    const application = payment.applicationId ? await findApplication(ctx.db, ctx.keys, payment.applicationId) : null;
    const errors = opts.errors ?? [];
    const err = (f: string) => { const e = errors.find((x) => x.field === f); return e ? { text: e.text } : undefined; };
    return reply.page(V('officer-payment'), {
      title: request.t('payments.officer.title'), payment, refunds, events: await listPaymentEvents(ctx.db, payment.id), available: refundable(payment, refunds),
      canRefund: payment.state === 'success' && refundable(payment, refunds) > 0 && can(request.principal!, 'payment.refund', { agencyId: payment.agencyId }),
      application, errors, err: { amount: err('amount'), reason: err('reason') }, form: opts.form ?? {}, done: (request.query as Record<string, string>).refunded === '1',
      backHref: application ? `/casework/cases/${application.id}` : '/agency/payments',
    }, errors.length ? (errors[0]!.field === 'stale' ? 409 : 422) : undefined);
  };

  app.get('/casework/payments/:paymentId', { config: { access: { can: 'payment.view-agency' } } }, async (request, reply) => officerPage(request, reply, await agencyPayment(request)));

  app.post('/casework/payments/:paymentId/refunds', { config: { access: { can: 'payment.refund' } } }, async (request, reply) => {
    const payment = await agencyPayment(request);
    assertCan(request.principal!, 'payment.refund', { agencyId: payment.agencyId });
    const body = (request.body ?? {}) as Record<string, string>;
    const amount = parseAmount(String(body.amount ?? ''));
    const errors: (Err & { field: string })[] = [];
    if (amount === null || amount < 1) errors.push({ field: 'amount', text: request.t('payments.refund.errors.amount'), href: '#amount' });
    if (!String(body.reason ?? '').trim()) errors.push({ field: 'reason', text: request.t('payments.refund.errors.reason'), href: '#reason' });
    if (errors.length) return officerPage(request, reply, payment, { errors, form: body });
    try {
      await refundPayment(p, { paymentId: payment.id, amount: amount!, expectedAvailable: Number(body.available), reason: String(body.reason), actor: { type: 'officer', id: request.principal!.id, agencyId: request.principal!.agencyId }, requestId: request.id });
    } catch (e) {
      if (!isAppError(e)) throw e;
      const fresh = (await findPayment(ctx.db, payment.id))!;
      if (e.code === 'precondition_failed') return officerPage(request, reply, fresh, { errors: [{ field: 'stale', text: request.t('payments.refund.errors.availableChanged'), href: '#amount' }], form: body });
      if (e.code === 'validation_failed') return officerPage(request, reply, fresh, { errors: (e.details.fields ?? []).map((f) => ({ field: f.field, text: request.t(f.message, f.params), href: `#${f.field}` })), form: body });
      throw e;
    }
    return reply.redirect(`/casework/payments/${payment.id}?refunded=1`, 303);
  });

  // ---- agency administrators: payments, statements, reconciliation, ledger ---------

  const today = () => new Date(ctx.clock().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const dateParam = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : today());

  app.get('/agency/payments', { config: { access: { can: 'payment.reconcile' } } }, async (request, reply) => {
    const agencyId = request.principal!.agencyId!;
    const date = dateParam((request.query as Record<string, string>).date);
    const rows = (await ctx.db.selectFrom('payments').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').limit(50).execute()).map(toPayment);
    const report = await reconcile(p, agencyId, date);
    const imported = (request.query as Record<string, string>);
    return agencyPage(request, reply, { payments: rows, report, date, imported: imported.imported !== undefined ? { imported: imported.imported, paid: imported.paid, already: imported.already, unmatched: imported.unmatched } : null });
  });

  async function agencyPage(request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>, status?: number) {
    const agencyId = request.principal!.agencyId!;
    const endpoints = await ctx.db.selectFrom('payment_webhook_endpoints').select(['id', 'url', 'created_at']).where('agency_id', '=', agencyId).where('active', '=', 1).orderBy('created_at').execute();
    return reply.page(V('agency'), {
      title: request.t('payments.agency.title'), errors: [], imported: null, endpoints, deliveries: await listPaymentDeliveries(ctx.db, agencyId), ...data,
    }, status);
  }

  app.post('/agency/payments/webhooks', { config: { access: { can: 'payment.reconcile' } } }, async (request, reply) => {
    const agencyId = request.principal!.agencyId!;
    const url = String(((request.body ?? {}) as Record<string, string>).url ?? '').trim();
    const date = today();
    const rows = (await ctx.db.selectFrom('payments').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').limit(50).execute()).map(toPayment);
    const base = { payments: rows, report: await reconcile(p, agencyId, date), date };
    try {
      const created = await createPaymentEndpoint(ctx, { agencyId, url, by: request.principal!.id });
      return agencyPage(request, reply, { ...base, newSecret: created.secret });
    } catch (e) {
      if (!isAppError(e) || e.code !== 'validation_failed') throw e;
      return agencyPage(request, reply, { ...base, errors: [{ text: request.t('payments.webhooks.errors.url'), href: '#webhook-url' }], webhookUrl: url }, 422);
    }
  });

  app.post('/agency/payments/webhooks/deliveries/:deliveryId/replay', { config: { access: { can: 'payment.reconcile' } } }, async (request, reply) => {
    const ok = await replayDelivery(ctx, request.principal!.agencyId!, (request.params as { deliveryId: string }).deliveryId, request.principal!.id);
    if (!ok) throw notFound();
    return reply.redirect('/agency/payments#webhooks', 303);
  });

  app.post('/agency/payments/statements', { config: { access: { can: 'payment.reconcile' } } }, async (request, reply) => {
    const agencyId = request.principal!.agencyId!;
    const csv = String(((request.body ?? {}) as Record<string, string>).statement ?? '');
    const parsed = parseStatement(csv);
    if (parsed.errors.length || !parsed.lines.length) {
      const date = today();
      const rows = (await ctx.db.selectFrom('payments').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').limit(50).execute()).map(toPayment);
      const errs = (parsed.errors.length ? parsed.errors : [{ line: 1, message: 'payments.statement.errors.empty' }]).map((e) => ({ text: request.t(e.message, { line: e.line }), href: '#statement' }));
      return agencyPage(request, reply, { payments: rows, report: await reconcile(p, agencyId, date), date, errors: errs, statement: csv }, 422);
    }
    const r = await importStatement(p, agencyId, parsed.lines, request.principal!.id);
    await appendAudit(ctx.db, { stream: `agency:${agencyId}:payments`, action: 'payments.statement_imported', actorType: 'officer', actorId: request.principal!.id, agencyId, subjectType: 'agency', subjectId: agencyId, requestId: request.id, data: { ...r } });
    return reply.redirect(`/agency/payments?imported=${r.imported}&paid=${r.paid}&already=${r.alreadyImported}&unmatched=${r.unmatched}#statement-result`, 303);
  });

  app.get('/agency/payments/ledger.csv', { config: { access: { can: 'payment.reconcile' } } }, async (request, reply) => {
    const q = request.query as Record<string, string>;
    const from = dateParam(q.from);
    const to = dateParam(q.to ?? from);
    const csv = await ledgerCsv(ctx.db, request.principal!.agencyId!, singaporeDay(from).from, singaporeDay(to).to);
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="ledger-${request.principal!.agencyId}-${from}-${to}.csv"`).send(csv);
  });
}

