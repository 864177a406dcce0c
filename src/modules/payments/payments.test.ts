/**
 * Payments end to end on the real platform: the fee step of the journey (card
 * success, decline then retry, challenge, PayNow by webhook and by statement),
 * refunds with refund_amount_available, the API with Idempotency-Key, expiry,
 * a crash between the provider's answer and our commit, and the ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { decode, type FormBrowser } from '../../../test/helpers/browser.ts';
import { signInAs } from '../../../test/helpers/casework.ts';
import { createApiKey } from '../identity/index.ts';
import { findApplication, startApplication } from '../applications/index.ts';
import { crcValid, feeDue, ledgerCsv, paymentFacts, parseTlv, paynowPayload, reconcile, signNotification, sweep, TEST_CARDS, PAYMENTS_SUCCEEDED_QUEUE, PAYMENT_TRANSITIONS } from './index.ts';
import { ledgerEntries, findPayment } from './repository.ts';
import { payByCard } from './take-payment.ts';

let p: TestPlatform;
let now = new Date('2026-11-27T02:00:00Z');

beforeAll(async () => { p = await createTestPlatform({}, { clock: () => now }); });
afterAll(async () => { await p?.close(); });

const pdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(500, 32)]);

/** A dog licence draft (S$90, or S$15 when sterilised) filled in to the check page. */
async function dogLicenceDraft(b: FormBrowser, sterilised = 'no'): Promise<string> {
  await b.get('/services/dog-licence/apply');
  const appUrl = (await b.post('/services/dog-licence/applications')).url.replace(/\/pages\/owner$/, '');
  await b.post(`${appUrl}/pages/owner`, { ownerName: 'Rajesh Kumar', ownerNric: 'T0123456G', 'ownerAddress-postalCode': '310123', 'ownerAddress-block': '123', 'ownerAddress-street': 'Toa Payoh Lorong 1', ownerMobile: '81234567' });
  await b.post(`${appUrl}/pages/dog`, { dogName: 'Bobo', dogBreed: 'Singapore Special', 'dogBirthDate-day': '1', 'dogBirthDate-month': '2', 'dogBirthDate-year': '2023', dogSex: 'male' });
  const page = await b.postMultipart(`${appUrl}/pages/health`, { sterilised, microchipNumber: '900123456789012' }, { vaccinationCertificate: { name: 'v.pdf', type: 'application/pdf', content: pdf() } });
  expect(page.url).toBe(`${appUrl}/check`);
  return appUrl;
}

const card = (number: string) => ({ cardNumber: number, expiryMonth: '12', expiryYear: '2030', cardholderName: 'Rajesh Kumar', cvc: '123' });

describe('the fee step of the journey', () => {
  it('sends the application only when the card payment succeeds, in the same transaction, and queues payments.succeeded', async () => {
    const b = await signInAs(p, 'rajesh-kumar');
    const appUrl = await dogLicenceDraft(b);
    const id = appUrl.split('/').pop()!;
    let page = await b.post(`${appUrl}/submit`, { declaration: 'yes' });
    expect(page.url).toBe(`${appUrl}/pay`);
    expect(decode(page.html)).toContain('S$90.00');
    page = await b.post(`${appUrl}/pay`, {});
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Select how you want to pay');
    page = await b.post(`${appUrl}/pay`, { method: 'card' });
    expect(page.url).toMatch(/^\/pay\/[0-9a-f-]{36}$/);
    expect(decode(page.html)).toContain('Enter your card details');
    expect((await findApplication(p.ctx.db, p.ctx.keys, id))!.status).toBe('draft');
    // a card number that fails the Luhn check is refused by the form, nothing lost
    page = await b.post(`${page.url}/card`, { ...card('4242424242424241') });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Enter a valid card number');
    expect(page.html).toContain('value="Rajesh Kumar"');
    page = await b.post(`${page.url.replace(/\/card$/, '')}/card`, card(TEST_CARDS.success));
    expect(page.url).toBe(`${appUrl}/confirmation`);
    const app = (await findApplication(p.ctx.db, p.ctx.keys, id))!;
    expect(app.status).toBe('submitted');
    const facts = await paymentFacts(p.ctx.db, id);
    expect(facts).toEqual({ feeCents: 9000, paidOnline: true, method: 'card' });
    const job: any = await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', PAYMENTS_SUCCEEDED_QUEUE).executeTakeFirstOrThrow();
    const payload = JSON.parse(job.payload);
    expect(payload).toMatchObject({ applicationId: id, amountCents: 9000, currency: 'SGD' });
    expect(typeof payload.paymentId).toBe('string');
    const ledger = await ledgerEntries(p.ctx.db, { paymentId: payload.paymentId });
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([['charge', 9000]]);
  });

  it('keeps the draft with a clear retry after a decline, and a challenge step that fails', async () => {
    const b = await signInAs(p, 'rajesh-kumar');
    const appUrl = await dogLicenceDraft(b, 'yes');
    const id = appUrl.split('/').pop()!;
    await b.post(`${appUrl}/submit`, { declaration: 'yes' });
    let page = await b.post(`${appUrl}/pay`, { method: 'card' });
    const payUrl = page.url;
    page = await b.post(`${payUrl}/card`, card(TEST_CARDS.declined));
    expect(decode(page.html)).toContain('Your payment was declined');
    page = await b.get(`${appUrl}/payment-return`);
    expect(page.url).toBe(`${appUrl}/pay`);
    expect(decode(page.html)).toContain('Your card was declined. No money has been taken.');
    expect((await findApplication(p.ctx.db, p.ctx.keys, id))!.status).toBe('draft');
    // again, with the challenge card: a wrong code declines
    page = await b.post(`${appUrl}/pay`, { method: 'card' });
    expect(page.url).toMatch(/^\/pay\//);
    page = await b.post(`${page.url}/card`, card(TEST_CARDS.challenge));
    expect(decode(page.html)).toContain('Confirm this payment with your bank');
    const challengeUrl = page.url;
    page = await b.post(`${challengeUrl}/challenge`, { code: '000000' });
    expect(decode(page.html)).toContain('declined');
    // and again: the right code pays S$15 (sterilised)
    await b.get(`${appUrl}/pay`);
    page = await b.post(`${appUrl}/pay`, { method: 'card' });
    page = await b.post(`${page.url}/card`, card(TEST_CARDS.challenge));
    page = await b.post(`${page.url}/challenge`, { code: '123456' });
    expect(page.url).toBe(`${appUrl}/confirmation`);
    expect(await paymentFacts(p.ctx.db, id)).toEqual({ feeCents: 1500, paidOnline: true, method: 'card' });
  });

  it('pays by PayNow: the QR payload decodes with a correct CRC, the signed bank webhook confirms it once', async () => {
    const b = await signInAs(p, 'rajesh-kumar');
    const appUrl = await dogLicenceDraft(b);
    const id = appUrl.split('/').pop()!;
    await b.post(`${appUrl}/submit`, { declaration: 'yes' });
    const page = await b.post(`${appUrl}/pay`, { method: 'paynow' });
    expect(decode(page.html)).toContain('Pay with PayNow');
    expect(page.html).toContain('src="data:image/png;base64,');
    const paymentId = page.url.split('/').pop()!;
    const payment = (await findPayment(p.ctx.db, paymentId))!;
    expect(crcValid(payment.paynowPayload!)).toBe(true);
    const fields = parseTlv(payment.paynowPayload!);
    const merchant = fields.find((f) => f.id === '26')!.children!;
    expect(merchant.map((f) => [f.id, f.value])).toEqual([['00', 'SG.PAYNOW'], ['01', '2'], ['02', 'T08GA0017L'], ['03', '0'], ['04', '20261127']]);
    expect(fields.find((f) => f.id === '54')!.value).toBe('90.00');
    expect(fields.find((f) => f.id === '62')!.children![0]!.value).toBe(payment.billReference);

    const body = JSON.stringify({ id: 'ntf-1', bill_reference: payment.billReference, amount: 9000, currency: 'SGD', bank_reference: 'DBS-0001' });
    const send = (sig: string) => p.app.inject({ method: 'POST', url: '/api/v1/payments/providers/paynow/notifications', headers: { 'content-type': 'application/json', 'x-paynow-signature': sig }, payload: body });
    expect((await send('t=1,v1=00')).statusCode).toBe(401);
    expect((await send(signNotification('demo-paynow-secret', body, new Date(now.getTime() - 3600_000)))).statusCode).toBe(401); // too old
    expect((await send(signNotification('wrong-secret', body, now))).statusCode).toBe(401);
    let res = await send(signNotification('demo-paynow-secret', body, now));
    expect(res.statusCode).toBe(200);
    expect(res.json().outcome).toBe('paid');
    res = await send(signNotification('demo-paynow-secret', body, now));
    expect(res.json().outcome).toBe('duplicate');
    expect((await findApplication(p.ctx.db, p.ctx.keys, id))!.status).toBe('submitted');
    expect(await ledgerEntries(p.ctx.db, { paymentId })).toHaveLength(1);
  });

  it('confirms a PayNow payment from an imported bank statement, and the reconciliation is clean', async () => {
    const b = await signInAs(p, 'rajesh-kumar');
    const appUrl = await dogLicenceDraft(b);
    const id = appUrl.split('/').pop()!;
    await b.post(`${appUrl}/submit`, { declaration: 'yes' });
    const page = await b.post(`${appUrl}/pay`, { method: 'paynow' });
    const payment = (await findPayment(p.ctx.db, page.url.split('/').pop()!))!;
    const admin = await signInAs(p, 'suresh-pillai');
    let agency = await admin.get('/agency/payments');
    expect(agency.status).toBe(200);
    const byWebhook = (await p.ctx.db.selectFrom('payments').select('bill_reference').where('provider_id', '=', 'DBS-0001').executeTakeFirstOrThrow()).bill_reference;
    const csv = `value_date,amount,currency,bank_reference,bill_reference\n2026-11-27,90.00,SGD,DBS-0002,${payment.billReference}\n2026-11-27,90.00,SGD,DBS-0001,${byWebhook}\n`;
    agency = await admin.post('/agency/payments/statements', { statement: csv });
    expect(decode(agency.html)).toContain('1 payments confirmed');
    expect((await findApplication(p.ctx.db, p.ctx.keys, id))!.status).toBe('submitted');
    // the payment the webhook confirmed (DBS-0001) is on the statement too: everything matches
    const report = await reconcile(p.payments, 'avs', '2026-11-27');
    expect(report.mismatches).toEqual([]);
    expect(report.matched).toBeGreaterThanOrEqual(4);
    agency = await admin.get('/agency/payments?date=2026-11-27');
    expect(agency.html).toContain('id="reconciliation-clean"');
  });
});

describe('concessions', () => {
  it('waives the fee for a recipient of financial assistance proven from the records, with a waiver in the ledger', async () => {
    const tan = await signInAs(p, 'tan-ah-kow');
    const account = (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'tan-ah-kow').executeTakeFirstOrThrow()).id as string;
    const appUrl = await dogLicenceDraft(tan);
    const id = appUrl.split('/').pop()!;
    let page = await tan.post(`${appUrl}/submit`, { declaration: 'yes' });
    expect(decode(page.html)).toContain('S$90.00'); // not proven yet: the full fee
    // an approved ComCare application is the proof (the records registry)
    const comcare = await startApplication(p.ctx, p.catalogue, { serviceId: 'comcare-assistance', applicant: { id: account, kind: 'citizen', displayName: 'Tan Ah Kow', email: null, roles: ['citizen'], agencyId: null, actingFor: null, sessionId: 'x' }, lang: 'en' });
    await p.ctx.db.updateTable('applications').set({ status: 'approved' }).where('id', '=', comcare.id).execute();
    page = await tan.get(`${appUrl}/pay`);
    expect(decode(page.html)).toContain('There is no fee to pay');
    expect(decode(page.html)).toContain('Fee waived: you receive ComCare financial assistance');
    page = await tan.post(`${appUrl}/pay`, {});
    expect(page.url).toBe(`${appUrl}/confirmation`);
    expect(await paymentFacts(p.ctx.db, id)).toEqual({ feeCents: 0, paidOnline: false, method: 'waived' });
    const waiver = (await ledgerEntries(p.ctx.db, { agencyId: 'avs' })).filter((e) => e.applicationId === id);
    expect(waiver.map((e) => [e.kind, e.amount])).toEqual([['waiver', 9000]]);
  });
});

describe('refunds', () => {
  it('an approver refunds part of a payment with a reason; a stale refund_amount_available is refused', async () => {
    const paid = (await p.ctx.db.selectFrom('payments').selectAll().where('state', '=', 'success').where('method', '=', 'card').where('amount', '=', 9000).executeTakeFirstOrThrow()) as any;
    const officer = await signInAs(p, 'priya-nair');
    let page = await officer.get(`/casework/payments/${paid.id}`);
    expect(page.status).toBe(200);
    page = await officer.post(`/casework/payments/${paid.id}/refunds`, { amount: '30.00', reason: '', available: '9000' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Enter the reason for the refund');
    page = await officer.post(`/casework/payments/${paid.id}/refunds`, { amount: '30.00', reason: 'Licence issued for a shorter period', available: '9000' });
    expect(decode(page.html)).toContain('The refund was made.');
    // the same form sent again (stale available): 412 -> nothing refunded twice
    page = await officer.post(`/casework/payments/${paid.id}/refunds`, { amount: '30.00', reason: 'Licence issued for a shorter period', available: '9000' });
    expect(page.status).toBe(409);
    const ledger = await ledgerEntries(p.ctx.db, { paymentId: paid.id });
    expect(ledger.map((e) => e.amount).sort((a, b) => b - a)).toEqual([9000, -3000]);
    // other agencies' officers do not see it
    const msf = await signInAs(p, 'goh-siew-ling');
    expect((await msf.get(`/casework/payments/${paid.id}`)).status).toBe(404);
    const csv = await ledgerCsv(p.ctx.db, 'avs', '2026-11-26T16:00:00.000Z', '2026-11-27T16:00:00.000Z');
    expect(csv).toContain(',refund,-30.00,SGD,');
  });
});

describe('the payment API', () => {
  let key = '';
  const api = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    p.app.inject({ method: method as any, url, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, payload: body ? JSON.stringify(body) : undefined });

  beforeAll(async () => { key = (await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'avs billing', scopes: ['payments:read', 'payments:write'] })).key; });

  it('creates a payment with an Idempotency-Key (same body: the original; other body: 409), next_url once, refunds with 412', async () => {
    const body = { amount: 4500, reference: 'AVS-INV-1', description: 'Dog licence renewal', return_url: 'https://avs.example.gov.sg/done' };
    const first = await api('POST', '/api/v1/payments', body, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(201);
    const created = first.json();
    expect(created.state).toEqual({ status: 'created', finished: false });
    const again = await api('POST', '/api/v1/payments', body, { 'idempotency-key': 'k-1' });
    expect(again.json().payment_id).toBe(created.payment_id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await api('POST', '/api/v1/payments', { ...body, amount: 4600 }, { 'idempotency-key': 'k-1' })).statusCode).toBe(409);
    expect(await p.ctx.db.selectFrom('payments').select('id').where('reference', '=', 'AVS-INV-1').execute()).toHaveLength(1);

    const next = new URL(created._links.next_url.href);
    const payer = new (await import('../../../test/helpers/browser.ts')).FormBrowser(p.app);
    let page = await payer.get(next.pathname);
    expect(decode(page.html)).toContain('Enter your card details');
    expect((await payer.get(next.pathname)).status).toBe(410); // usable once
    expect((await api('GET', `/api/v1/payments/${created.payment_id}`)).json()._links.next_url).toBeUndefined();
    page = await payer.request('POST', `${page.url}/card`, { ...card(TEST_CARDS.success), _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1]! }, {}, false);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('https://avs.example.gov.sg/done'); // no outcome in the URL
    const read = (await api('GET', `/api/v1/payments/${created.payment_id}`)).json();
    expect(read.state).toEqual({ status: 'success', finished: true });
    expect(read.refund_summary).toEqual({ status: 'available', amount_available: 4500, amount_submitted: 0 });
    expect((await api('POST', `/api/v1/payments/${created.payment_id}/refunds`, { amount: 1000, refund_amount_available: 4000 })).statusCode).toBe(412);
    const refund = await api('POST', `/api/v1/payments/${created.payment_id}/refunds`, { amount: 1000, refund_amount_available: 4500 });
    expect(refund.statusCode).toBe(202);
    expect(refund.json().status).toBe('success');
    const events = (await api('GET', `/api/v1/payments/${created.payment_id}/events`)).json().events.map((e: any) => e.state.status);
    expect(events).toEqual(['created', 'started', 'submitted', 'success']);
    expect((await api('POST', `/api/v1/payments/${created.payment_id}/cancel`)).statusCode).toBe(409);
  });

  it('exposes the PayNow QR payload; a payment not completed in 90 minutes expires', async () => {
    const res = await api('POST', '/api/v1/payments', { amount: 1050, reference: 'AVS-INV-2', description: 'Fine', return_url: 'https://avs.example.gov.sg/done', method: 'paynow' });
    const created = res.json();
    expect(crcValid(created.paynow.qr_payload)).toBe(true);
    expect(created.paynow.qr_payload).toContain('540510.50');
    now = new Date(now.getTime() + 91 * 60_000);
    await sweep(p.payments);
    expect((await api('GET', `/api/v1/payments/${created.payment_id}`)).json().state.status).toBe('expired');
  });

  it('never charges twice, never loses a paid payment when the process stops between the provider and our commit', async () => {
    const res = await api('POST', '/api/v1/payments', { amount: 2000, reference: 'AVS-INV-3', description: 'x', return_url: 'https://avs.example.gov.sg/done' });
    const id = res.json().payment_id;
    const payer = new (await import('../../../test/helpers/browser.ts')).FormBrowser(p.app);
    await payer.get(new URL(res.json()._links.next_url.href).pathname);
    // a provider that answers, then the process dies before our commit
    const real = p.payments.card;
    const crashing = { ...real, name: real.name, charge: async (i: any) => { await real.charge(i); throw new Error('process stopped'); } } as any;
    const payment = (await findPayment(p.ctx.db, id))!;
    await expect(payByCard({ ...p.payments, card: crashing }, payment, { number: TEST_CARDS.success, expiryMonth: 12, expiryYear: 2030, cvc: '123', name: 'x' })).rejects.toThrow('process stopped');
    expect((await findPayment(p.ctx.db, id))!.state).toBe('submitted');
    // a retry (double click) does not charge again
    await payByCard(p.payments, (await findPayment(p.ctx.db, id))!, { number: TEST_CARDS.success, expiryMonth: 12, expiryYear: 2030, cvc: '123', name: 'x' });
    now = new Date(now.getTime() + 6 * 60_000);
    const swept = await sweep(p.payments);
    expect(swept.recovered).toBe(1);
    expect((await findPayment(p.ctx.db, id))!.state).toBe('success');
    const charges = await p.ctx.db.selectFrom('payment_sandbox_charges').selectAll().where('idempotency_key', '=', `charge:${id}`).execute();
    expect(charges).toHaveLength(1);
    expect(await ledgerEntries(p.ctx.db, { paymentId: id })).toHaveLength(1);
  });
});

describe('fees and states as data', () => {
  it('computes fixed, by answer, concessions proven from the registry, and GST', () => {
    const dog = p.catalogue.get('dog-licence')!.definition;
    expect(feeDue(dog, { sterilised: 'no' }).totalCents).toBe(9000);
    expect(feeDue(dog, { sterilised: 'yes' }).totalCents).toBe(1500);
    const waived = feeDue(dog, { sterilised: 'no' }, new Set(['financial-assistance']));
    expect(waived).toMatchObject({ totalCents: 0, standardCents: 9000, concession: { id: 'financial-assistance', savedCents: 9000 } });
    const shop = p.catalogue.get('food-shop-licence')!.definition;
    expect(feeDue(shop, {})).toMatchObject({ totalCents: 14500, gstCents: 1197, gstRate: 900 });
    expect(feeDue({ fee: { type: 'fixed', amount: 10000, currency: 'SGD', gst: { rate: 900, inclusive: false } } }, {})).toMatchObject({ totalCents: 10900, gstCents: 900 });
  });

  it('matches the field notes\' known-good SGQR vector', () => {
    const v = '00020101021226490009SG.PAYNOW010120210T08GB0001A03010040820251231520400005303702540510.505802SG5914EXAMPLE AGENCY6009Singapore62120108INV-000163047268';
    expect(paynowPayload({ uen: 'T08GB0001A', amountCents: 1050, expiry: '20251231', billReference: 'INV-0001', merchantName: 'EXAMPLE AGENCY' })).toBe(v);
    expect(crcValid(v)).toBe(true);
    expect(crcValid(v.replace('10.50', '10.51'))).toBe(false);
  });

  it('holds the transitions as data: nothing leaves a finished state', () => {
    for (const t of PAYMENT_TRANSITIONS) expect(['success', 'failed', 'cancelled', 'expired', 'error']).not.toContain(t.from);
  });
});
