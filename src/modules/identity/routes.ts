/**
 * Sign up, email verification, sign in (through Civitas's own OpenID provider)
 * and out, password reset, account page, demo persona sign-in, and the
 * provider's endpoints mounted under /oidc.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../platform/context.ts';
import { can, formErrors, safeNext, type App } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { actingForOf, representationsOf } from './businesses.ts';
import type { Catalogue } from '../catalogue/index.ts';
import { registerInteractionRoutes } from './interactions.ts';
import { registerAgencyRoutes } from './routes-agency.ts';
import { registerBusinessRoutes } from './routes-business.ts';
import { registerSecurityRoutes } from './routes-security.ts';
import { OIDC_PREFIX } from './provider.ts';
import { findAccount, findAccountByPersona } from './repository.ts';
import { isResetTokenUsable, requestPasswordReset, resetPassword } from './reset-password.ts';
import { callbackErrorPage, type IdentityServices } from './services.ts';
import { endSession, startSession, type ActingFor } from './sessions.ts';
import { publicJwks } from './signing-keys.ts';
import { signUp } from './sign-up.ts';
import { isVerifyTokenUsable, verifyEmail } from './verify-email.ts';

type Body = Record<string, string | undefined>;
const V = (name: string) => `modules/identity/views/${name}.njk`;
const nextOf = (request: FastifyRequest) => {
  const q = (request.query as Body | undefined)?.next;
  const b = (request.body as Body | undefined)?.next;
  return safeNext(b ?? q, '');
};
const tokenOf = (v: unknown) => (typeof v === 'string' && /^[\w-]{20,100}$/.test(v) ? v : null);

export function registerIdentityRoutes(app: App, ctx: AppContext, s: IdentityServices, catalogue: Catalogue): void {
  const after = (next: string) => next || '/my-applications';

  // ---- the provider's endpoints: its own Koa app, handed the raw request and response ----
  void app.register(async (oidcApp) => {
    // the provider reads request bodies itself
    oidcApp.removeAllContentTypeParsers();
    oidcApp.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = (request: FastifyRequest, reply: FastifyReply) => s.idp.handle(request, reply);
    oidcApp.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'], url: `${OIDC_PREFIX}/*`, config: { access: 'public', csrf: 'none' }, handler });
    oidcApp.route({ method: ['GET', 'OPTIONS'], url: '/.well-known/openid-configuration', config: { access: 'public', csrf: 'none' }, handler });
  });

  /** The relying party's public keys (client assertions, ID token encryption): give this address to Singpass and Corppass. */
  app.get('/rp/jwks.json', { config: { access: 'public' } }, async (_request, reply) => {
    await s.idp.get();
    return reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(publicJwks(s.idp.keys, 'rp'));
  });

  registerInteractionRoutes(app, ctx, s);
  registerSecurityRoutes(app, ctx, s);
  registerBusinessRoutes(app, ctx);
  registerAgencyRoutes(app, ctx, catalogue);

  /** Where to go once signed in: the page asked for; a person who represents businesses first chooses who they act for. */
  async function landing(accountId: string, next: string, actingFor: ActingFor | null): Promise<string> {
    const account = (await findAccount(ctx.db, accountId))!;
    const reps = account.kind === 'citizen' ? await representationsOf(ctx.db, account.nric_hash) : [];
    if (reps.length && !actingFor) return `/acting-for${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    if (next) return next;
    return account.kind === 'officer' ? '/officer' : '/my-applications';
  }

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    if (request.principal) return reply.redirect(after(nextOf(request)));
    return reply.redirect(await s.web.start(request, reply, { next: nextOf(request) || null }), 303);
  });

  app.get('/sign-in/callback', { config: { access: 'public' } }, async (request, reply) => {
    const result = await s.web.finish(request);
    if (!result.ok) return callbackErrorPage(request, reply, result.failure);
    const account = await findAccount(ctx.db, result.accountId);
    if (!account || account.status !== 'active') return callbackErrorPage(request, reply, { kind: 'token', code: 'id_token_invalid', detail: 'inactive' });
    let actingFor: ActingFor | null = null;
    if (result.request.actingFor) {
      const rep = (await representationsOf(ctx.db, account.nric_hash)).find((r) => r.uen === result.request.actingFor);
      if (rep) actingFor = actingForOf(rep);
    }
    await startSession(ctx, request, reply, account.id, result.amr, actingFor);
    await appendAudit(ctx.db, {
      stream: `account:${account.id}`, action: 'identity.signed_in', actorType: account.kind, actorId: account.id, onBehalfOf: actingFor?.uen, agencyId: account.agency_id,
      subjectType: 'account', subjectId: account.id, requestId: request.id, data: { method: result.amr, acr: result.acr },
    });
    return reply.redirect(await landing(account.id, safeNext(result.request.next, ''), actingFor), 303);
  });

  app.get('/sign-up', { config: { access: 'public' } }, async (request, reply) =>
    reply.page(V('sign-up'), { title: request.t('identity.signUp.title'), next: nextOf(request) }));

  app.post('/sign-up', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const next = nextOf(request);
    const result = await signUp(ctx, { name: body.name, email: body.email, password: body.password, lang: request.lang, next: next || null, requestId: request.id });
    if (result.errors.length) {
      return reply.page(V('sign-up'), { title: request.t('identity.signUp.title'), next, name: body.name, email: body.email, ...formErrors(request, result.errors) }, 422);
    }
    return reply.page(V('check-email'), { title: request.t('identity.checkEmail.title'), reason: 'signUp', email: result.email });
  });

  app.get('/verify-email', { config: { access: 'public' } }, async (request, reply) => {
    const token = tokenOf((request.query as Body).token);
    if (!token || !(await isVerifyTokenUsable(ctx, token))) return reply.page(V('link-expired'), { title: request.t('identity.linkExpired.title'), kind: 'verify' }, 410);
    return reply.page(V('verify-email'), { title: request.t('identity.verify.title'), token });
  });

  app.post('/verify-email', { config: { access: 'public' } }, async (request, reply) => {
    const token = tokenOf((request.body as Body).token);
    const result = token ? await verifyEmail(ctx, token, request.id) : null;
    if (!result) return reply.page(V('link-expired'), { title: request.t('identity.linkExpired.title'), kind: 'verify' }, 410);
    // the link proved the address: sign in through the provider without asking for the password again
    return reply.redirect(await s.web.start(request, reply, { next: safeNext(result.next, '') || null, preauth: { accountId: result.accountId, amr: ['email'] } }), 303);
  });

  app.get('/forgot-password', { config: { access: 'public' } }, async (request, reply) =>
    reply.page(V('forgot-password'), { title: request.t('identity.forgot.title') }));

  app.post('/forgot-password', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const result = await requestPasswordReset(ctx, { email: body.email, lang: request.lang, requestId: request.id });
    if (result.errors.length) return reply.page(V('forgot-password'), { title: request.t('identity.forgot.title'), email: body.email, ...formErrors(request, result.errors) }, 422);
    return reply.page(V('check-email'), { title: request.t('identity.checkEmail.title'), reason: 'reset' });
  });

  app.get('/reset-password', { config: { access: 'public' } }, async (request, reply) => {
    const token = tokenOf((request.query as Body).token);
    if (!token || !(await isResetTokenUsable(ctx, token))) return reply.page(V('link-expired'), { title: request.t('identity.linkExpired.title'), kind: 'reset' }, 410);
    return reply.page(V('reset-password'), { title: request.t('identity.reset.title'), token });
  });

  app.post('/reset-password', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const token = tokenOf(body.token);
    if (!token) throw new AppError('bad_request', 'identity.errors.linkInvalid');
    const result = await resetPassword(ctx, { token, password: body.password, requestId: request.id });
    if (result.expired) return reply.page(V('link-expired'), { title: request.t('identity.linkExpired.title'), kind: 'reset' }, 410);
    if (result.errors.length || !result.accountId) return reply.page(V('reset-password'), { title: request.t('identity.reset.title'), token, ...formErrors(request, result.errors) }, 422);
    // a second factor, if the account has one, is still asked for
    return reply.redirect(await s.web.start(request, reply, { next: '/account?reset=1', preauth: { accountId: result.accountId, amr: ['email'] } }), 303);
  });

  app.get('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
    const who = request.principal;
    await endSession(ctx, request, reply);
    await s.idp.endBrowserSession(request, reply);
    if (who) await appendAudit(ctx.db, { stream: `account:${who.id}`, action: 'identity.signed_out', actorType: who.kind, actorId: who.id, subjectType: 'account', subjectId: who.id, requestId: request.id });
    return reply.page(V('signed-out'), { title: request.t('identity.signedOut.title') });
  });

  app.get('/account', { config: { access: 'signedIn' } }, async (request, reply) => {
    const account = await findAccount(ctx.db, request.principal!.id);
    const reps = await representationsOf(ctx.db, account?.nric_hash ?? null);
    return reply.page(V('account'), {
      title: request.t('identity.account.title'), resetDone: (request.query as Body).reset === '1', representsBusinesses: reps.length > 0,
      manageRepresentatives: can(request.principal, 'business.manage-representatives'), hasPassword: !!account?.password_hash && !!account.email_enc,
    });
  });

  app.get('/api/v1/whoami', {
    config: { access: 'apiClient' },
    schema: {
      summary: 'The calling agency system', tags: ['identity'], security: [{ apiKey: [] }],
      description: 'Check an API key: answers with the agency it belongs to and its scopes.',
      response: { 200: Type.Object({ agency: Type.String(), scopes: Type.Array(Type.String()), key_id: Type.String() }) },
    },
  }, async (request) => ({ agency: request.apiClient!.agencyId, scopes: request.apiClient!.scopes, key_id: request.apiClient!.keyId }));

  if (ctx.config.demo) {
    app.post('/demo/sign-in', { config: { access: 'public' } }, async (request, reply) => {
      const body = (request.body ?? {}) as Body;
      const account = typeof body.persona === 'string' ? await findAccountByPersona(ctx.db, body.persona) : undefined;
      if (!account) throw new AppError('not_found', 'identity.errors.unknownPersona');
      // through the provider like every sign-in; its page completes it without asking (demo mode only)
      return reply.redirect(await s.web.start(request, reply, { next: nextOf(request) || null, preauth: { accountId: account.id, amr: ['demo'] } }), 303);
    });
  }
}
