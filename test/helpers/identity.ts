/**
 * What identity tests need: sign-in through the provider's pages, accounts
 * made directly, authenticator app codes, and a software passkey authenticator
 * (a real P-256 key producing WebAuthn attestation and assertion responses).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Platform } from '../../src/main.ts';
import { nowIso } from '../../src/platform/db/index.ts';
import { hashPassword } from '../../src/modules/identity/passwords.ts';
import { inviteOfficer } from '../../src/modules/identity/index.ts';
import { insertAccount, updateAccount } from '../../src/modules/identity/repository.ts';
import { emailIndex } from '../../src/modules/identity/validate.ts';
import type { Role } from '../../src/platform/http/index.ts';
import { FormBrowser, type Page } from './browser.ts';

/** The sign-in page is the provider's interaction page: its forms post to /interaction/<uid>/... */
export function formAction(html: string, suffix: string): string {
  const m = new RegExp(`action="(/interaction/[\\w-]+/${suffix})"`).exec(html);
  if (!m) throw new Error(`no form posting to /interaction/<uid>/${suffix} on the page`);
  return m[1]!;
}

export async function signInWithPassword(b: FormBrowser, email: string, password: string): Promise<Page> {
  await b.get('/sign-in');
  return b.post(formAction(b.last!.html, 'password'), { email, password });
}

export async function createCitizen(p: Platform, o: { email: string; password?: string; name?: string; nric?: string }): Promise<string> {
  const { ctx } = p;
  const id = await insertAccount(ctx.db, {
    kind: 'citizen', emailEnc: null, emailHash: emailIndex(ctx.keys, o.email), emailVerified: true, passwordHash: await hashPassword(o.password ?? 'correct horse battery'),
    displayNameEnc: '', lang: 'en', roles: ['citizen'], nricHash: o.nric ? ctx.keys.blindIndex('nric', o.nric) : null,
  });
  await updateAccount(ctx.db, id, {
    email_enc: ctx.keys.encrypt(o.email, `account:${id}`), display_name_enc: ctx.keys.encrypt(o.name ?? 'Test Person', `account:${id}`),
    nric_enc: o.nric ? ctx.keys.encrypt(o.nric, `account:${id}`) : null,
  });
  return id;
}

export async function createOfficer(p: Platform, o: { agency: string; email: string; roles: Role[]; password?: string; name?: string }): Promise<string> {
  const r = await inviteOfficer(p.ctx, { agencyId: o.agency, email: o.email, name: o.name ?? 'Test Officer', roles: o.roles, by: null, lang: 'en' });
  if (!r.accountId) throw new Error(JSON.stringify(r.errors));
  await updateAccount(p.ctx.db, r.accountId, { password_hash: await hashPassword(o.password ?? 'officer passphrase 1'), updated_at: nowIso() });
  return r.accountId;
}

export function totpCode(secret: string, at: Date = new Date()): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: at.getTime() });
}

/** The secret shown as text on the set-up page. */
export function secretOnPage(html: string): string {
  const m = /id="totp-secret">([A-Z2-7]+)</.exec(html);
  if (!m) throw new Error('no secret on the page');
  return m[1]!;
}

export function recoveryCodesOnPage(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
}

export function passkeyOptionsOnPage(html: string): any {
  const m = /data-options="([^"]+)"/.exec(html);
  if (!m) throw new Error('no passkey options on the page');
  return JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'"));
}

// ---- a software passkey authenticator -------------------------------------------

const b64u = (b: Buffer | Uint8Array) => Buffer.from(b).toString('base64url');

/** Minimal CBOR encoder (the subset WebAuthn attestation objects and COSE keys use). */
function cbor(v: unknown): Buffer {
  const head = (major: number, n: number) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
    const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
  };
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') { const s = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, s.length), s]); }
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  if (v && typeof v === 'object') return cbor(new Map(Object.entries(v)));
  throw new Error(`cannot encode ${typeof v}`);
}

export class SoftwareAuthenticator {
  private readonly credentials = new Map<string, { key: KeyObject; userHandle: string; rpId: string; counter: number }>();

  constructor(readonly origin: string) {}

  private rpIdHash(rpId: string) { return createHash('sha256').update(rpId).digest(); }

  /** navigator.credentials.create(): a new P-256 credential, "none" attestation, user verified. */
  register(options: { rp: { id: string }; user: { id: string }; challenge: string }): string {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    const credId = randomBytes(16);
    const cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
    const counter = Buffer.alloc(4);
    const idLen = Buffer.alloc(2); idLen.writeUInt16BE(credId.length);
    const authData = Buffer.concat([this.rpIdHash(options.rp.id), Buffer.from([0x45]), counter, Buffer.alloc(16), idLen, credId, cose]);
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: this.origin, crossOrigin: false }));
    this.credentials.set(b64u(credId), { key: privateKey, userHandle: options.user.id, rpId: options.rp.id, counter: 0 });
    return JSON.stringify({
      id: b64u(credId), rawId: b64u(credId), type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(clientData), attestationObject: b64u(cbor({ fmt: 'none', attStmt: {}, authData })), transports: ['internal'] },
    });
  }

  /** navigator.credentials.get(): signs with one of the allowed credentials (or any, for a discoverable sign-in). */
  authenticate(options: { rpId: string; challenge: string; allowCredentials?: { id: string }[] }, tamper = false): string {
    const allowed = options.allowCredentials?.map((c) => c.id);
    const entry = [...this.credentials].find(([id, c]) => c.rpId === options.rpId && (!allowed?.length || allowed.includes(id)));
    if (!entry) throw new Error('no matching passkey');
    const [id, cred] = entry;
    cred.counter += 1;
    const counter = Buffer.alloc(4); counter.writeUInt32BE(cred.counter);
    const authData = Buffer.concat([this.rpIdHash(options.rpId), Buffer.from([0x05]), counter]);
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: this.origin, crossOrigin: false }));
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), cred.key);
    if (tamper) signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 1, signature.length - 1);
    return JSON.stringify({
      id, rawId: id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: cred.userHandle },
    });
  }
}

/**
 * Follow redirects one at a time until one points somewhere `stop` accepts
 * (e.g. a relying party's redirect URI on another site); returns that location.
 */
export async function redirectsUntil(b: FormBrowser, first: Page, stop: (location: string) => boolean, max = 10): Promise<string> {
  let res = first;
  for (let i = 0; i < max; i++) {
    const location = res.headers.location ? String(res.headers.location) : '';
    if (!location) throw new Error(`no redirect from ${res.url} (status ${res.status})`);
    if (stop(location)) return location;
    const u = new URL(location, 'http://localhost');
    res = await b.request('GET', u.pathname + u.search, undefined, {}, false);
  }
  throw new Error('too many redirects');
}

/** A small valid PDF (one empty page), for upload questions. */
export function tinyPdf(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
}

/** The food shop licence (a service for businesses), from start to confirmation, in the browser's current role. */
export async function applyForFoodShopLicence(b: FormBrowser, uen: string): Promise<{ appUrl: string; page: Page }> {
  await b.get('/services/food-shop-licence/apply');
  let page = await b.post('/services/food-shop-licence/applications');
  const appUrl = page.url.replace(/\/pages\/business$/, '');
  if (appUrl === page.url) throw new Error(`could not start: ${page.status} ${page.url}`);
  const step = async (p: Promise<Page>, next: string) => {
    const r = await p;
    if (!r.url.startsWith(`${appUrl}/${next}`)) throw new Error(`expected ${next}, got ${r.status} ${r.url}`);
    return r;
  };
  await step(b.post(`${appUrl}/pages/business`, { businessUen: uen, shopName: "Lim's Bakery", 'premisesAddress-postalCode': '520123', 'premisesAddress-block': '123', 'premisesAddress-street': 'Tampines Street 11' }), 'pages/foodBusiness');
  await step(b.post(`${appUrl}/pages/foodBusiness`, { businessType: 'bakery', menuItems: ['baked-goods', 'drinks'], seats: '12' }), 'pages/hygieneOfficer');
  await step(b.post(`${appUrl}/pages/hygieneOfficer`, { fhoName: 'Lim Mei Ling', fhoCertificate: 'FHO-2024-1234' }), 'pages/layout');
  await step(b.postMultipart(`${appUrl}/pages/layout`, {}, { layoutPlan: { name: 'layout.pdf', type: 'application/pdf', content: tinyPdf() } }), 'pages/contact');
  page = await b.post(`${appUrl}/pages/contact`, { contactName: 'Lim Mei Ling', contactMobile: '91234567', contactEmail: 'lim.meiling@demo.civitas.sg' });
  if (page.url !== `${appUrl}/check`) throw new Error(`expected the check page, got ${page.url}: ${page.html.slice(0, 200)}`);
  page = await b.post(`${appUrl}/submit`, { declaration: 'yes' });
  // the licence needs the applicant's signature: step up with the authenticator code and sign
  if (page.url === `${appUrl}/sign`) page = await signWithDemoCode(b, appUrl);
  // the licence has a fee: pay it with the sandbox's test card (payments module)
  if (page.url === `${appUrl}/pay`) page = await payWithTestCard(b, appUrl);
  return { appUrl, page };
}

/** On the fee step: choose card, pay with the sandbox's always-successful test card, come back to the confirmation. */
export async function payWithTestCard(b: FormBrowser, appUrl: string): Promise<Page> {
  let page = await b.post(`${appUrl}/pay`, { method: 'card' });
  if (!/^\/pay\/[0-9a-f-]{36}$/.test(page.url)) throw new Error(`expected the card page, got ${page.status} ${page.url}`);
  page = await b.post(`${page.url}/card`, { cardNumber: '4242424242424242', expiryMonth: '12', expiryYear: '2030', cardholderName: 'Test Payer', cvc: '123' });
  return page;
}

/** On the "Sign and send" page in demo mode: type the code the demo shows, and sign. */
export async function signWithDemoCode(b: FormBrowser, appUrl: string): Promise<Page> {
  const sign = await b.get(`${appUrl}/sign`);
  const code = /authenticator app shows (\d{6}) right now/.exec(sign.html)?.[1];
  if (!code) throw new Error(`no demo authenticator code on the sign page: ${sign.status} ${sign.url}`);
  return b.post(`${appUrl}/sign`, { code });
}
