/**
 * The same prefill journey against Myinfo: @opengovsg/mockpass serves Myinfo
 * v3 (authorise through Singpass, its consent page, token, person). A person
 * who logged in with Singpass starts the Baby Bonus, agrees on Civitas's
 * consent page, confirms on Myinfo's, and comes back with the questions filled
 * from Myinfo and locked; the read is in "who used my data".
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../../test/helpers/http-browser.ts';
import { listeningPlatform, startMockpass, type ListeningPlatform, type Mockpass } from '../../../test/helpers/servers.ts';
import { findApplication } from '../applications/index.ts';

let mp: Mockpass & { useRelyingParty(jwksUrl: string): void };
let civitas: ListeningPlatform;
const PERSON = 'S9812381D'; // a mockpass Myinfo v3 persona (TAN HENG HUAT)

beforeAll(async () => {
  mp = await startMockpass();
  civitas = await listeningPlatform({
    CIVITAS_OIDC_PROVIDERS: JSON.stringify([{ id: 'singpass', kind: 'singpass', issuer: mp.singpassIssuer, clientId: 'civitas-test-client' }]),
    CIVITAS_MYINFO: JSON.stringify({ url: mp.origin, clientId: 'civitas-test-client', version: 'v3' }),
  });
  mp.useRelyingParty(`${civitas.origin}/rp/jwks.json`);
});
afterAll(async () => { await civitas?.close(); await mp?.close(); });

/** A browser whose requests to mockpass say who logs in to Singpass. */
const browser = () => new HttpBrowser((url): Record<string, string> => (url.origin === mp.origin ? { 'X-Custom-NRIC': PERSON, 'X-Custom-UUID': randomUUID() } : {}));

const unescape = (s: string) => s.replace(/&#x([0-9a-f]+);/gi, (_m, h) => String.fromCharCode(parseInt(h, 16))).replace(/&#(\d+);/g, (_m, d) => String.fromCharCode(Number(d)))
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('prefill from Myinfo (mockpass, Myinfo v3)', () => {
  it('fills and locks the questions from Myinfo after consent on both sides', async () => {
    const b = browser();
    const signIn = await b.get(`${civitas.origin}/sign-in`);
    const login = /href="(\/interaction\/[\w-]+\/external\/singpass)"/.exec(signIn.html)![1]!;
    expect((await b.get(`${civitas.origin}${login}`)).url).toBe(`${civitas.origin}/my-applications`);

    await b.get(`${civitas.origin}/services/baby-bonus/apply`);
    const consent = await b.post(`${civitas.origin}/services/baby-bonus/applications`, { _csrf: /name="_csrf" value="([^"]+)"/.exec(b.last!.html)![1]! });
    expect(consent.url).toMatch(/\/applications\/[0-9a-f-]+\/consent$/);
    expect(consent.html).toContain('Myinfo (you confirm on Singpass)');
    const id = /\/applications\/([0-9a-f-]+)\/consent$/.exec(consent.url)![1]!;

    // agree: off to Myinfo (through Singpass) and its consent page
    const myinfoPage = await b.post(consent.url, { _csrf: /name="_csrf" value="([^"]+)"/.exec(consent.html)![1]!, decision: 'agree' });
    expect(b.visited.some((u) => u.startsWith(`${mp.origin}/myinfo/v3/authorise?`))).toBe(true);
    expect(myinfoPage.url).toContain(`${mp.origin}/consent/oauth2/authorize`);
    expect(myinfoPage.html).toContain('Disclose the following details');
    const fields = Object.fromEntries([...myinfoPage.html.matchAll(/<input type="text" id="(\w+)" name="\w+" value="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));
    expect(fields.scope).toBe('name uinfin mobileno regadd');
    const back = await b.post(`${mp.origin}/consent/oauth2/authorize`, { ...fields, decision: 'allow' });
    expect(b.visited.some((u) => u.startsWith(`${civitas.origin}/myinfo/callback?code=`))).toBe(true);
    expect(back.url).toBe(`${civitas.origin}/applications/${id}/pages/applicant`);
    expect(back.html).toMatch(/value="TAN HENG HUAT"/);
    expect(back.html).toContain('From Myinfo');

    const a = (await findApplication(civitas.platform.ctx.db, civitas.platform.ctx.keys, id))!;
    expect(a.answers).toMatchObject({ fullName: 'TAN HENG HUAT', nric: PERSON, mobile: '+6597399245', address: { block: '102', street: 'BEDOK NORTH AVENUE 4', postalCode: '460102', floor: '9', unit: '128', building: 'PEARL GARDEN' } });
    expect(a.answerSources.fullName).toMatchObject({ source: 'verified', provider: 'myinfo', origin: '1', item: 'name' });
    expect(a.answerSources.mobile).toMatchObject({ provider: 'myinfo', origin: '2' }); // Myinfo says the mobile number is user-provided

    const uses = await b.get(`${civitas.origin}/account/data-use`);
    expect(uses.html).toContain('Claim the Baby Bonus');
    const consents = await b.get(`${civitas.origin}/account/consents`);
    expect(consents.html).toContain('Myinfo');
  });

  it('fills nothing when the person denies on Myinfo\'s page', async () => {
    const b = browser();
    const signIn = await b.get(`${civitas.origin}/sign-in`);
    await b.get(`${civitas.origin}${/href="(\/interaction\/[\w-]+\/external\/singpass)"/.exec(signIn.html)![1]!}`);
    await b.get(`${civitas.origin}/services/baby-bonus/apply`);
    const consent = await b.post(`${civitas.origin}/services/baby-bonus/applications`, { _csrf: /name="_csrf" value="([^"]+)"/.exec(b.last!.html)![1]! });
    const myinfoPage = await b.post(consent.url, { _csrf: /name="_csrf" value="([^"]+)"/.exec(consent.html)![1]!, decision: 'agree' });
    const fields = Object.fromEntries([...myinfoPage.html.matchAll(/<input type="text" id="(\w+)" name="\w+" value="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));
    const back = await b.post(`${mp.origin}/consent/oauth2/authorize`, { ...fields, decision: 'deny' });
    expect(back.url).toMatch(/\/pages\/applicant$/);
    expect(back.html).not.toContain('readonly');
    expect(back.html).not.toContain('TAN HENG HUAT');
  });
});
