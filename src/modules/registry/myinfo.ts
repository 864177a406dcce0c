/**
 * A Myinfo client: the person's consent on Singpass/Myinfo's own page, then
 * the token and the person's items. Tested against @opengovsg/mockpass,
 * which serves Myinfo v3 (authorise, token, person; plain JSON unless it is
 * set to encrypt). Myinfo v4 items have the same shapes, so the mapping is
 * shared; v4's endpoints (/com/v4/authorize, /com/v4/token with PKCE and a
 * DPoP-bound token, /com/v4/person/{sub}) are named here but v4's client
 * assertion and DPoP proof are not built yet (docs/registry.md).
 */
import { decodeJwt } from 'jose';
import type { MyinfoConfig } from '../../platform/config/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { itemDefinition, type MyinfoItem } from './items.ts';

export class MyinfoClient {
  constructor(private readonly cfg: MyinfoConfig) {}

  get version(): 'v3' | 'v4' { return this.cfg.version; }

  private path(what: 'authorise' | 'token' | 'person'): string {
    if (this.cfg.version === 'v4') return { authorise: '/com/v4/authorize', token: '/com/v4/token', person: '/com/v4/person' }[what];
    return `/myinfo/v3/${what}`;
  }

  /** Where to send the person to agree on Myinfo's side. */
  authoriseUrl(o: { attributes: string[]; purpose: string; state: string; redirectUri: string }): string {
    const u = new URL(this.cfg.url + this.path('authorise'));
    u.searchParams.set('client_id', this.cfg.clientId);
    if (this.cfg.version === 'v4') {
      u.searchParams.set('scope', o.attributes.join(' '));
      u.searchParams.set('response_type', 'code');
    } else {
      u.searchParams.set('attributes', o.attributes.join(','));
      u.searchParams.set('purpose', o.purpose);
    }
    u.searchParams.set('state', o.state);
    u.searchParams.set('redirect_uri', o.redirectUri);
    return u.toString();
  }

  /** Exchange the code, then read the person: their UIN/FIN (from the token) and the items asked for. */
  async fetchPerson(o: { code: string; redirectUri: string; attributes: string[] }): Promise<{ uinfin: string; items: Record<string, MyinfoItem> }> {
    if (this.cfg.version === 'v4') throw new AppError('unavailable', 'consent.errors.myinfoUnavailable');
    const tokenRes = await fetch(this.cfg.url + this.path('token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: o.code, redirect_uri: o.redirectUri, client_id: this.cfg.clientId, ...(this.cfg.clientSecret ? { client_secret: this.cfg.clientSecret } : {}) }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => null);
    if (!tokenRes?.ok) throw new AppError('unavailable', 'consent.errors.myinfoUnavailable');
    const { access_token: token } = await tokenRes.json() as { access_token?: string };
    if (!token) throw new AppError('unavailable', 'consent.errors.myinfoUnavailable');
    const sub = String(decodeJwt(token).sub ?? '');
    const url = new URL(`${this.cfg.url}${this.path('person')}/${encodeURIComponent(sub)}/`);
    url.searchParams.set('client_id', this.cfg.clientId);
    url.searchParams.set('attributes', o.attributes.join(','));
    const personRes = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) }).catch(() => null);
    if (!personRes?.ok) throw new AppError('unavailable', 'consent.errors.myinfoUnavailable');
    const body = await personRes.text();
    if (!body.trim().startsWith('{')) throw new AppError('unavailable', 'consent.errors.myinfoUnavailable'); // an encrypted (JWE) response: not configured here
    return { uinfin: sub, items: myinfoItems(JSON.parse(body)) };
  }
}

/** A Myinfo person response (v3 or v4: the same item shapes) -> items, one to one. Lists become { list }. */
export function myinfoItems(person: Record<string, unknown>): Record<string, MyinfoItem> {
  const out: Record<string, MyinfoItem> = {};
  for (const [name, raw] of Object.entries(person)) {
    const key = name === 'noa' ? 'noa-basic' : name;
    const def = itemDefinition(key);
    if (!def || def.kind !== 'person' || raw === null || typeof raw !== 'object') continue;
    if (Array.isArray(raw)) {
      const first = (raw[0] ?? {}) as MyinfoItem;
      out[key] = { list: raw.map((r) => { const { source: _s, classification: _c, lastupdated: _l, ...rest } = r as MyinfoItem; return rest; }), source: first.source ?? '1', classification: first.classification ?? 'C', lastupdated: first.lastupdated ?? '' };
    } else out[key] = raw as MyinfoItem;
  }
  return out;
}
