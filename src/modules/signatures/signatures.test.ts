/**
 * The issue's "done when", end to end through the real server: a citizen signs
 * an application after step-up, the approval issues a sealed licence, pdfsig
 * reports it valid, its QR code leads to a "valid" page, revocation shows at
 * once, a tampered copy fails. Every signed PDF here is also checked by
 * pdfsig and openssl (cms and ts), independently of Civitas's own verifier.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import { signWithDemoCode } from '../../../test/helpers/identity.ts';
import { approveThroughCasework } from '../../../test/helpers/casework.ts';
import { nssDb, opensslCmsVerify, opensslTsVerify, pdfText, pdfsig, qrOnFirstPage, run, tmpDir } from '../../../test/helpers/pdf-tools.ts';
import { createApiKey } from '../identity/index.ts';
import { DefinitionError, loadDefinitions } from '../catalogue/index.ts';
import { SERVICES_DIR } from '../../main.ts';
import { toPem } from './asn1.ts';
import { issueDocument } from './documents.ts';


const SERVICE = `
id: test-permit
agency: msf
audience: [citizen]
lifeEvents: [having-a-baby]
title: { en: "Community hall permit", ms: "Permit dewan komuniti", zh: "社区礼堂准证", ta: "சமூக மண்டப அனுமதி" }
summary: { en: "Book the hall.", ms: "Tempah dewan.", zh: "预订礼堂。", ta: "மண்டபத்தை முன்பதிவு செய்யுங்கள்." }
eligibility: []
documentsNeeded: []
processingTime: { workingDays: 3 }
fee: { type: none }
signatureRequired: true
declaration: { en: "I will leave the hall clean.", ms: "Saya akan meninggalkan dewan dalam keadaan bersih.", zh: "我会保持礼堂整洁。", ta: "மண்டபத்தைச் சுத்தமாக விட்டுச் செல்வேன்." }
form:
  pages:
    - id: details
      title: { en: "About the event", ms: "Tentang acara", zh: "关于活动", ta: "நிகழ்வைப் பற்றி" }
      questions:
        - id: eventName
          type: text
          maxLength: 100
          label: { en: "Name of the event", ms: "Nama acara", zh: "活动名称", ta: "நிகழ்வின் பெயர்" }
        - id: guests
          type: choice
          label: { en: "Number of guests", ms: "Bilangan tetamu", zh: "宾客人数", ta: "விருந்தினர் எண்ணிக்கை" }
          options:
            - { value: small, label: { en: "Up to 50", ms: "Sehingga 50", zh: "50 人以内", ta: "50 வரை" } }
            - { value: large, label: { en: "More than 50", ms: "Lebih daripada 50", zh: "超过 50 人", ta: "50-க்கு மேல்" } }
workflow:
  steps:
    - id: approval
      name: { en: "Approve", ms: "Lulus", zh: "批准", ta: "அங்கீகரி" }
      role: approver
      actions: [approve, reject]
      slaWorkingDays: 2
output:
  type: permit
  title: { en: "Community hall permit", ms: "Permit dewan komuniti", zh: "社区礼堂准证", ta: "சமூக மண்டப அனுமதி" }
  validityMonths: 6
  fields: [eventName, guests]
`;

function servicesDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-services-'));
  for (const f of ['agencies.yaml', 'life-events.yaml']) fs.copyFileSync(path.join(SERVICES_DIR, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, 'msf'));
  fs.writeFileSync(path.join(dir, 'msf', 'test-permit.yaml'), SERVICE);
  return dir;
}

let p: TestPlatform;
let citizen: FormBrowser;
let appId: string;
let rootPem: string;
let chainPem: string;
let nss: string;
let signedSummary: Buffer;
let licence: Buffer;
let code: string;
let documentId: string;

async function fetchBytes(b: FormBrowser | null, url: string): Promise<{ status: number; body: Buffer; type: string }> {
  const res = await p.app.inject({ method: 'GET', url, headers: b ? { cookie: `civitas_session=${b.cookie('civitas_session')}` } : {} });
  return { status: res.statusCode, body: res.rawPayload, type: String(res.headers['content-type']) };
}

beforeAll(async () => {
  p = await createTestPlatform({ CIVITAS_BASE_URL: 'https://civitas.test' }, { servicesDir: servicesDir() });
  citizen = new FormBrowser(p.app);
  await citizen.get('/sign-in');
  await citizen.post('/demo/sign-in', { persona: 'tan-ah-kow' });
  rootPem = decode((await p.app.inject('/pki/root.pem')).body);
  chainPem = (await p.app.inject('/pki/chain.pem')).body;
  nss = nssDb(rootPem);
});
afterAll(async () => { await p?.close(); });

/** The independent checks every signed PDF must pass. */
function independentlyValid(pdf: Buffer) {
  const sig = pdfsig(pdf, nss);
  expect(sig).toContain('Signature Type: ETSI.CAdES.detached');
  expect(sig).toContain('Signature Validation: Signature is Valid.');
  expect(sig).toContain('Certificate Validation: Certificate is Trusted.');
  expect(sig).toContain('Total document signed');
  const cms = opensslCmsVerify(pdf, rootPem + chainPem);
  expect(cms.ok, cms.out).toBe(true);
  const ts = opensslTsVerify(pdf, rootPem, chainPem);
  expect(ts.ok, ts.out).toBe(true);
  return sig;
}

describe('signing an application after step-up', () => {
  it('a service that needs a signature is sent from the "Sign and send" step', async () => {
    await citizen.get('/services/test-permit/apply');
    const first = await citizen.post('/services/test-permit/applications');
    appId = first.url.split('/')[2]!;
    await citizen.post(`/applications/${appId}/pages/details`, { eventName: 'Tan family reunion', guests: 'small' });
    const check = await citizen.get(`/applications/${appId}/check`);
    expect(check.html).toContain('Continue to sign');
    const sign = await citizen.post(`/applications/${appId}/submit`, { declaration: 'yes' });
    expect(sign.url).toBe(`/applications/${appId}/sign`);
    expect(h1(sign.html)).toBe('Sign and send your application');
    expect(sign.html).toContain('Tan family reunion');
    expect(sign.html).toContain('I will leave the hall clean.');
  });

  it('refuses to sign without the step-up (a wrong or missing authenticator code)', async () => {
    await citizen.get(`/applications/${appId}/sign`);
    const wrong = await citizen.post(`/applications/${appId}/sign`, { code: '000000' });
    expect(wrong.status).toBe(422);
    expect(decode(wrong.html)).toContain('The code is not correct or has already been used');
    const empty = await citizen.post(`/applications/${appId}/sign`, {});
    expect(empty.status).toBe(422);
    const row = await p.ctx.db.selectFrom('applications').select('status').where('id', '=', appId).executeTakeFirstOrThrow();
    expect(row.status).toBe('draft');
  });

  it('signs after step-up: a PAdES PDF of exactly the summary, valid for pdfsig and openssl', async () => {
    const done = await signWithDemoCode(citizen, `/applications/${appId}`);
    expect(done.url).toBe(`/applications/${appId}/confirmation`);
    const got = await fetchBytes(citizen, `/applications/${appId}/signed.pdf`);
    expect(got.type).toBe('application/pdf');
    signedSummary = got.body;
    const sig = independentlyValid(signedSummary);
    expect(sig).toContain('Signer Certificate Common Name: Tan Ah Kow');
    const text = pdfText(signedSummary);
    for (const shown of ['Application summary', 'Community hall permit', 'Name of the event', 'Tan family reunion', 'Number of guests', 'Up to 50', 'I will leave the hall clean.', 'Signed electronically by Tan Ah Kow']) expect(text).toContain(shown);
    const audit = await p.ctx.db.selectFrom('audit_log').select('data').where('action', '=', 'signatures.application_signed').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.data as string).stepUp).toBe('totp');
    // an application that needs a signature cannot be submitted around the signing step
    const view = await citizen.get(`/applications/${appId}`);
    expect(view.html).toContain('Your signed application (PDF)');
  });
});

describe('issued documents', () => {
  it('issueDocument seals a licence in the applicant\'s language with a timestamp, QR and code; twice gives the same', async () => {
    // before approval there is nothing to issue
    await expect(issueDocument(p.signatures, { applicationId: appId, approvedBy: { type: 'officer', id: null } })).rejects.toThrow('signatures.errors.notApproved');
    await approveThroughCasework(p, appId); // the approval queues the issue
    const first = await issueDocument(p.signatures, { applicationId: appId, approvedBy: { type: 'officer', id: null } });
    expect(first.already).toBe(true);
    const again = await issueDocument(p.signatures, { applicationId: appId, approvedBy: { type: 'officer', id: null } });
    expect(again).toEqual({ ...first, already: true });
    expect(first.verificationCode).toMatch(/^[A-Z2-9]{10}$/);
    code = `${first.verificationCode.slice(0, 5)}-${first.verificationCode.slice(5)}`;
    documentId = first.documentId;
  });

  it('the citizen downloads it from the application page; pdfsig, openssl cms and openssl ts accept it', async () => {
    const view = await citizen.get(`/applications/${appId}`);
    expect(view.html).toContain(`/documents/${documentId}/pdf`);
    const got = await fetchBytes(citizen, `/documents/${documentId}/pdf`);
    expect(got.status).toBe(200);
    licence = got.body;
    const sig = independentlyValid(licence);
    expect(sig).toContain('Signer Certificate Common Name: Ministry of Social and Family Development');
    const text = pdfText(licence);
    expect(text).toContain('Community hall permit');
    expect(text).toContain(code);
    expect(text).toContain('Tan family reunion');
    // nobody else can download it
    const other = new FormBrowser(p.app);
    await other.get('/sign-in');
    await other.post('/demo/sign-in', { persona: 'rajesh-kumar' });
    expect((await fetchBytes(other, `/documents/${documentId}/pdf`)).status).toBe(404);
  });

  it('its QR code leads to a "valid" verification page; the JSON API agrees', async () => {
    const url = qrOnFirstPage(licence);
    expect(url).toBe(`https://civitas.test/verify/${code}`);
    const page = await new FormBrowser(p.app).get(new URL(url!).pathname);
    expect(page.status).toBe(200);
    expect(page.html).toContain('This document is valid');
    expect(page.html).toContain('Ministry of Social and Family Development');
    const api = (await p.app.inject(`/api/v1/verify/${code.toLowerCase()}`)).json();
    expect(api).toMatchObject({ status: 'valid', code, issuer: { id: 'msf' }, type: 'permit' });
    expect((await p.app.inject('/api/v1/verify/ABCDE-FGHJK')).json().status).toBe('unknown');
  });

  it('uploading the PDF to /verify checks its seal and that it is the issued file', async () => {
    const ok = await uploadToVerify(licence);
    expect(ok).toContain('This file is genuine');
    const summary = await uploadToVerify(signedSummary);
    expect(summary).toContain('This file was not issued through Civitas');
  });

  it('a copy changed by one byte fails in pdfsig, openssl and /verify', async () => {
    const tampered = Buffer.from(licence);
    const at = tampered.indexOf('Tan family reunion');
    expect(at).toBe(-1); // text is in compressed streams: flip a byte in the middle of the first range instead
    const pos = Math.floor(tampered.indexOf('/ByteRange') / 2);
    tampered[pos] = tampered[pos]! ^ 0x01;
    expect(pdfsig(tampered, nss)).not.toContain('Signature is Valid.');
    expect(opensslCmsVerify(tampered, rootPem + chainPem).ok).toBe(false);
    const page = await uploadToVerify(tampered);
    expect(page).toContain('This file has been changed or its seal is not valid');
    expect(page).toContain('data-problem="digest_mismatch"');
  });

  it('the holder gets a verifiable credential that jose verifies with only the agency\'s published JWKS', async () => {
    const vc = await fetchBytes(citizen, `/documents/${documentId}/credential`);
    expect(vc.type).toContain('application/vc+jwt');
    const jwks = (await p.app.inject('/pki/agencies/msf/jwks.json')).json();
    const { payload, protectedHeader } = await jwtVerify(vc.body.toString(), createLocalJWKSet(jwks), { typ: 'vc+jwt', algorithms: ['ES256'] });
    expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
    expect(payload.type).toEqual(['VerifiableCredential', 'CivitasIssuedDocument']);
    expect((payload.credentialSubject as any).document.verificationCode).toBe(code);
    expect((payload.credentialSubject as any).name).toBe('Tan Ah Kow');
    expect(payload.issuer).toMatchObject({ id: 'https://civitas.test/pki/agencies/msf' });
  });

  it('agency systems list an application\'s documents with a documents:read key of the owning agency only', async () => {
    const msf = await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'case system', scopes: ['documents:read'] });
    const avs = await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'other', scopes: ['documents:read'] });
    const noScope = await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'no scope', scopes: ['applications:read'] });
    const list = await p.app.inject({ url: `/api/v1/applications/${appId}/documents`, headers: { authorization: `Bearer ${msf.key}` } });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([expect.objectContaining({ id: documentId, type: 'permit', verification_code: code, pdf_url: `https://civitas.test/api/v1/documents/${documentId}/pdf` })]);
    const pdf = await p.app.inject({ url: `/api/v1/documents/${documentId}/pdf`, headers: { authorization: `Bearer ${msf.key}` } });
    expect(pdf.rawPayload.equals(licence)).toBe(true);
    expect((await p.app.inject({ url: `/api/v1/applications/${appId}/documents`, headers: { authorization: `Bearer ${avs.key}` } })).statusCode).toBe(404);
    expect((await p.app.inject({ url: `/api/v1/documents/${documentId}/pdf`, headers: { authorization: `Bearer ${avs.key}` } })).statusCode).toBe(404);
    expect((await p.app.inject({ url: `/api/v1/applications/${appId}/documents`, headers: { authorization: `Bearer ${noScope.key}` } })).statusCode).toBe(403);
    expect((await p.app.inject({ url: `/api/v1/applications/${appId}/documents` })).statusCode).toBe(401);
  });
});

async function uploadToVerify(pdf: Buffer): Promise<string> {
  const boundary = '----civitastest';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="doc.pdf"\r\nContent-Type: application/pdf\r\n\r\n`), pdf, Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await p.app.inject({ method: 'POST', url: '/verify', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' }, payload: body });
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('revocation', () => {
  it('an agency administrator revokes the document; the QR page, the API and an upload say so at once', async () => {
    const admin = new FormBrowser(p.app);
    await admin.get('/sign-in');
    await admin.post('/demo/sign-in', { persona: 'ahmad-faizal' });
    const list = await admin.get('/agency/documents');
    expect(list.html).toContain(code);
    await admin.get(`/agency/documents/${documentId}`);
    const refused = await admin.post(`/agency/documents/${documentId}/revoke`, { reason: '' });
    expect(refused.status).toBe(422);
    const done = await admin.post(`/agency/documents/${documentId}/revoke`, { reason: 'Issued in error' });
    expect(done.html).toContain('Revoked');
    // a citizen cannot reach the agency pages
    expect((await citizen.get(`/agency/documents/${documentId}`)).status).toBe(403);

    const page = await new FormBrowser(p.app).get(`/verify/${code}`);
    expect(page.html).toContain('This document has been revoked');
    expect((await p.app.inject(`/api/v1/verify/${code}`)).json().status).toBe('revoked');
    expect(await uploadToVerify(licence)).toContain('This document has been revoked');
  });

  it('a revoked seal certificate is in the CRL published over HTTP: pdfsig, openssl and /verify refuse it', async () => {
    const doc = await p.ctx.db.selectFrom('issued_documents').select('certificate_id').where('id', '=', documentId).executeTakeFirstOrThrow();
    expect(await p.signatures.pki.revoke(doc.certificate_id as string, 'keyCompromise', { actorType: 'system' })).toBe(true);
    const crlRes = await p.app.inject('/pki/crl/issuing-1.crl');
    expect(crlRes.headers['content-type']).toBe('application/pkix-crl');
    const crl = crlRes.rawPayload;
    const crlPem = toPem(crl, 'X509 CRL');
    const text = run('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], crl).out;
    expect(text).toContain('Key Compromise');
    // the certificate names this CRL as its distribution point
    const cert = await p.signatures.pki.byId(doc.certificate_id as string);
    expect(run('openssl', ['x509', '-inform', 'DER', '-noout', '-ext', 'crlDistributionPoints'], cert!.der).out).toContain('https://civitas.test/pki/crl/issuing-1.crl');

    const rootCrl = (await p.app.inject('/pki/crl/root.crl')).rawPayload;
    const withCrl = nssDb(rootPem, [crl, rootCrl]);
    expect(pdfsig(licence, withCrl)).toContain('Certificate has been Revoked');
    const cms = opensslCmsVerify(licence, rootPem + chainPem, { crlPem: crlPem + toPem(rootCrl, 'X509 CRL') });
    expect(cms.ok).toBe(false);
    expect(cms.out).toContain('certificate revoked');
    const page = await uploadToVerify(licence);
    expect(page).toContain('data-problem="certificate_revoked"');
    // the agency's next document gets a new seal certificate
    const jwks = (await p.app.inject('/pki/agencies/msf/jwks.json')).json();
    expect(jwks.keys.length).toBe(1);
  });

  it('a PDF sealed by another CA fails in pdfsig, openssl and /verify', async () => {
    const other = await createTestPlatform({ CIVITAS_BASE_URL: 'https://elsewhere.test' }, { servicesDir: servicesDir() });
    try {
      const b = new FormBrowser(other.app);
      await b.get('/sign-in');
      await b.post('/demo/sign-in', { persona: 'tan-ah-kow' });
      await b.get('/services/test-permit/apply');
      const first = await b.post('/services/test-permit/applications');
      const id = first.url.split('/')[2]!;
      await b.post(`/applications/${id}/pages/details`, { eventName: 'Elsewhere', guests: 'large' });
      await signWithDemoCode(b, `/applications/${id}`);
      await approveThroughCasework(other, id);
      const ref = await issueDocument(other.signatures, { applicationId: id, approvedBy: { type: 'system', id: null } });
      const res = await other.app.inject({ url: `/documents/${ref.documentId}/pdf`, headers: { cookie: `civitas_session=${b.cookie('civitas_session')}` } });
      const foreign = res.rawPayload;
      // valid for its own root...
      const otherRoot = (await other.app.inject('/pki/root.pem')).body;
      expect(pdfsig(foreign, nssDb(otherRoot))).toContain('Certificate is Trusted.');
      // ...but not for ours
      expect(pdfsig(foreign, nss)).not.toContain('Certificate is Trusted.');
      expect(opensslCmsVerify(foreign, rootPem + chainPem).ok).toBe(false);
      const page = await uploadToVerify(foreign);
      expect(page).toContain('data-problem="untrusted_chain"');
    } finally {
      await other.close();
    }
  });
});

describe('the PKI and the timestamp authority over HTTP', () => {
  it('POST /pki/tsa answers an openssl timestamp query that openssl ts -verify accepts', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'data.txt'), 'what was signed');
    run('openssl', ['ts', '-query', '-data', path.join(dir, 'data.txt'), '-sha256', '-cert', '-out', path.join(dir, 'q.tsq')]);
    const res = await p.app.inject({ method: 'POST', url: '/pki/tsa', headers: { 'content-type': 'application/timestamp-query' }, payload: fs.readFileSync(path.join(dir, 'q.tsq')) });
    expect(res.headers['content-type']).toBe('application/timestamp-reply');
    fs.writeFileSync(path.join(dir, 'r.tsr'), res.rawPayload);
    fs.writeFileSync(path.join(dir, 'root.pem'), rootPem);
    fs.writeFileSync(path.join(dir, 'chain.pem'), chainPem);
    const v = run('openssl', ['ts', '-verify', '-in', path.join(dir, 'r.tsr'), '-queryfile', path.join(dir, 'q.tsq'), '-CAfile', path.join(dir, 'root.pem'), '-untrusted', path.join(dir, 'chain.pem')]);
    expect(v.out).toContain('Verification: OK');
    const text = run('openssl', ['ts', '-reply', '-in', path.join(dir, 'r.tsr'), '-text']).out;
    expect(text).toContain('Status: Granted.');
    // the TSA certificate's only purpose is timestamping, and critical
    const bad = await p.app.inject({ method: 'POST', url: '/pki/tsa', headers: { 'content-type': 'application/timestamp-query' }, payload: Buffer.from('not a request') });
    fs.writeFileSync(path.join(dir, 'bad.tsr'), bad.rawPayload);
    expect(run('openssl', ['ts', '-reply', '-in', path.join(dir, 'bad.tsr'), '-text']).out).toContain('Status: Rejected');
  });

  it('the root and chain are downloadable; the TSA certificate has a critical timeStamping EKU', async () => {
    expect(rootPem).toContain('BEGIN CERTIFICATE');
    expect(run('openssl', ['x509', '-noout', '-subject'], Buffer.from(rootPem)).out).toContain('Civitas Root CA');
    const tsa = await p.signatures.pki.tsaSigner();
    const ext = run('openssl', ['x509', '-inform', 'DER', '-noout', '-ext', 'extendedKeyUsage'], Buffer.from(tsa.certificate)).out;
    expect(ext).toMatch(/critical\s+Time Stamping/);
  });

  it('private keys are stored encrypted; a service needing a signature is refused when the signing step is not registered', async () => {
    const keys = await p.ctx.db.selectFrom('pki_keys').selectAll().execute();
    expect(keys.length).toBeGreaterThan(3);
    for (const k of keys as any[]) expect(k.private_key_enc).toMatch(/^v\d+:/);
    expect(() => loadDefinitions(SERVICES_DIR, { journeySteps: new Set() })).toThrow(DefinitionError);
    try { loadDefinitions(SERVICES_DIR, { journeySteps: new Set() }); } catch (e) { expect((e as Error).message).toContain('signing step'); }
    expect(() => loadDefinitions(SERVICES_DIR, { journeySteps: new Set(['sign']) })).not.toThrow();
  });
});
