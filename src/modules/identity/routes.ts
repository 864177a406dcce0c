/** Sign up, email verification, sign in and out, password reset, account page, demo persona sign-in. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../platform/context.ts';
import { formErrors, safeNext, type App } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { DEMO_PERSONAS, type Persona } from './demo-personas.ts';
import { findAccountByPersona } from './repository.ts';
import { isResetTokenUsable, requestPasswordReset, resetPassword } from './reset-password.ts';
import { endSession, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
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

export function registerIdentityRoutes(app: App, ctx: AppContext): void {
  const after = (next: string) => next || '/my-applications';
  const personas = (lang: Parameters<typeof ctx.messages.t>[0]) => ctx.config.demo
    ? DEMO_PERSONAS.map((p: Persona) => ({ id: p.id, name: p.name, description: typeof p.description === 'string' ? p.description : p.description[lang] ?? p.description.en }))
    : [];

  const signInPage = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) =>
    reply.page(V('sign-in'), { title: request.t('identity.signIn.title'), next: nextOf(request), personas: personas(request.lang), ...extra }, status);

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    if (request.principal) return reply.redirect(after(nextOf(request)));
    return signInPage(request, reply);
  });

  app.post('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const next = nextOf(request);
    const result = await signIn(ctx, { email: body.email, password: body.password, ip: request.ip, lang: request.lang, next: next || null, requestId: request.id });
    if (result.ok) {
      await startSession(ctx, request, reply, result.accountId);
      return reply.redirect(after(next), 303);
    }
    if (result.unverified) return reply.page(V('check-email'), { title: request.t('identity.checkEmail.title'), reason: 'unverified' });
    if (result.retryAfterSeconds) reply.header('retry-after', String(result.retryAfterSeconds));
    return signInPage(request, reply, { email: body.email, ...formErrors(request, result.errors) }, result.retryAfterSeconds ? 429 : 422);
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
    await startSession(ctx, request, reply, result.accountId);
    return reply.redirect(after(safeNext(result.next, '')), 303);
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
    await startSession(ctx, request, reply, result.accountId);
    return reply.redirect('/account?reset=1', 303);
  });

  app.get('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
    const who = request.principal;
    await endSession(ctx, request, reply);
    if (who) await appendAudit(ctx.db, { stream: `account:${who.id}`, action: 'identity.signed_out', actorType: who.kind, actorId: who.id, subjectType: 'account', subjectId: who.id, requestId: request.id });
    return reply.page(V('signed-out'), { title: request.t('identity.signedOut.title') });
  });

  app.get('/account', { config: { access: 'signedIn' } }, async (request, reply) =>
    reply.page(V('account'), { title: request.t('identity.account.title'), resetDone: (request.query as Body).reset === '1' }));

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
      await startSession(ctx, request, reply, account.id);
      await appendAudit(ctx.db, { stream: `account:${account.id}`, action: 'identity.signed_in', actorType: account.kind, actorId: account.id, subjectType: 'account', subjectId: account.id, requestId: request.id, data: { method: 'demo-persona' } });
      return reply.redirect(after(nextOf(request)), 303);
    });
  }
}
