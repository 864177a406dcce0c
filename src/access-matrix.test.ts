/**
 * Every route of the application against every kind of caller, as data: the
 * answer each gets (allowed, sent to sign in / 401, 403, or 404 where the
 * existence of someone else's record must not leak). A route added without an
 * entry here fails this test, and so does an entry for a route that is gone.
 *
 * "ok" means the request got past the access decision (the handler answered:
 * a page, a redirect other than to sign-in, or its own 4xx such as a form
 * error or an expired sign-in page). Path parameters are real records: another
 * person's application, another agency's officer, key and client.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../test/helpers/platform.ts';
import { hmac, platformSecret, randomToken, sha256 } from './platform/crypto/index.ts';
import { inTransaction, nowIso } from './platform/db/index.ts';
import { createApiKey, createOAuthClient, DEMO_BUSINESSES, requestPasswordReset, SESSION_COOKIE } from './modules/identity/index.ts';
import { createSubmittedApplication, startApplication } from './modules/applications/index.ts';
import { ensureCase } from './modules/casework/index.ts';
import { babyBonusAnswers } from '../test/helpers/casework.ts';
import { submitRequest } from './modules/exchange/index.ts';

const WHO = ['anonymous', 'citizen', 'rep_admin', 'rep_applicant', 'case_officer', 'approver', 'agency_admin', 'auditor', 'kpi_viewer', 'api_scoped', 'api_unscoped'] as const;
type Who = (typeof WHO)[number];
type Outcome = 'ok' | 'signin' | 403 | 404;
type Row = Record<Who, Outcome>;

const all = (o: Outcome): Row => Object.fromEntries(WHO.map((w) => [w, o])) as Row;
const PUBLIC = all('ok');
/** any signed-in person; API clients have no session on pages */
const SIGNED_IN: Row = { ...all('ok'), anonymous: 'signin', api_scoped: 'signin', api_unscoped: 'signin' };
const OFFICERS = ['case_officer', 'approver', 'agency_admin', 'auditor', 'kpi_viewer'] as const;
const PEOPLE = ['citizen', 'rep_admin', 'rep_applicant'] as const;
/** signed in, then per-caller answers given in `o` (everyone else signed in: 403) */
const only = (o: Partial<Row>): Row => ({ ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 403])), ...o });
/** the citizen's own application; everyone else signed in gets 404 (existence not revealed) */
const OWN_APPLICATION: Row = { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])), citizen: 'ok' };
/** applying for a personal service: the citizen; a representative acting for a business and officers may not */
const APPLY_PERSONAL = only({ citizen: 'ok' });
const OFFICER_PAGE = only(Object.fromEntries(OFFICERS.map((w) => [w, 'ok'])));
const AGENCY_ADMIN = only({ agency_admin: 'ok' });
/** another agency's record: its administrator's page says "not found", others may not even ask */
const OTHER_AGENCYS = only({ agency_admin: 404 });
/** casework pages: case officers, approvers and the agency administrator (auditors read the audit, not the queue) */
const CASEWORKERS = only({ case_officer: 'ok', approver: 'ok', agency_admin: 'ok' });
const API = (scoped: Outcome, unscoped: Outcome): Row => ({ ...all('signin'), api_scoped: scoped, api_unscoped: unscoped });

const MATRIX: Record<string, Row> = {
  'GET /language/:lang': PUBLIC,
  'GET /healthz': PUBLIC,
  'GET /metrics': PUBLIC,
  'GET /api/openapi.json': PUBLIC,
  'GET /pages/:page': PUBLIC,
  'GET /': PUBLIC,
  'GET /services': PUBLIC,
  'GET /life-events/:id': PUBLIC,
  'GET /agencies/:id': PUBLIC,
  'GET /services/:serviceId': PUBLIC,
  'GET /api/v1/services': PUBLIC,
  // Civitas's OpenID provider and its sign-in pages (an unknown sign-in: the "timed out" page)
  'GET /rp/jwks.json': PUBLIC,
  'GET /oidc/*': PUBLIC,
  'POST /oidc/*': PUBLIC,
  'PUT /oidc/*': all(404),
  'DELETE /oidc/*': all(404),
  'OPTIONS /oidc/*': PUBLIC,
  'GET /.well-known/openid-configuration': PUBLIC,
  'OPTIONS /.well-known/openid-configuration': PUBLIC,
  'GET /interaction/:uid': PUBLIC,
  'POST /interaction/:uid/password': PUBLIC,
  'POST /interaction/:uid/passkey': PUBLIC,
  'GET /interaction/:uid/second-factor': PUBLIC,
  'POST /interaction/:uid/totp': PUBLIC,
  'GET /interaction/:uid/recovery': PUBLIC,
  'POST /interaction/:uid/recovery': PUBLIC,
  'GET /interaction/:uid/enrol': PUBLIC,
  'POST /interaction/:uid/enrol/totp': PUBLIC,
  'POST /interaction/:uid/enrol/passkey': PUBLIC,
  'POST /interaction/:uid/continue': PUBLIC,
  'POST /interaction/:uid/consent': PUBLIC,
  'GET /interaction/:uid/external/:provider': PUBLIC,
  'GET /interaction/:uid/external-result': PUBLIC,
  'POST /interaction/:uid/demo': PUBLIC,
  'GET /auth/:provider/callback': PUBLIC,
  'GET /sign-in': PUBLIC,
  'GET /sign-in/callback': PUBLIC,
  'GET /sign-up': PUBLIC,
  'POST /sign-up': PUBLIC,
  'GET /verify-email': PUBLIC,
  'POST /verify-email': PUBLIC,
  'GET /forgot-password': PUBLIC,
  'POST /forgot-password': PUBLIC,
  'GET /reset-password': PUBLIC,
  'POST /reset-password': PUBLIC,
  'GET /sign-out': PUBLIC,
  'POST /demo/sign-in': PUBLIC,
  'GET /demo/mail': PUBLIC,
  'GET /demo/mail/:id': PUBLIC,
  // the account
  'GET /account': SIGNED_IN,
  'GET /account/security': SIGNED_IN,
  'POST /account/security/continue': SIGNED_IN,
  'GET /account/security/totp': SIGNED_IN,
  'POST /account/security/totp': SIGNED_IN,
  'POST /account/security/totp/remove': SIGNED_IN,
  'POST /account/security/passkeys': SIGNED_IN,
  // someone else's passkey
  'POST /account/security/passkeys/:id/remove': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  'POST /account/security/recovery-codes': SIGNED_IN,
  // people link Singpass/Corppass; officers have no such link
  'GET /account/security/link/:provider': { ...SIGNED_IN, ...Object.fromEntries(OFFICERS.map((w) => [w, 404])) },
  'GET /acting-for': SIGNED_IN,
  'POST /acting-for': SIGNED_IN,
  // businesses: the administrator of the business acted for
  'GET /business/representatives': only({ rep_admin: 'ok' }),
  'POST /business/representatives': only({ rep_admin: 'ok' }),
  'POST /business/representatives/:key': only({ rep_admin: 404 }),
  // applications: personal service (baby bonus), the citizen's own draft
  'GET /my-applications': SIGNED_IN,
  'GET /services/:serviceId/apply': APPLY_PERSONAL,
  'POST /services/:serviceId/applications': APPLY_PERSONAL,
  'GET /applications/:id': OWN_APPLICATION,
  'GET /applications/:id/pages/:pageId': OWN_APPLICATION,
  'POST /applications/:id/pages/:pageId': OWN_APPLICATION,
  'GET /applications/:id/pages/:pageId/items/:index': OWN_APPLICATION,
  'POST /applications/:id/pages/:pageId/items/:index': OWN_APPLICATION,
  'POST /applications/:id/pages/:pageId/items/:index/remove': OWN_APPLICATION,
  'GET /applications/:id/check': OWN_APPLICATION,
  'POST /applications/:id/submit': OWN_APPLICATION,
  'GET /applications/:id/confirmation': OWN_APPLICATION,
  'GET /applications/:id/files/:fileId': OWN_APPLICATION,
  // consent to prefill from verified data, consents and "who used my data" (registry, consent, data-use)
  'GET /applications/:id/consent': OWN_APPLICATION,
  'POST /applications/:id/consent': OWN_APPLICATION,
  // Myinfo's return: an unknown state is "not found" for everyone signed in
  'GET /myinfo/callback': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  'GET /account/consents': SIGNED_IN,
  // someone else's consent
  'POST /account/consents/:id/withdraw': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  'GET /account/data-use': SIGNED_IN,
  // registry: the agency system with registry scopes (a read without a purpose, an empty update: its own 4xx)
  'GET /api/v1/registry/people/:uinfin': API('ok', 403),
  'PUT /api/v1/registry/people/:uinfin': API('ok', 403),
  'POST /api/v1/registry/people/import': API('ok', 403),
  'GET /api/v1/registry/businesses/:uen': API('ok', 403),
  'PUT /api/v1/registry/businesses/:uen': API('ok', 403),
  // officers and agency administrators
  'GET /officer': OFFICER_PAGE,
  'GET /agency/officers': AGENCY_ADMIN,
  'POST /agency/officers': AGENCY_ADMIN,
  'POST /agency/officers/:id': OTHER_AGENCYS,
  'GET /agency/api': AGENCY_ADMIN,
  'POST /agency/api/keys': AGENCY_ADMIN,
  'POST /agency/api/clients': AGENCY_ADMIN,
  'POST /agency/api/keys/:id/revoke': OTHER_AGENCYS,
  'POST /agency/api/clients/:id/revoke': OTHER_AGENCYS,
  // signatures: the platform's certificates, CRLs and timestamp authority are public
  'GET /pki/root.pem': PUBLIC,
  'GET /pki/root.cer': PUBLIC,
  'GET /pki/chain.pem': PUBLIC,
  'GET /pki/ca/:file': PUBLIC,
  'GET /pki/crl/:file': PUBLIC,
  'POST /pki/tsa': PUBLIC,
  'GET /pki/agencies/:agencyId': PUBLIC,
  'GET /pki/agencies/:agencyId/jwks.json': PUBLIC,
  // signing an application that needs a signature (the citizen's renovation permit draft)
  'GET /applications/:id/sign': OWN_APPLICATION,
  'POST /applications/:id/sign': OWN_APPLICATION,
  // nothing signed yet: a 404 for everyone, the owner included
  'GET /applications/:id/signed.pdf': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  // someone's issued document: only its holder (none of these callers)
  'GET /documents/:id/pdf': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  'GET /documents/:id/credential': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  // verification needs no sign-in (an unknown code is a 404 page, for everyone alike)
  'GET /verify': PUBLIC,
  'GET /verify/:code': all(404),
  'POST /verify': PUBLIC,
  'GET /api/v1/verify/:code': PUBLIC,
  'GET /agency/documents': AGENCY_ADMIN,
  'GET /agency/documents/:id': OTHER_AGENCYS,
  'POST /agency/documents/:id/revoke': OTHER_AGENCYS,
  // agency systems
  'GET /api/v1/applications/:id/documents': API('ok', 403),
  'GET /api/v1/documents/:id/pdf': API(404, 403),
  'GET /api/v1/whoami': API('ok', 'ok'),
  'GET /api/v1/agency/applications': API('ok', 403),
  // casework: the agency's officers who work cases (the case is the MSF citizen's submitted application)
  'GET /casework': CASEWORKERS,
  'POST /casework/bulk': CASEWORKERS,
  'GET /casework/cases/:id': CASEWORKERS,
  'POST /casework/cases/:id/actions': CASEWORKERS,
  'POST /casework/cases/:id/assignment': CASEWORKERS,
  'POST /casework/cases/:id/notes': CASEWORKERS,
  // a file that is not on the case
  'GET /casework/cases/:id/files/:fileId': only({ case_officer: 404, approver: 404, agency_admin: 404 }),
  'GET /casework/record': only({ case_officer: 'ok', approver: 'ok' }),
  'POST /casework/record': only({ case_officer: 'ok', approver: 'ok' }),
  'GET /casework/settings': AGENCY_ADMIN,
  'POST /casework/settings/assignment': AGENCY_ADMIN,
  'POST /casework/settings/webhooks': AGENCY_ADMIN,
  'POST /casework/settings/webhooks/:endpointId/disable': OTHER_AGENCYS,
  // the applicant answers a request for information on their own case
  'GET /applications/:id/respond': OWN_APPLICATION,
  'POST /applications/:id/respond': OWN_APPLICATION,
  'POST /api/v1/services/:serviceId/applications': API('ok', 403),
  'GET /api/v1/applications/:id': API('ok', 403),
  'POST /api/v1/applications/:id/actions': API('ok', 403),
  // payments: the fee step of one's own application; the payer's pages (the payer holds the next_url's cookie: without it, not found)
  'GET /applications/:id/pay': OWN_APPLICATION,
  'POST /applications/:id/pay': OWN_APPLICATION,
  'GET /applications/:id/payment-return': OWN_APPLICATION,
  'GET /pay/start/:token': all(404),
  'GET /pay/:paymentId': all(404),
  'POST /pay/:paymentId/card': all(404),
  'POST /pay/:paymentId/challenge': all(404),
  'POST /pay/:paymentId/cancel': all(404),
  'POST /pay/:paymentId/demo-credit': all(404),
  // officers of the payment's agency (the fixture is an AVS payment: MSF's officers get "not found"); refunds: approvers and admins
  'GET /casework/payments/:paymentId': only({ case_officer: 404, approver: 404, agency_admin: 404, auditor: 404 }),
  'POST /casework/payments/:paymentId/refunds': only({ approver: 404, agency_admin: 404 }),
  'GET /agency/payments': AGENCY_ADMIN,
  'POST /agency/payments/statements': AGENCY_ADMIN,
  'GET /agency/payments/ledger.csv': AGENCY_ADMIN,
  'POST /agency/payments/webhooks': AGENCY_ADMIN,
  'POST /agency/payments/webhooks/deliveries/:deliveryId/replay': only({ agency_admin: 404 }),
  'POST /api/v1/payments': API('ok', 403),
  'GET /api/v1/payments/:id': API(404, 403),
  'POST /api/v1/payments/:id/cancel': API(404, 403),
  'POST /api/v1/payments/:id/refunds': API('ok', 403), // the body is checked first (400): the key's agency is decided in the handler (404)
  'GET /api/v1/payments/:id/events': API(404, 403),
  // the bank's notifications: anyone may send one; without a valid signature it is refused (401)
  'POST /api/v1/payments/providers/paynow/notifications': all('signin'),
  // the scorecard: public pages and open data; leadership (KPI viewers and agency administrators); registers for agency administrators
  'GET /performance': PUBLIC,
  'GET /performance/kpis.json': PUBLIC,
  'GET /performance/kpis.csv': PUBLIC,
  'GET /performance/trends.csv': PUBLIC,
  'GET /kpi': only({ kpi_viewer: 'ok', agency_admin: 'ok' }),
  'GET /kpi/registers': AGENCY_ADMIN,
  'GET /kpi/comments': only({ kpi_viewer: 'ok', agency_admin: 'ok' }),
  'POST /kpi/registers/returns': AGENCY_ADMIN,
  'POST /kpi/registers/costs': AGENCY_ADMIN,
  'POST /kpi/registers/import': AGENCY_ADMIN,
  'GET /api/v1/kpis': API(403, 'ok'),
  // the satisfaction survey on one's own sent application (the citizen's paper application)
  'GET /applications/:id/feedback': OWN_APPLICATION,
  'POST /applications/:id/feedback': OWN_APPLICATION,
  // data exchange: the catalogue for every agency's officers; the request is AVS's, for MSF's case statistics
  'GET /exchange': OFFICER_PAGE,
  'GET /exchange/products/:sourceId': OFFICER_PAGE,
  'GET /exchange/requests/new': only({ case_officer: 'ok', approver: 'ok', agency_admin: 'ok' }),
  'POST /exchange/requests': only({ case_officer: 'ok', approver: 'ok', agency_admin: 'ok' }),
  'GET /exchange/requests': only({ case_officer: 'ok', approver: 'ok', agency_admin: 'ok', auditor: 'ok' }),
  'GET /exchange/inbox': AGENCY_ADMIN,
  // MSF's administrator is the data owner here; MSF's other officers are not party to AVS's request
  'GET /exchange/requests/:id': only({ case_officer: 404, approver: 404, agency_admin: 'ok', auditor: 404, kpi_viewer: 404 }),
  'POST /exchange/requests/:id/decision': only({ agency_admin: 'ok' }),
  'POST /exchange/requests/:id/revoke': only({ case_officer: 404, approver: 404, agency_admin: 'ok', auditor: 404, kpi_viewer: 404 }),
  // what only the requesting agency (AVS) does
  'POST /exchange/requests/:id/answer': only({ case_officer: 404, approver: 404, agency_admin: 404 }),
  'POST /exchange/requests/:id/credential': only({ case_officer: 404, approver: 404, agency_admin: 404 }),
  'POST /exchange/requests/:id/extracts': only({ case_officer: 404, approver: 404, agency_admin: 404 }),
  'GET /exchange/extracts/:id': only({ case_officer: 404, approver: 404, agency_admin: 404 }),
  // only a key an approval provisioned reaches data (these keys were not)
  'GET /api/v1/exchange/approval': API(403, 403),
  'GET /api/v1/exchange/sources/:sourceId/person': API(403, 403),
  'GET /api/v1/exchange/sources/:sourceId/records': API(403, 403),
  // Stripe's webhooks: only when Stripe is the card provider (the sandbox is: not found)
  'POST /api/v1/payments/providers/stripe/webhooks': all(404),
  // notifications: the person's own inbox and preferences (someone else's message is not found)
  'GET /account/inbox': SIGNED_IN,
  'GET /account/inbox/:id': { ...SIGNED_IN, ...Object.fromEntries([...PEOPLE, ...OFFICERS].map((w) => [w, 404])) },
  'GET /account/notifications': SIGNED_IN,
  'POST /account/notifications': SIGNED_IN,
  'GET /agency/notifications': AGENCY_ADMIN,
  'GET /agency/notifications/:serviceId/:event': AGENCY_ADMIN,
  'POST /agency/notifications/:serviceId/:event': AGENCY_ADMIN,
  'POST /api/v1/notifications/email': API('ok', 403),
  'POST /api/v1/notifications/sms': API('ok', 403),
  // a notification of another agency (or none): not found
  'GET /api/v1/notifications/:id': API(404, 403),
};

let p: TestPlatform;
const fixtures: Record<string, string> = {};
const sessions: Partial<Record<Who, { account: string; amr: string[]; actingFor?: string }>> = {};
const apiKeys: Partial<Record<Who, string>> = {};
let csrfKey: Buffer;

beforeAll(async () => {
  p = await createTestPlatform({
    // a provider that cannot be reached: linking fails cleanly (503), which is past the access decision
    CIVITAS_OIDC_PROVIDERS: JSON.stringify([{ id: 'singpass', kind: 'singpass', issuer: 'http://127.0.0.1:9/singpass', clientId: 'x' }]),
  });
  const { db } = p.ctx;
  const persona = async (id: string) => (await db.selectFrom('accounts').select('id').where('demo_persona', '=', id).executeTakeFirstOrThrow()).id as string;
  const bakery = DEMO_BUSINESSES[0]!;
  sessions.citizen = { account: await persona('tan-ah-kow'), amr: ['pwd'] };
  sessions.rep_admin = { account: await persona('lim-mei-ling'), amr: ['pwd'], actingFor: bakery.uen };
  sessions.rep_applicant = { account: await persona('nurul-huda'), amr: ['pwd'], actingFor: bakery.uen };
  sessions.case_officer = { account: await persona('wong-li-hua'), amr: ['pwd', 'otp'] };
  sessions.approver = { account: await persona('goh-siew-ling'), amr: ['pwd', 'otp'] };
  sessions.agency_admin = { account: await persona('ahmad-faizal'), amr: ['pwd', 'otp'] };
  sessions.auditor = { account: await persona('daniel-ong'), amr: ['pwd', 'otp'] };
  sessions.kpi_viewer = { account: await persona('farah-aziz'), amr: ['pwd', 'otp'] };
  apiKeys.api_scoped = (await createApiKey(db, { agencyId: 'msf', name: 'with scope', scopes: ['applications:read', 'applications:write', 'casework:act', 'documents:read', 'payments:read', 'payments:write', 'registry:read', 'registry:write', 'notifications:send'] })).key;
  apiKeys.api_unscoped = (await createApiKey(db, { agencyId: 'msf', name: 'without', scopes: ['kpi:read'] })).key;

  // the citizen's draft (with an uploaded file), other agencies' records, an email
  const tan = { id: sessions.citizen.account, kind: 'citizen' as const, displayName: 'Tan Ah Kow', email: null, roles: ['citizen' as const], agencyId: null, actingFor: null, sessionId: 'x', authMethods: ['pwd'] };
  fixtures.application = (await startApplication(p.ctx, p.catalogue, { serviceId: 'baby-bonus', applicant: tan, lang: 'en' })).id;
  fixtures.signable = (await startApplication(p.ctx, p.catalogue, { serviceId: 'renovation-permit', applicant: tan, lang: 'en' })).id;
  // a submitted application with its case (received on paper at MSF)
  const babyBonus = p.catalogue.get('baby-bonus')!;
  fixtures.case = (await inTransaction(db, (trx) => createSubmittedApplication(p.ctx, trx, {
    service: babyBonus, channel: 'paper', applicantId: tan.id, actingForUen: null, contactEmail: null, lang: 'en', answers: babyBonusAnswers(), uploads: {},
    by: { type: 'officer', id: sessions.case_officer!.account, agencyId: 'msf' },
  }))).id;
  await ensureCase(p.casework, fixtures.case);
  fixtures.file = randomUUID();
  await db.insertInto('application_files').values({ id: fixtures.file, application_id: fixtures.application, question_id: 'x', name_enc: p.ctx.keys.encrypt('a.pdf', `file:${fixtures.file}`), type: 'application/pdf', size: 4, sha256: sha256('%PDF'), content: Buffer.from('%PDF'), uploaded_by: tan.id, created_at: nowIso() }).execute();
  fixtures.avsOfficer = await persona('priya-nair');
  fixtures.avsKey = (await createApiKey(db, { agencyId: 'avs', name: 'avs', scopes: ['applications:read'] })).id;
  fixtures.avsClient = (await createOAuthClient(db, { agencyId: 'avs', name: 'avs', scopes: ['applications:read'], createdBy: null })).clientId;
  await requestPasswordReset(p.ctx, { email: 'tan.ahkow@demo.civitas.sg', lang: 'en' });
  fixtures.email = (await db.selectFrom('notifications').select('id').executeTakeFirstOrThrow()).id as string;
  csrfKey = await platformSecret(db, 'csrf');
  fixtures.unknownId = randomUUID();
  // an AVS payment (through the API of AVS's system)
  const avsPay = (await createApiKey(db, { agencyId: 'avs', name: 'avs pay', scopes: ['payments:write'] })).key;
  fixtures.avsPayment = (await p.app.inject({ method: 'POST', url: '/api/v1/payments', headers: { authorization: `Bearer ${avsPay}`, 'content-type': 'application/json' }, payload: JSON.stringify({ amount: 100, reference: 'x', description: 'x', return_url: 'https://avs.example.gov.sg/' }) })).json().payment_id;
  const priya = { id: fixtures.avsOfficer, kind: 'officer' as const, displayName: 'Priya Nair', email: null, roles: ['case_officer' as const, 'approver' as const], agencyId: 'avs', actingFor: null, sessionId: 'x', authMethods: ['pwd', 'otp'] };
  fixtures.exchangeRequest = (await submitRequest(p.exchange, priya, { items: ['case-statistics.msf:cases'], project: 'Workload', purpose: 'Plan staffing', legalBasis: 'PSGA s 23', retention: '1 year', users: 'Planning team' })).id;
  await p.signatures.pki.crl('issuing-1').catch(() => undefined);
});
afterAll(async () => { await p?.close(); });

/** A concrete URL (and form body) for a route pattern and method. */
function sample(method: string, url: string): { url: string; body?: Record<string, string> } {
  if (url === '/oidc/*') return { url: method === 'GET' || method === 'PUT' || method === 'DELETE' ? '/oidc/jwks' : '/oidc/token' };
  const params: Record<string, string> = {
    lang: 'ms', page: 'accessibility', agencyId: 'msf', id: fixtures.application!, serviceId: 'baby-bonus', uid: 'an-expired-sign-in', provider: 'singpass', key: randomToken(32),
    pageId: 'children', index: '0', fileId: fixtures.file!, uinfin: 'S8912345C', uen: DEMO_BUSINESSES[0]!.uen, event: 'approved',
  };
  let u = url.replace(/:(\w+)/g, (_m, name: string) => params[name]!);
  if (url === '/life-events/:id') u = '/life-events/having-a-baby';
  if (url === '/agencies/:id') u = '/agencies/msf';
  if (url === '/demo/mail/:id') u = `/demo/mail/${fixtures.email}`;
  if (url === '/applications/:id/sign' || url === '/applications/:id/signed.pdf') u = url.replace(':id', fixtures.signable!);
  if (url.startsWith('/casework/cases/:id') || url.startsWith('/api/v1/applications/:id') || url === '/applications/:id/respond' || url === '/applications/:id/feedback') u = u.replace(fixtures.application!, fixtures.case!);
  if (url === '/casework/settings/webhooks/:endpointId/disable') u = `/casework/settings/webhooks/${fixtures.unknownId}/disable`;
  if (url.startsWith('/exchange/requests/:id')) u = url.replace(':id', fixtures.exchangeRequest!);
  if (url === '/exchange/extracts/:id') u = url.replace(':id', fixtures.unknownId!);
  if (url === '/exchange/products/:sourceId') u = '/exchange/products/case-statistics.avs';
  if (url === '/exchange/requests/new') u = '/exchange/requests/new?source=case-statistics.avs';
  if (url.startsWith('/api/v1/exchange/sources/:sourceId')) u = url.replace(':sourceId', 'case-statistics.avs');
  if (url === '/pki/ca/:file') u = '/pki/ca/root.pem';
  if (url.includes(':paymentId')) u = url.replace(':paymentId', fixtures.avsPayment!);
  if (url === '/pay/start/:token') u = `/pay/start/${randomToken(24)}`;
  if (url.includes(':deliveryId')) u = url.replace(':deliveryId', 'msg_unknown');
  if (url.startsWith('/api/v1/payments/:id')) u = url.replace(':id', fixtures.avsPayment!);
  if (url === '/pki/crl/:file') u = '/pki/crl/issuing-1.crl';
  if (url === '/verify/:code' || url === '/api/v1/verify/:code') u = url.replace(':code', 'ABCDE-FGHJK');
  if (['/documents/:id/pdf', '/documents/:id/credential', '/agency/documents/:id', '/agency/documents/:id/revoke', '/api/v1/documents/:id/pdf'].includes(url)) u = url.replace(':id', fixtures.unknownId!);
  if (url === '/account/consents/:id/withdraw') u = `/account/consents/${fixtures.unknownId}/withdraw`;
  if (url === '/account/security/passkeys/:id/remove') u = `/account/security/passkeys/${randomToken(16)}/remove`;
  if (url === '/agency/officers/:id') u = `/agency/officers/${fixtures.avsOfficer}`;
  if (url === '/agency/api/keys/:id/revoke') u = `/agency/api/keys/${fixtures.avsKey}/revoke`;
  if (url === '/agency/api/clients/:id/revoke') u = `/agency/api/clients/${fixtures.avsClient}/revoke`;
  if (url === '/services/:serviceId/applications' || url === '/services/:serviceId/apply') u = url.replace(':serviceId', 'baby-bonus');
  const bodies: Record<string, Record<string, string>> = { '/demo/sign-in': { persona: 'tan-ah-kow' }, '/acting-for': { actingFor: 'self' }, '/casework/settings/assignment': { serviceId: 'baby-bonus', stepId: 'assessment' } };
  return { url: u, body: method === 'POST' ? bodies[url] ?? {} : undefined };
}

/** What one caller gets: a fresh session (or key) for every request, a valid CSRF token for forms. */
async function answer(who: Who, method: string, route: string): Promise<{ outcome: Outcome | number; detail: string }> {
  const { url, body } = sample(method, route);
  const headers: Record<string, string> = { accept: url.startsWith('/api/') ? 'application/json' : 'text/html' };
  // a CORS preflight, as a browser sends it
  if (method === 'OPTIONS') Object.assign(headers, { origin: 'https://portal.example.gov', 'access-control-request-method': 'GET' });
  let binding: string;
  const s = sessions[who];
  if (s) {
    const token = randomToken(32);
    const t = nowIso();
    const actingFor = s.actingFor ? JSON.stringify({ uen: s.actingFor, name: 'x', role: 'x', roles: [] }) : null;
    await p.ctx.db.insertInto('sessions').values({ id_hash: sha256(token), account_id: s.account, created_at: t, last_seen_at: t, expires_at: nowIso(new Date(Date.now() + 3600_000)), acting_for: actingFor, amr: JSON.stringify(s.amr) }).execute();
    headers.cookie = `${SESSION_COOKIE}=${token}`;
    binding = `session:${sha256(token)}`;
  } else {
    const anon = randomToken(18);
    headers.cookie = `civitas_anon=${anon}`;
    binding = `anon:${anon}`;
    if (apiKeys[who]) headers.authorization = `Bearer ${apiKeys[who]}`;
  }
  let payload: string | undefined;
  if (body) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams({ _csrf: hmac(csrfKey, `csrf:${binding}`), ...body }).toString();
  }
  const res = await p.app.inject({ method: method as any, url, headers, payload });
  const location = String(res.headers.location ?? '');
  const detail = `${res.statusCode}${location ? ` -> ${location.slice(0, 60)}` : ''}`;
  if (res.statusCode === 401 || (res.statusCode >= 300 && res.statusCode < 400 && /^\/sign-in\?next=/.test(location))) return { outcome: 'signin', detail };
  if (res.statusCode === 403 || res.statusCode === 404) return { outcome: res.statusCode, detail };
  if (res.statusCode >= 500) return { outcome: res.statusCode === 503 ? 'ok' : res.statusCode, detail };
  return { outcome: 'ok', detail };
}

describe('access: every route against every caller', () => {
  it('has an entry for every route, and no entry for a route that does not exist', () => {
    const routes = new Set(p.app.routeTable.map((r) => `${r.method} ${r.url}`));
    expect([...routes].filter((r) => !MATRIX[r]), 'routes without an entry in the access matrix').toEqual([]);
    expect(Object.keys(MATRIX).filter((r) => !routes.has(r)), 'entries for routes that do not exist').toEqual([]);
  });

  it('answers each caller as the matrix says', { timeout: 300_000 }, async () => { // every route times every caller: a few thousand requests
    const wrong: string[] = [];
    let checked = 0;
    for (const { method, url } of p.app.routeTable) {
      const expected = MATRIX[`${method} ${url}`];
      if (!expected) continue;
      for (const who of WHO) {
        const got = await answer(who, method, url);
        checked++;
        if (got.outcome !== expected[who]) wrong.push(`${method} ${url} as ${who}: expected ${expected[who]}, got ${got.outcome} (${got.detail})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(p.app.routeTable.length * WHO.length);
  });

  it('has no demo routes outside demo mode', async () => {
    const prod = await createTestPlatform({ CIVITAS_DEMO: '0' });
    try {
      const routes = prod.app.routeTable.map((r) => `${r.method} ${r.url}`);
      expect(routes.filter((r) => r.includes('/demo'))).toEqual([]);
      expect(routes.length).toBe(p.app.routeTable.length - 5); // /demo/sign-in, /demo/mail, /demo/mail/:id, /interaction/:uid/demo, /pay/:paymentId/demo-credit
    } finally {
      await prod.close();
    }
  });
});
