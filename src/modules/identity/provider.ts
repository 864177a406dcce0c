/**
 * Civitas's own OpenID provider (oidc-provider 8). Issuer: CIVITAS_BASE_URL;
 * discovery at /.well-known/openid-configuration, endpoints under /oidc/.
 * Authorization code flow with PKCE (S256) only, signed ID tokens (ES256 or
 * RS256), PAR and DPoP available (required per client), client credentials for
 * agency systems. Its state lives in the database (provider-adapter.ts), its keys
 * too (signing-keys.ts); its sign-in pages are Civitas pages (interactions.ts).
 *
 * The web app is a client of this provider like any other ("civitas-web", see
 * web-client.ts); it calls the token endpoint in-process (app.inject), the same
 * HTTP exchange without a socket.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../platform/context.ts';
import { platformSecret, safeEqual, sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import type { OidcClientConfig } from '../../platform/config/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { API_SCOPES } from './api-keys.ts';
import { databaseAdapter } from './provider-adapter.ts';
import { findAccount } from './repository.ts';
import { keysVersion, loadKeys, promoteDueKeys, type StoredKey } from './signing-keys.ts';

export const WEB_CLIENT_ID = 'civitas-web';
export const OIDC_PREFIX = '/oidc';
export const ACR_SINGLE = 'urn:civitas:loa:1';
export const ACR_MULTI = 'urn:civitas:loa:2';
/** amr values that count as a second factor (RFC 8176) */
export const MFA_AMR = new Set(['otp', 'hwk', 'swk', 'mfa', 'sc', 'fpt', 'face', 'pin']);
export const isMultiFactor = (amr: string[]) => amr.some((m) => MFA_AMR.has(m)) || amr.includes('demo');

export const TTL = { AccessToken: 600, ClientCredentials: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 1800, Session: 600, Grant: 12 * 3600 };

export interface ProviderOptions {
  /** require PAR from every client (tests of the FAPI pieces) */
  requirePar?: boolean;
}

const toClientMetadata = (c: OidcClientConfig) => {
  const { first_party: firstParty, client_secret: secret, ...rest } = c as OidcClientConfig & { client_secret?: string };
  return {
    grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'ES256',
    ...rest,
    ...(typeof secret === 'string' ? { client_secret: sha256(secret) } : {}),
    'urn:civitas:first-party': firstParty === true,
  };
};

export class IdentityProvider {
  private provider: Provider | undefined;
  private handler: ((req: any, res: any) => Promise<void>) | undefined;
  private version = '';
  private checkedAt = 0;
  private building: Promise<Provider> | undefined;
  keys: StoredKey[] = [];
  /** the web client's secret (only its hash is given to the provider) */
  webClientSecret = '';
  private cookieKey = '';
  readonly issuer: string;

  constructor(private readonly ctx: AppContext, private readonly opts: ProviderOptions = {}) {
    this.issuer = ctx.config.baseUrl;
  }

  async init(): Promise<void> {
    this.webClientSecret = (await platformSecret(this.ctx.db, 'oidc-web-client')).toString('base64url');
    this.cookieKey = (await platformSecret(this.ctx.db, 'oidc-cookies')).toString('base64url');
    await this.get(true);
  }

  /** The provider, rebuilt when another process (or `civitas keys rotate`) changed the keys. */
  async get(force = false): Promise<Provider> {
    const now = Date.now();
    if (this.provider && !force && now - this.checkedAt < 30_000) return this.provider;
    this.checkedAt = now;
    await promoteDueKeys(this.ctx.db);
    const version = await keysVersion(this.ctx.db);
    if (this.provider && version === this.version) return this.provider;
    this.building ??= (async () => {
      try {
        this.keys = await loadKeys(this.ctx.db, this.ctx.keys);
        this.provider = this.build();
        this.handler = this.provider.callback() as any;
        this.version = version;
        return this.provider;
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }

  private build(): Provider {
    const { ctx } = this;
    const base = ctx.config.baseUrl;
    const opKeys = this.keys.filter((k) => k.owner === 'op' && k.use === 'sig').map((k) => k.privateJwk);
    const clients = [
      {
        client_id: WEB_CLIENT_ID, client_secret: sha256(this.webClientSecret), client_name: 'Civitas',
        redirect_uris: [`${base}/sign-in/callback`], grant_types: ['authorization_code'], response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256', scope: 'openid email profile',
        'urn:civitas:first-party': true,
      },
      ...ctx.config.oidcClients.map(toClientMetadata),
    ];
    const configuration: Configuration = {
      adapter: databaseAdapter(ctx.db) as any,
      clients: clients as any,
      jwks: { keys: opKeys as any },
      cookies: {
        keys: [this.cookieKey],
        long: { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies },
        short: { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies },
        names: { session: 'civitas_op_session', interaction: 'civitas_op_interaction', resume: 'civitas_op_resume' },
      },
      routes: {
        authorization: `${OIDC_PREFIX}/auth`, token: `${OIDC_PREFIX}/token`, jwks: `${OIDC_PREFIX}/jwks`, userinfo: `${OIDC_PREFIX}/me`,
        pushed_authorization_request: `${OIDC_PREFIX}/par`, introspection: `${OIDC_PREFIX}/token/introspection`, revocation: `${OIDC_PREFIX}/token/revocation`,
        end_session: `${OIDC_PREFIX}/session/end`, registration: `${OIDC_PREFIX}/reg`, code_verification: `${OIDC_PREFIX}/device`,
        device_authorization: `${OIDC_PREFIX}/device/auth`, backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
      },
      features: {
        devInteractions: { enabled: false },
        pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: this.opts.requirePar === true },
        dPoP: { enabled: true },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: { enabled: false },
        registration: { enabled: false },
      },
      pkce: { methods: ['S256'], required: () => true },
      responseTypes: ['code'],
      scopes: ['openid', 'email', 'profile', ...API_SCOPES],
      claims: { openid: ['sub', 'acr', 'amr', 'auth_time', 'sid'], email: ['email', 'email_verified'], profile: ['name', 'locale'] },
      conformIdTokenClaims: false,
      acrValues: [ACR_SINGLE, ACR_MULTI],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      enabledJWA: {
        idTokenSigningAlgValues: ['ES256', 'RS256', 'PS256'],
        clientAuthSigningAlgValues: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'],
        dPoPSigningAlgValues: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'],
        userinfoSigningAlgValues: ['ES256', 'RS256', 'PS256'],
        introspectionSigningAlgValues: ['ES256', 'RS256', 'PS256'],
        authorizationSigningAlgValues: ['ES256', 'RS256', 'PS256'],
        requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256'],
      },
      extraClientMetadata: { properties: ['urn:civitas:first-party', 'urn:civitas:agency'] },
      allowOmittingSingleRegisteredRedirectUri: false,
      clientBasedCORS: () => false,
      ttl: TTL,
      interactions: { url: (_c: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      findAccount: async (_c: KoaContextWithOIDC, id: string) => {
        const a = await findAccount(ctx.db, id);
        if (!a || a.status !== 'active') return undefined;
        const c = `account:${a.id}`;
        return {
          accountId: a.id,
          claims: async () => ({
            sub: a.id,
            email: a.email_enc ? ctx.keys.decrypt(a.email_enc, c) : undefined,
            email_verified: a.email_enc ? !!a.email_verified_at : undefined,
            name: a.display_name_enc ? ctx.keys.decrypt(a.display_name_enc, c) : undefined,
            locale: a.preferred_lang,
          }),
        };
      },
      // First-party clients (the web app) act for Civitas itself: no consent page, the grant is made here.
      loadExistingGrant: async (c: KoaContextWithOIDC) => {
        const grantId = c.oidc.result?.consent?.grantId || c.oidc.session!.grantIdFor(c.oidc.client!.clientId);
        if (grantId) return c.oidc.provider.Grant.find(grantId);
        if ((c.oidc.client as any)['urn:civitas:first-party'] && c.oidc.session?.accountId) {
          const grant = new c.oidc.provider.Grant({ clientId: c.oidc.client!.clientId, accountId: c.oidc.session.accountId });
          grant.addOIDCScope(c.oidc.client!.scope ?? 'openid');
          await grant.save();
          return grant;
        }
        return undefined;
      },
      renderError: async (c: KoaContextWithOIDC, out: { error?: string; error_description?: string }) => {
        const fastify = (c.req as any).civitas?.request as FastifyRequest | undefined;
        c.type = 'html';
        c.body = fastify
          ? fastify.renderPage('modules/identity/views/provider-error.njk', { title: fastify.t('identity.providerError.title'), error: String(out.error ?? 'server_error'), description: String(out.error_description ?? '') })
          : `<!doctype html><title>Sign-in error</title><p>${String(out.error ?? 'error').replace(/[^\w ]/g, '')}</p>`;
      },
    };
    const provider = new Provider(this.issuer, configuration);
    provider.proxy = true;
    // Client secrets are kept as SHA-256 hashes (like API keys): compare hashes, in constant time.
    (provider.Client.prototype as any).compareClientSecret = function (this: { clientSecret?: string }, actual: string) {
      return typeof actual === 'string' && typeof this.clientSecret === 'string' && safeEqual(sha256(actual), this.clientSecret);
    };
    provider.on('server_error', (_c: unknown, err: Error) => ctx.log.error({ err }, 'OpenID provider error'));
    provider.on('grant.success', (c: KoaContextWithOIDC) => void this.recordGrant(c));
    return provider;
  }

  /** Agency systems' token requests are audited per client, like API keys. */
  private async recordGrant(c: KoaContextWithOIDC): Promise<void> {
    const client = c.oidc.client as any;
    if (!client || client['urn:civitas:agency'] === undefined) return;
    try {
      await this.ctx.db.updateTable('oauth_clients').set({ last_used_at: nowIso() }).where('client_id', '=', client.clientId).execute();
      await appendAudit(this.ctx.db, {
        stream: `oauth-client:${client.clientId}`, action: 'api.token_issued', actorType: 'api', actorId: client.clientId, agencyId: client['urn:civitas:agency'],
        data: { grant: c.oidc.params?.grant_type, scope: c.oidc.params?.scope ?? null },
      });
    } catch (err) {
      this.ctx.log.error({ err }, 'could not audit a token grant');
    }
  }

  /** Signing out of Civitas also ends the provider's session in this browser. */
  async endBrowserSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = request.cookies.civitas_op_session;
    if (id && /^[\w-]{10,100}$/.test(id)) await this.ctx.db.deleteFrom('oidc_payloads').where('kind', '=', 'Session').where('id', '=', id).execute();
    for (const name of ['civitas_op_session', 'civitas_op_session.sig']) if (request.cookies[name]) reply.clearCookie(name, { path: '/' });
  }

  /** Hand a request to the provider (its own Koa app) as it came, under the public base URL. */
  async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.get();
    const base = new URL(this.ctx.config.baseUrl);
    const raw = request.raw as typeof request.raw & { civitas?: unknown };
    raw.headers.host = base.host;
    raw.headers['x-forwarded-host'] = base.host;
    raw.headers['x-forwarded-proto'] = base.protocol.replace(':', '');
    raw.civitas = { request, reply };
    reply.hijack();
    await this.handler!(raw, reply.raw);
  }
}
