/**
 * The exchange end to end, in-process on the real platform: AVS asks ICA for
 * people's name and email; ICA's data owner approves the name only; the key
 * the approval provisioned is shown once; AVS's system reads a person's name
 * with a purpose reference (the person's "Who used my data" hook is called in
 * the same transaction), is refused the email and a call without a reference
 * (both logged); the measurement shows the request's working days; after
 * revocation the key is refused. Then: questions and answers, reminders and
 * escalation by working days, expiry, a de-identified fused extract, who may
 * see a request, and the message log's hash chains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createPlatform } from '../../main.ts';
import { createLogger } from '../../platform/log/index.ts';
import { signInAs } from '../../../test/helpers/casework.ts';
import { decode, type FormBrowser } from '../../../test/helpers/browser.ts';
import { auditTrail, verifyAudit } from '../../platform/audit/index.ts';
import { DEMO_PERSONAS } from '../identity/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import {
  answerRequest, auditPersonDataRead, dataSharingMeasurements, decideRequest, expireAccess, findRequest, listEvents, messageLogStream,
  remindDataOwners, requestExtract, revealCredential, revokeAccess, submitRequest, type PersonDataRead,
} from './index.ts';

let p: TestPlatform;
let offsetMs = 0;
const seen: PersonDataRead[] = [];
const TAN = DEMO_PERSONAS.find((x) => x.id === 'tan-ah-kow')!;

beforeAll(async () => {
  p = await createTestPlatform({}, { clock: () => new Date(Date.now() + offsetMs) });
  // the hook is called in the transaction of the call; keep the default (audit) and record what it was given
  p.exchange.setPersonDataReadHook(async (trx, e) => { seen.push(e); await auditPersonDataRead(trx, e); });
});
afterAll(async () => { await p?.close(); });

const idOf = (url: string) => /\/exchange\/requests\/([0-9a-f-]{36})/.exec(url)![1]!;
const api = (key: string, url: string, headers: Record<string, string> = {}) => p.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers } });
const inFuture = (days: number) => new Date(Date.now() + days * 86400_000).toISOString().slice(0, 10).split('-');

async function apiKeyOf(p0: Principal, requestId: string): Promise<string> {
  const c = await revealCredential(p.exchange, p0, requestId);
  if (c.kind !== 'api_key') throw new Error('not an API key');
  return c.key;
}

async function principal(persona: string): Promise<Principal> {
  const a: any = await p.ctx.db.selectFrom('accounts').selectAll().where('demo_persona', '=', persona).executeTakeFirstOrThrow();
  return { id: a.id, kind: a.kind, displayName: persona, email: null, roles: JSON.parse(a.roles), agencyId: a.agency_id, actingFor: null, sessionId: 'x', authMethods: ['pwd', 'otp'] };
}

async function ask(b: FormBrowser, items: string[], project = 'Pet owners outreach') {
  await b.get('/exchange/requests/new?source=people.accounts');
  return b.post('/exchange/requests', {
    sourceId: 'people.accounts', items, project, purpose: 'Write to dog owners about the licence renewal', legalBasis: 'Animals and Birds Act',
    retention: '12 months after the campaign', users: 'AVS licensing system; two licensing officers',
  });
}

describe('a sharing request from AVS to ICA', () => {
  let requestId = '';
  let key = '';

  it('lists every agency\'s products in the catalogue, for officers of any agency', async () => {
    const priya = await signInAs(p, 'priya-nair');
    const page = await priya.get('/exchange');
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-product="people.accounts"');
    expect(page.html).toContain('data-product="case-statistics.msf"');
    const product = await priya.get('/exchange/products/people.accounts');
    expect(product.html).toContain('<code>email</code>');
    expect(product.html).toContain('/exchange/requests/new?source=people.accounts');
    const citizen = await signInAs(p, 'tan-ah-kow');
    expect((await citizen.get('/exchange')).status).toBe(403);
  });

  it('keeps what was typed when something is missing', async () => {
    const priya = await signInAs(p, 'priya-nair');
    await priya.get('/exchange/requests/new?source=people.accounts');
    const page = await priya.post('/exchange/requests', { sourceId: 'people.accounts', items: ['people.accounts:name'], project: 'Half done', purpose: '', legalBasis: '', retention: '', users: '' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('govuk-error-summary');
    expect(page.html).toContain('value="Half done"');
    expect(page.html).toContain('href="#purpose"');
  });

  it('is sent by an AVS officer, approved by ICA\'s data owner with a subset, and provisions a key shown once', async () => {
    const priya = await signInAs(p, 'priya-nair');
    const sent = await ask(priya, ['people.accounts:name', 'people.accounts:email']);
    expect(sent.status).toBe(200);
    expect(sent.url).toMatch(/\?done=submitted$/);
    requestId = idOf(sent.url);
    expect(sent.html).toContain('data-state="submitted"');
    // the data owners are told
    const mails = await p.ctx.db.selectFrom('outbound_emails').select(['kind', 'account_id']).where('kind', '=', 'exchange.submitted').execute();
    const kelvin = await principal('kelvin-tay');
    expect(mails.map((m: any) => m.account_id)).toEqual([kelvin.id]);

    const owner = await signInAs(p, 'kelvin-tay');
    const inbox = await owner.get('/exchange/inbox');
    expect(inbox.html).toContain(`/exchange/requests/${requestId}`);
    await owner.get(`/exchange/requests/${requestId}`);
    const [d, m, y] = inFuture(90).reverse();
    const approved = await owner.post(`/exchange/requests/${requestId}/decision`, { decision: 'approve', items: ['people.accounts:name'], conditions: 'Only for this campaign', 'expiresOn-day': d!, 'expiresOn-month': m!, 'expiresOn-year': y!, version: '1' });
    expect(approved.status).toBe(200);
    expect(approved.html).toContain('data-state="approved"');
    expect(approved.html).toContain('data-approval-days');
    const r = (await findRequest(p.ctx.db, requestId))!;
    expect(r.approvedItems).toEqual(['people.accounts:name']);
    expect(r.approvalWorkingDays).toBe(0);
    expect(r.apiKeyId).toBeTruthy();
    // the key belongs to AVS, holds only the exchange scope, and ends with the approval
    const row: any = await p.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', r.apiKeyId!).executeTakeFirstOrThrow();
    expect([row.agency_id, JSON.parse(row.scopes), row.expires_at]).toEqual(['avs', ['exchange:read'], r.accessExpiresAt]);
    expect(r.accessExpiresAt).toBe(`${y}-${m}-${d}T15:59:59.000Z`); // end of the day in Singapore

    // the owner cannot see the key; one of AVS's officers sees it once
    expect((await owner.post(`/exchange/requests/${requestId}/credential`)).status).toBe(404);
    await priya.get(`/exchange/requests/${requestId}`);
    const shown = await priya.post(`/exchange/requests/${requestId}/credential`);
    key = decode(/data-api-key>([^<]+)</.exec(shown.html)![1]!);
    expect(key).toMatch(/^civ_/);
    await priya.get(`/exchange/requests/${requestId}`);
    const again = await priya.post(`/exchange/requests/${requestId}/credential`);
    expect(again.status).toBe(410);
    expect(again.html).not.toContain(key);
  });

  it('answers the approved item of a person, with the purpose reference, and tells the person\'s log', async () => {
    const approval = await api(key, '/api/v1/exchange/approval');
    expect(approval.json()).toMatchObject({ provider: 'ica', consumer: 'avs', sources: [{ id: 'people.accounts', items: ['name'], path: '/api/v1/exchange/sources/people.accounts/person' }] });
    const res = await api(key, '/api/v1/exchange/sources/people.accounts/person', { 'civitas-subject': TAN.nric!, 'civitas-purpose-reference': 'AVS-CASE-0042' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ found: true, items: ['name'], data: { name: 'Tan Ah Kow' } });
    expect(res.json().data).not.toHaveProperty('email');
    const tan = await principal('tan-ah-kow');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      personAccountId: tan.id, nricHash: p.ctx.keys.blindIndex('nric', TAN.nric!), byAgencyId: 'avs', byKeyId: (await findRequest(p.ctx.db, requestId))!.apiKeyId,
      items: ['people.accounts:name'], purpose: 'Write to dog owners about the licence renewal', reference: 'AVS-CASE-0042', providerAgencyId: 'ica',
    });
    const personLog = await auditTrail(p.ctx.db, `person-data:${tan.id}`);
    expect(personLog.map((e) => [e.action, e.data.reference])).toEqual([['exchange.person_data_read', 'AVS-CASE-0042']]);
    const r = (await findRequest(p.ctx.db, requestId))!;
    expect(r.firstCallAt).toBeTruthy();
    expect(r.firstCallWorkingDays).toBe(0);
  });

  it('refuses, with the reason, and logs calls outside the approval', async () => {
    const headers = { 'civitas-subject': TAN.nric!, 'civitas-purpose-reference': 'AVS-CASE-0042' };
    const email = await api(key, '/api/v1/exchange/sources/people.accounts/person?items=name,email', headers);
    expect(email.statusCode).toBe(403);
    expect(email.json()).toMatchObject({ code: 'forbidden', details: { items: ['email'], approved: ['name'] } });
    const other = await api(key, '/api/v1/exchange/sources/case-statistics.msf/records', headers);
    expect(other.statusCode).toBe(403);
    const noPurpose = await api(key, '/api/v1/exchange/sources/people.accounts/person', { 'civitas-subject': TAN.nric! });
    expect(noPurpose.statusCode).toBe(400);
    expect(noPurpose.json().message).toContain('Civitas-Purpose-Reference');
    expect(seen).toHaveLength(1);
    const log = await auditTrail(p.ctx.db, messageLogStream(requestId));
    expect(log.map((e) => e.action)).toEqual(['exchange.call', 'exchange.call_refused', 'exchange.call_refused', 'exchange.call_refused']);
    expect(log[1]!.data).toMatchObject({ consumer: 'avs', provider: 'ica', items: ['name', 'email'], purposeReference: 'AVS-CASE-0042', refused: 'exchange.errors.itemsNotApproved' });
    // a key of AVS's that no approval provisioned reaches nothing
    const { createApiKey } = await import('../identity/index.ts');
    const stray = (await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'stray', scopes: ['exchange:read'] })).key;
    expect((await api(stray, '/api/v1/exchange/sources/people.accounts/person', headers)).statusCode).toBe(403);
  });

  it('shows the timings and history on the request page, and counts in the measurement', async () => {
    const priya = await signInAs(p, 'priya-nair');
    const page = await priya.get(`/exchange/requests/${requestId}`);
    for (const e of ['submitted', 'approved', 'access_provisioned', 'credential_revealed']) expect(page.html).toContain(`data-event="${e}"`);
    expect(page.html).toContain('data-first-call-days');
    expect(page.html).toContain('data-calls');
    const m = await dataSharingMeasurements(p.ctx.db, { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
    expect(m).toMatchObject({ requests: 1, medianWorkingDays: 0, shareWithin7: 1, medianToFirstCallWorkingDays: 0 });
    expect((await dataSharingMeasurements(p.ctx.db, { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', agencyId: 'msf' })).requests).toBe(0);
  });

  it('is hidden from officers of agencies not party to it', async () => {
    const msf = await signInAs(p, 'wong-li-hua');
    expect((await msf.get(`/exchange/requests/${requestId}`)).status).toBe(404);
    const sfa = await signInAs(p, 'chen-jia-hui');
    expect((await sfa.get(`/exchange/requests/${requestId}`)).status).toBe(404);
  });

  it('ends at once on revocation: the next call is refused', async () => {
    const owner = await signInAs(p, 'kelvin-tay');
    await owner.get(`/exchange/requests/${requestId}`);
    const revoked = await owner.post(`/exchange/requests/${requestId}/revoke`, { reason: 'The campaign was cancelled' });
    expect(revoked.html).toContain('data-state="revoked"');
    const res = await api(key, '/api/v1/exchange/sources/people.accounts/person', { 'civitas-subject': TAN.nric!, 'civitas-purpose-reference': 'AVS-CASE-0043' });
    expect(res.statusCode).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it('keeps every chain intact (the message log is checked by audit verify)', async () => {
    const { problems } = await verifyAudit(p.ctx.db);
    expect(problems).toEqual([]);
  });
});

describe('questions, deadlines and expiry', () => {
  it('shows the data owner\'s mistakes on the request page, keeping the choice of items', async () => {
    const { id } = await submitRequest(p.exchange, await principal('priya-nair'), { items: ['people.accounts:name', 'people.accounts:email'], project: 'Typo', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const owner = await signInAs(p, 'kelvin-tay');
    await owner.get(`/exchange/requests/${id}`);
    const page = await owner.post(`/exchange/requests/${id}/decision`, { decision: 'approve', items: ['people.accounts:name'], conditions: 'Keep me', 'expiresOn-day': '31', 'expiresOn-month': '2', 'expiresOn-year': '2027' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('href="#expiresOn-day"');
    expect(page.html).toContain('Keep me');
    expect(page.html).toMatch(/value="people.accounts:name" checked/);
    expect(page.html).not.toMatch(/value="people.accounts:email" checked/);
    expect((await findRequest(p.ctx.db, id))!.state).toBe('submitted');
    await decideRequest(p.exchange, await principal('kelvin-tay'), { requestId: id, decision: 'reject', reasons: 'Not needed after all' });
  });

  it('asks and answers, reminds after 5 working days and escalates after 7, once', async () => {
    const priya = await principal('priya-nair');
    const kelvin = await principal('kelvin-tay');
    const base = { items: ['people.accounts:name'], project: 'Slow one', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' };
    const { id } = await submitRequest(p.exchange, priya, base);
    await decideRequest(p.exchange, kelvin, { requestId: id, decision: 'ask', question: 'Why the names?' });
    await expect(decideRequest(p.exchange, kelvin, { requestId: id, decision: 'reject', reasons: '' })).rejects.toMatchObject({ code: 'validation_failed' });
    await answerRequest(p.exchange, priya, { requestId: id, action: 'answer', message: 'To address the letters' });
    expect((await findRequest(p.ctx.db, id))!.state).toBe('submitted');
    // the same request by the requester's own agency's data: refused; an item of two agencies: refused
    await expect(submitRequest(p.exchange, kelvin, base)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(submitRequest(p.exchange, priya, { ...base, items: ['people.accounts:name', 'case-statistics.msf:cases'] })).rejects.toMatchObject({ code: 'validation_failed' });

    const cal = await p.calendar.get();
    const submitted = (await findRequest(p.ctx.db, id))!.submittedAt;
    const at = (workingDays: number) => { const day = cal.addWorkingDays(cal.localDate(new Date(submitted)), workingDays); offsetMs = Date.parse(`${day}T04:00:00Z`) - Date.now(); };
    try {
      at(4);
      expect(await remindDataOwners(p.exchange)).toEqual({ reminded: 0, escalated: 0 });
      at(5);
      expect(await remindDataOwners(p.exchange)).toEqual({ reminded: 1, escalated: 0 });
      expect(await remindDataOwners(p.exchange)).toEqual({ reminded: 0, escalated: 0 });
      at(8);
      expect(await remindDataOwners(p.exchange)).toEqual({ reminded: 0, escalated: 1 });
      expect(await remindDataOwners(p.exchange)).toEqual({ reminded: 0, escalated: 0 });
      const kinds = (await p.ctx.db.selectFrom('outbound_emails').select('kind').where('kind', 'like', 'exchange.%').execute()).map((r: any) => r.kind);
      expect(kinds.filter((k) => k === 'exchange.reminder')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'exchange.escalated')).toHaveLength(1);
      // still open after 8 working days: counts as not within 7
      const m = await dataSharingMeasurements(p.ctx.db, { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', now: new Date(Date.now() + offsetMs) });
      expect(m).toMatchObject({ requests: 2, medianWorkingDays: 0, shareWithin7: 0.5 });
      // approved late: 8 working days
      const [y, mo, d] = cal.addWorkingDays(cal.localDate(new Date(Date.now() + offsetMs)), 30).split('-');
      await decideRequest(p.exchange, kelvin, { requestId: id, decision: 'approve', items: ['people.accounts:name'], expiresOn: `${y}-${mo}-${d}`, deidentify: false });
      expect((await findRequest(p.ctx.db, id))!.approvalWorkingDays).toBe(8);
      const types = (await listEvents(p.ctx.db, id)).map((e) => e.type);
      expect(types).toEqual(['submitted', 'questions', 'answered', 'reminder_sent', 'escalated', 'approved', 'access_provisioned']);
      // past the end date the key stops working even before the job runs; the job then marks it expired
      const key = await apiKeyOf(priya, id);
      offsetMs = Date.parse((await findRequest(p.ctx.db, id))!.accessExpiresAt!) + 1000 - Date.now();
      const res = await api(key, '/api/v1/exchange/approval');
      expect(res.statusCode).toBe(401);
      expect(await expireAccess(p.exchange)).toBe(1);
      expect((await findRequest(p.ctx.db, id))!.state).toBe('expired');
      expect(await expireAccess(p.exchange)).toBe(0);
    } finally {
      offsetMs = 0;
    }
  });
});

describe('bulk and fused extracts', () => {
  async function extractFor(deidentify: boolean, format: 'csv' | 'jsonl') {
    const priya = await principal('priya-nair');
    const kelvin = await principal('kelvin-tay');
    const { id } = await submitRequest(p.exchange, priya, { items: ['people.accounts:name', 'people.accounts:email'], project: 'Census of accounts', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const [y, m, d] = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10).split('-');
    await decideRequest(p.exchange, kelvin, { requestId: id, decision: 'approve', items: ['people.accounts:name', 'people.accounts:email'], expiresOn: `${y}-${m}-${d}`, deidentify });
    const before = seen.length;
    const extractId = await requestExtract(p.exchange, priya, { requestId: id, format, everyDays: null });
    await p.worker.tick();
    const row: any = await p.ctx.db.selectFrom('exchange_extracts').selectAll().where('id', '=', extractId).executeTakeFirstOrThrow();
    expect([row.state, Number(row.progress)]).toEqual(['done', 100]);
    return { extractId, text: Buffer.from(row.content).toString('utf8'), hooks: seen.slice(before) };
  }
  const people = DEMO_PERSONAS.filter((x) => x.kind === 'citizen').length;

  it('gives every approved item of everyone, keyed by hash, and tells each person\'s log', async () => {
    const { text, hooks } = await extractFor(false, 'jsonl');
    const rows = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(people);
    const tanHash = p.ctx.keys.blindIndex('nric', TAN.nric!);
    expect(rows.find((r) => r.subject === tanHash)).toEqual({ record: 'person', subject: tanHash, 'people.accounts.name': 'Tan Ah Kow', 'people.accounts.email': TAN.email });
    expect(hooks).toHaveLength(people);
    expect(hooks.find((h) => h.nricHash === tanHash)).toMatchObject({ byAgencyId: 'avs', items: ['people.accounts:email', 'people.accounts:name'] });
  });

  it('de-identifies when the approval says so: project pseudonyms, identifying items left out', async () => {
    const { extractId, text, hooks } = await extractFor(true, 'csv');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('record,source,subject');
    expect(lines).toHaveLength(1 + people);
    expect(text).not.toContain('Tan Ah Kow');
    expect(text).not.toContain(p.ctx.keys.blindIndex('nric', TAN.nric!));
    expect(lines[1]).toMatch(/^person,,p_[\w-]{24}$/);
    expect(hooks).toHaveLength(0);
    // the requesting agency downloads it; the providing agency does not
    const avs = await signInAs(p, 'priya-nair');
    const dl = await avs.get(`/exchange/extracts/${extractId}`);
    expect(dl.status).toBe(200);
    expect(String(dl.headers['content-type'])).toContain('text/csv');
    const ica = await signInAs(p, 'kelvin-tay');
    expect((await ica.get(`/exchange/extracts/${extractId}`)).status).toBe(404);
  });

  it('fuses two person products on the keyed hash: one row per person, a product registered by another module', async () => {
    // another module's product (the registry's, at merge): dog licences, held for one person only
    const tanHash = p.ctx.keys.blindIndex('nric', TAN.nric!);
    p.exchange.registerSource({
      kind: 'person', id: 'test.dogs', owningAgencyId: 'ica', title: 'Dogs', description: 'Licensed dogs', legalBasis: 'Test',
      items: [{ name: 'dogs', classification: 'official', type: 'integer', description: 'Number of licensed dogs' }],
      async read(_trx, subject) { return subject.nricHash === tanHash ? { personAccountId: null, nricHash: tanHash, values: { dogs: 2 } } : null; },
      async list(_trx, _items, _ctx, page) { return page.after ? [] : [{ personAccountId: null, nricHash: tanHash, values: { dogs: 2 } }]; },
    });
    const priya = await principal('priya-nair');
    const kelvin = await principal('kelvin-tay');
    const items = ['people.accounts:name', 'test.dogs:dogs'];
    const { id } = await submitRequest(p.exchange, priya, { items, project: 'Dog owners', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const [y, m, d] = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10).split('-');
    await decideRequest(p.exchange, kelvin, { requestId: id, decision: 'approve', items, expiresOn: `${y}-${m}-${d}`, deidentify: false });
    const before = seen.length;
    const extractId = await requestExtract(p.exchange, priya, { requestId: id, format: 'csv', everyDays: 7 });
    await p.worker.tick();
    const row: any = await p.ctx.db.selectFrom('exchange_extracts').selectAll().where('id', '=', extractId).executeTakeFirstOrThrow();
    const lines = Buffer.from(row.content).toString('utf8').trim().split('\r\n');
    expect(lines[0]).toBe('record,source,subject,people.accounts.name,test.dogs.dogs');
    expect(lines).toContain(`person,,${tanHash},Tan Ah Kow,2`);
    expect(lines).toHaveLength(1 + people);
    // Tan's entry names both products' items
    expect(seen.slice(before).find((e) => e.nricHash === tanHash)!.items).toEqual(['people.accounts:name', 'test.dogs:dogs']);
    // the weekly schedule: nothing new within the week, a new extract after it
    const { runScheduledExtracts } = await import('./index.ts');
    expect(await runScheduledExtracts(p.exchange)).toBe(0);
    offsetMs = 8 * 86400_000;
    try {
      expect(await runScheduledExtracts(p.exchange)).toBe(1);
    } finally {
      offsetMs = 0;
    }
  });

  it('reads a dataset through the API: case statistics by the approved dimensions', async () => {
    const priya = await principal('priya-nair');
    const admin = await principal('ahmad-faizal');
    const { id } = await submitRequest(p.exchange, priya, { items: ['case-statistics.msf:service', 'case-statistics.msf:month', 'case-statistics.msf:cases', 'case-statistics.msf:status'], project: 'Workload', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const [y, m, d] = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10).split('-');
    await decideRequest(p.exchange, admin, { requestId: id, decision: 'approve', items: ['case-statistics.msf:service', 'case-statistics.msf:cases'], expiresOn: `${y}-${m}-${d}`, deidentify: false });
    const key = await apiKeyOf(priya, id);
    const res = await api(key, '/api/v1/exchange/sources/case-statistics.msf/records', { 'civitas-purpose-reference': 'PLAN-2027' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ items: ['cases', 'service'], rows: [] });
    expect((await api(key, '/api/v1/exchange/sources/case-statistics.msf/records?items=month', { 'civitas-purpose-reference': 'PLAN-2027' })).statusCode).toBe(403);
    expect((await api(key, '/api/v1/exchange/sources/case-statistics.msf/person', { 'civitas-purpose-reference': 'PLAN-2027', 'civitas-subject': TAN.nric! })).statusCode).toBe(404);
  });

  it('provisions OAuth client credentials instead of a key when the data owner chooses them, ended by revocation', async () => {
    const priya = await principal('priya-nair');
    const admin = await principal('ahmad-faizal');
    const { id } = await submitRequest(p.exchange, priya, { items: ['case-statistics.msf:cases'], project: 'Totals', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const [y, m, d] = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10).split('-');
    await decideRequest(p.exchange, admin, { requestId: id, decision: 'approve', items: ['case-statistics.msf:cases'], expiresOn: `${y}-${m}-${d}`, deidentify: false, credential: 'oauth_client' });
    const c = await revealCredential(p.exchange, priya, id);
    if (c.kind !== 'oauth_client') throw new Error('expected an OAuth client');
    expect(c.clientId).toMatch(/^avs-/);
    // the client credentials grant at Civitas's own provider, as an agency system sends it
    const token = await p.app.inject({
      method: 'POST', url: '/oidc/token', headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'exchange:read' }).toString(),
    });
    expect(token.statusCode, token.body).toBe(200);
    const tokens = token.json() as { access_token: string };
    const res = await api(tokens.access_token, '/api/v1/exchange/sources/case-statistics.msf/records', { 'civitas-purpose-reference': 'TOTALS-1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ items: ['cases'], rows: [{ cases: 0 }] });
    await revokeAccess(p.exchange, admin, { requestId: id, reason: 'done' });
    expect((await api(tokens.access_token, '/api/v1/exchange/sources/case-statistics.msf/records', { 'civitas-purpose-reference': 'TOTALS-2' })).statusCode).toBe(401);
  });

  it('ends access across Civitas processes at once: revoked in one, refused by another on the same database', async () => {
    const priya = await principal('priya-nair');
    const admin = await principal('ahmad-faizal');
    const { id } = await submitRequest(p.exchange, priya, { items: ['case-statistics.msf:cases'], project: 'Two processes', purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const [y, m, d] = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10).split('-');
    await decideRequest(p.exchange, admin, { requestId: id, decision: 'approve', items: ['case-statistics.msf:cases'], expiresOn: `${y}-${m}-${d}`, deidentify: false });
    const key = await apiKeyOf(priya, id);
    const other = await createPlatform(p.config, { log: createLogger('silent') });
    try {
      const call = () => other.app.inject({ method: 'GET', url: '/api/v1/exchange/sources/case-statistics.msf/records', headers: { authorization: `Bearer ${key}`, 'civitas-purpose-reference': 'X-1' } });
      expect((await call()).statusCode).toBe(200);
      await revokeAccess(p.exchange, admin, { requestId: id, reason: 'ended' });
      expect((await call()).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });
});
