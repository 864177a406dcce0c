/**
 * External OpenID providers (openid-client 6): Singpass for people, Corppass for
 * business users, and any other provider named in CIVITAS_OIDC_PROVIDERS (for
 * example an agency's workforce directory for officers). Every request uses
 * PKCE (S256), state and nonce; the client authenticates with private_key_jwt
 * (ES256, with the `typ` header Singpass needs) or a client secret; ID tokens
 * may come encrypted to Civitas's relying-party key (ECDH-ES) and are always
 * signature-checked. Pushed authorization requests and DPoP are used whenever
 * the provider's discovery document advertises them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { exportJWK, importJWK, type JWK } from 'jose';
import type { AppContext } from '../../platform/context.ts';
import type { ExternalProviderConfig } from '../../platform/config/index.ts';
import { isValidNric, isValidUen, normaliseId } from '../../platform/identifiers/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { createAuthRequest, takeAuthRequest, type AuthPurpose, type AuthRequest } from './auth-requests.ts';
import type { IdentityProvider } from './provider.ts';
import { classifyTokenError, type CallbackFailure } from './web-client.ts';

/** What a provider told us about the person. */
export interface ExternalIdentity {
  provider: string;
  kind: ExternalProviderConfig['kind'];
  /** the stable identifier at the provider (Singpass/Corppass: the UUID) */
  subject: string;
  nric: string | null;
  uen: string | null;
  entityName: string | null;
  /** Corppass account type: Admin or User */
  accountType: string | null;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  amr: string[];
}

export type ExternalFinish =
  | { ok: true; identity: ExternalIdentity; request: AuthRequest }
  | { ok: false; failure: CallbackFailure | { kind: 'claims'; message: string } };

const DEFAULT_LABELS: Record<string, Record<Lang, string>> = {
  singpass: { en: 'Log in with Singpass', ms: 'Log masuk dengan Singpass', zh: '使用 Singpass 登录', ta: 'Singpass மூலம் உள்நுழைக' },
  corppass: { en: 'Log in with Corppass', ms: 'Log masuk dengan Corppass', zh: '使用 Corppass 登录', ta: 'Corppass மூலம் உள்நுழைக' },
};

/** The provider's name alone (Singpass, Corppass, or the configured label), e.g. for "Link Singpass to this account". */
export const providerName = (p: ExternalProviderConfig, lang: Lang) => (p.kind === 'singpass' ? 'Singpass' : p.kind === 'corppass' ? 'Corppass' : providerLabel(p, lang));

export const providerLabel = (p: ExternalProviderConfig, lang: Lang) => localize((p.label ?? DEFAULT_LABELS[p.kind] ?? { en: p.id }) as Record<string, string>, lang);

/** Singpass/Corppass subject: "s=S1234567D,u=<uuid>[,c=SG]" */
function parseNdiSubject(sub: string): { nric: string | null; uuid: string | null } {
  const parts = Object.fromEntries(sub.split(',').map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()]; }));
  return { nric: parts.s ? normaliseId(parts.s) : null, uuid: parts.u ?? null };
}

const CONTENT_ENCRYPTION = ['A256CBC-HS512', 'A256GCM', 'A192CBC-HS384', 'A128CBC-HS256', 'A128GCM'];

export class ExternalProviders {
  private servers = new Map<string, { server: oidc.ServerMetadata; at: number }>();
  /** seconds the relying party's clock is ahead of the providers' (tests set it to see expired tokens refused) */
  clockSkew = 0;

  constructor(private readonly ctx: AppContext, private readonly idp: IdentityProvider) {}

  get list(): ExternalProviderConfig[] { return this.ctx.config.oidcProviders; }
  find(id: string): ExternalProviderConfig | undefined { return this.list.find((p) => p.id === id); }
  redirectUri(p: ExternalProviderConfig) { return `${this.ctx.config.baseUrl}/auth/${p.id}/callback`; }

  private async clientAuth(p: ExternalProviderConfig): Promise<oidc.ClientAuth> {
    if (p.clientAuth === 'client_secret_basic') return oidc.ClientSecretBasic(p.clientSecret!);
    await this.idp.get();
    const sig = this.idp.keys.find((k) => k.owner === 'rp' && k.use === 'sig' && k.state === 'active');
    if (!sig) throw new Error('no relying-party signing key');
    const key = await importJWK(sig.privateJwk, 'ES256') as CryptoKey;
    return oidc.PrivateKeyJwt({ key, kid: sig.kid }, { [oidc.modifyAssertion]: (header: Record<string, unknown>) => { header.typ = 'JWT'; } });
  }

  /** The provider's metadata (discovery, cached 10 minutes) and a client configuration. */
  async configuration(p: ExternalProviderConfig): Promise<oidc.Configuration> {
    const insecure = p.issuer.startsWith('http:');
    const auth = await this.clientAuth(p);
    let cached = this.servers.get(p.id);
    if (!cached || Date.now() - cached.at > 10 * 60_000) {
      const discovered = await oidc.discovery(new URL(p.issuer), p.clientId, undefined, auth, { execute: insecure ? [oidc.allowInsecureRequests] : [], timeout: 10 });
      cached = { server: discovered.serverMetadata(), at: Date.now() };
      this.servers.set(p.id, cached);
    }
    const server = cached.server;
    const es256 = (server.id_token_signing_alg_values_supported ?? []).includes('ES256');
    const config = new oidc.Configuration(server, p.clientId, { ...(es256 ? { id_token_signed_response_alg: 'ES256' } : {}), [oidc.clockSkew]: this.clockSkew } as Partial<oidc.ClientMetadata>, auth);
    if (insecure) oidc.allowInsecureRequests(config);
    oidc.enableNonRepudiationChecks(config);
    const encKeys = this.idp.keys.filter((k) => k.owner === 'rp' && k.use === 'enc');
    if (encKeys.length) {
      const keys = await Promise.all(encKeys.map(async (k) => ({ key: await importJWK(k.privateJwk, k.alg) as CryptoKey, alg: k.alg, kid: k.kid })));
      oidc.enableDecryptingResponses(config, CONTENT_ENCRYPTION, ...keys);
    }
    return config;
  }

  private usesDpop(config: oidc.Configuration) { return (config.serverMetadata().dpop_signing_alg_values_supported ?? []).length > 0; }

  /** Send the person to the provider: with PAR and a DPoP key when it offers them. */
  async start(request: FastifyRequest, reply: FastifyReply, p: ExternalProviderConfig, o: { interactionUid?: string | null; purpose: AuthPurpose; accountId?: string | null; next?: string | null }): Promise<string> {
    const config = await this.configuration(p);
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    let dpopJwk: JWK | undefined;
    let dpop: oidc.DPoPHandle | undefined;
    if (this.usesDpop(config)) {
      const pair = await oidc.randomDPoPKeyPair('ES256', { extractable: true });
      dpopJwk = await exportJWK(pair.privateKey);
      dpop = oidc.getDPoPHandle(config, pair);
    }
    const state = await createAuthRequest(this.ctx, request, reply, {
      provider: p.id, secrets: { nonce, verifier, ...(dpopJwk ? { dpopJwk: dpopJwk as Record<string, unknown> } : {}) },
      interactionUid: o.interactionUid ?? null, purpose: o.purpose, accountId: o.accountId ?? null, next: o.next ?? null,
    });
    const params = {
      redirect_uri: this.redirectUri(p), scope: p.scope, response_type: 'code', state, nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    };
    const url = config.serverMetadata().pushed_authorization_request_endpoint
      ? await oidc.buildAuthorizationUrlWithPAR(config, params, dpop ? { DPoP: dpop } : undefined)
      : oidc.buildAuthorizationUrl(config, params);
    return url.href;
  }

  /** The provider's answer: state (this browser, once, in time), code exchange (PKCE, DPoP), ID token (decrypted, signature, nonce). */
  async finish(request: FastifyRequest, p: ExternalProviderConfig): Promise<ExternalFinish> {
    const query = request.query as Record<string, string | undefined>;
    const taken = await takeAuthRequest(this.ctx, request, query.state, p.id);
    if (!taken.ok) return { ok: false, failure: { kind: 'state', problem: taken.problem } };
    if (query.error) return { ok: false, failure: { kind: 'denied', error: query.error } };
    let claims: oidc.IDToken;
    try {
      const config = await this.configuration(p);
      let dpop: oidc.DPoPHandle | undefined;
      const jwk = taken.request.secrets.dpopJwk as JWK | undefined;
      if (jwk) {
        const { d: _d, ...pub } = jwk;
        const privateKey = await importJWK(jwk, 'ES256') as CryptoKey;
        const publicKey = await importJWK({ ...pub, key_ops: undefined } as JWK, 'ES256', { extractable: true }) as CryptoKey;
        dpop = oidc.getDPoPHandle(config, { privateKey, publicKey });
      }
      const tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, this.ctx.config.baseUrl), {
        pkceCodeVerifier: taken.request.secrets.verifier, expectedState: query.state, expectedNonce: taken.request.secrets.nonce, idTokenExpected: true,
      }, undefined, dpop ? { DPoP: dpop } : undefined);
      claims = tokens.claims()!;
    } catch (e) {
      this.ctx.log.warn({ provider: p.id, err: { code: (e as any).code, error: (e as any).error, message: (e as Error).message } }, 'external sign-in refused');
      return { ok: false, failure: classifyTokenError(e) };
    }
    const identity = this.readClaims(p, claims);
    if ('message' in identity) return { ok: false, failure: { kind: 'claims', message: identity.message } };
    return { ok: true, identity, request: taken.request };
  }

  /** Turn the provider's claims into an identity, checking NRIC and UEN check characters. */
  readClaims(p: ExternalProviderConfig, c: oidc.IDToken): ExternalIdentity | { message: string } {
    const base = { provider: p.id, kind: p.kind, amr: Array.isArray(c.amr) ? (c.amr as string[]) : [], uen: null, entityName: null, accountType: null, nric: null, email: null, emailVerified: false, name: null };
    if (p.kind === 'singpass' || p.kind === 'corppass') {
      const { nric, uuid } = parseNdiSubject(String(c.sub));
      if (!nric || !isValidNric(nric)) return { message: 'identity.external.noNric' };
      const subject = uuid ?? nric;
      if (p.kind === 'singpass') return { ...base, subject, nric };
      const entity = (c.entityInfo ?? c.EntityInfo ?? {}) as Record<string, string>;
      const user = (c.userInfo ?? {}) as Record<string, string>;
      const uen = entity.CPEntID ? normaliseId(entity.CPEntID) : '';
      if (!uen || (entity.CPEnt_TYPE && entity.CPEnt_TYPE !== 'UEN') || !isValidUen(uen)) return { message: 'identity.external.noUen' };
      return { ...base, subject, nric, uen, entityName: entity.CPEnt_Name || entity.CPNonUEN_Name || null, accountType: user.CPAccType ?? null, name: user.CPUID_FullName || null };
    }
    const email = typeof c.email === 'string' ? c.email.toLowerCase() : null;
    return { ...base, subject: String(c.sub), email, emailVerified: c.email_verified === true, name: typeof c.name === 'string' ? c.name : null };
  }
}
