/**
 * The web app as a relying party of Civitas's own OpenID provider: /sign-in
 * sends an authorization request (PKCE S256, state, nonce, prompt=login),
 * /sign-in/callback exchanges the code and checks the signed ID token
 * (issuer, audience, nonce, expiry, signature), then the session starts.
 * The token request goes through app.inject: the provider is in this process.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { AppContext } from '../../platform/context.ts';
import type { App } from '../../platform/http/index.ts';
import { createAuthRequest, takeAuthRequest, type AuthRequest, type AuthRequestProblem } from './auth-requests.ts';
import { WEB_CLIENT_ID, type IdentityProvider } from './provider.ts';

export const WEB_PROVIDER = 'civitas';

/** fetch() over app.inject: the same HTTP exchange, without a socket. */
export function injectFetch(app: App): oidc.CustomFetch {
  return async (url, options) => {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit).forEach((v, k) => { headers[k] = v; });
    const res = await app.inject({ method: options.method as any, url: u.pathname + u.search, headers, payload: options.body === undefined || options.body === null ? undefined : String(options.body) });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) for (const one of ([] as unknown[]).concat(v)) if (one !== undefined) out.append(k, String(one));
    return new Response([101, 204, 205, 304].includes(res.statusCode) ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers: out });
  };
}

export type CallbackFailure =
  | { kind: 'state'; problem: AuthRequestProblem }
  | { kind: 'denied'; error: string }
  | { kind: 'token'; code: 'code_rejected' | 'id_token_expired' | 'nonce_mismatch' | 'id_token_invalid' | 'failed'; detail: string };

export type CallbackResult = { ok: true; accountId: string; amr: string[]; acr: string | null; request: AuthRequest } | { ok: false; failure: CallbackFailure };

/** What an openid-client error means, for a clear message (never the raw error). */
export function classifyTokenError(e: unknown): Extract<CallbackFailure, { kind: 'token' }> {
  const err = e as { code?: string; error?: string; message?: string; cause?: { message?: string; cause?: { claim?: string } } };
  // openid-client wraps oauth4webapi's error: the precise reason is in the cause
  const message = `${err.message ?? ''} ${err.cause?.message ?? ''}`;
  const claim = err.cause?.cause?.claim ?? '';
  const detail = `${err.code ?? ''} ${err.error ?? ''} ${message}`.trim();
  if (err.error === 'invalid_grant') return { kind: 'token', code: 'code_rejected', detail };
  if (err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' && (claim === 'exp' || /"exp"/.test(message))) return { kind: 'token', code: 'id_token_expired', detail };
  if (err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && (claim === 'nonce' || /"nonce"/.test(message))) return { kind: 'token', code: 'nonce_mismatch', detail };
  if (/^OAUTH_(JWT|JWS|JWE|INVALID_RESPONSE|CLAIM|KEY_SELECTION)/.test(err.code ?? '') || /signature/i.test(message)) return { kind: 'token', code: 'id_token_invalid', detail };
  return { kind: 'token', code: 'failed', detail };
}

export class WebClient {
  private server: oidc.ServerMetadata | undefined;
  /** seconds the relying party's clock is ahead of the provider's (tests set it to see expired tokens refused) */
  clockSkew = 0;

  constructor(private readonly ctx: AppContext, private readonly app: App, private readonly idp: IdentityProvider) {}

  private get insecure() { return this.ctx.config.baseUrl.startsWith('http:'); }
  get redirectUri() { return `${this.ctx.config.baseUrl}/sign-in/callback`; }

  /** A client configuration (the server metadata is discovered once). */
  private async configuration(): Promise<oidc.Configuration> {
    const fetcher = injectFetch(this.app);
    if (!this.server) {
      const discovered = await oidc.discovery(new URL(this.idp.issuer), WEB_CLIENT_ID, undefined, oidc.ClientSecretBasic(this.idp.webClientSecret), {
        [oidc.customFetch]: fetcher, execute: this.insecure ? [oidc.allowInsecureRequests] : [],
      });
      this.server = discovered.serverMetadata();
    }
    const config = new oidc.Configuration(this.server, WEB_CLIENT_ID, { id_token_signed_response_alg: 'ES256', [oidc.clockSkew]: this.clockSkew } as Partial<oidc.ClientMetadata>, oidc.ClientSecretBasic(this.idp.webClientSecret));
    config[oidc.customFetch] = fetcher;
    if (this.insecure) oidc.allowInsecureRequests(config);
    // the provider's keys are fetched for each sign-in (in-process, cheap): a rotation is seen at once
    oidc.enableNonRepudiationChecks(config);
    return config;
  }

  /**
   * Start signing in: the authorization request, remembered for this browser.
   * `preauth`: the person already proved who they are (an email link, a demo
   * persona); the provider's sign-in page completes it without asking again.
   */
  async start(request: FastifyRequest, reply: FastifyReply, o: { next?: string | null; preauth?: { accountId: string; amr: string[] } }): Promise<string> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = await createAuthRequest(this.ctx, request, reply, {
      provider: WEB_PROVIDER, secrets: { nonce, verifier }, next: o.next ?? null,
      purpose: o.preauth ? 'preauth' : 'sign-in', accountId: o.preauth?.accountId ?? null, amr: o.preauth?.amr,
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri, scope: 'openid email profile', response_type: 'code', prompt: 'login',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
      ui_locales: request.lang,
    });
    return url.pathname + url.search;
  }

  /** The authorization response: check it, exchange the code, check the ID token. */
  async finish(request: FastifyRequest): Promise<CallbackResult> {
    const query = request.query as Record<string, string | undefined>;
    const taken = await takeAuthRequest(this.ctx, request, query.state, WEB_PROVIDER);
    if (!taken.ok) return { ok: false, failure: { kind: 'state', problem: taken.problem } };
    if (query.error) return { ok: false, failure: { kind: 'denied', error: query.error } };
    const config = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, this.ctx.config.baseUrl), {
        pkceCodeVerifier: taken.request.secrets.verifier, expectedState: query.state, expectedNonce: taken.request.secrets.nonce, idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      return { ok: true, accountId: claims.sub, amr: (claims.amr as string[] | undefined) ?? [], acr: (claims.acr as string | undefined) ?? null, request: taken.request };
    } catch (e) {
      this.ctx.log.warn({ err: { code: (e as any).code, error: (e as any).error, message: (e as Error).message } }, 'sign-in callback refused');
      return { ok: false, failure: classifyTokenError(e) };
    }
  }
}
