/**
 * The account's security page: second factors (authenticator app, passkeys,
 * recovery codes) and the sign-in methods linked to the account (password,
 * Singpass, Corppass, ...). Every change is audited. An officer cannot remove
 * their last second factor.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { formErrors, type App } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { providerLabel, providerName } from './external-providers.ts';
import { linkedMethods } from './external-sign-in.ts';
import { listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey } from './passkeys.ts';
import { findAccount } from './repository.ts';
import { beginTotp, confirmTotp, factorsOf, hasSecondFactor, newRecoveryCodes, removeTotp } from './second-factors.ts';
import type { IdentityServices } from './services.ts';

type Body = Record<string, string | undefined>;
const V = (name: string) => `modules/identity/views/${name}.njk`;

export function registerSecurityRoutes(app: App, ctx: AppContext, s: IdentityServices): void {
  const challengeKey = (request: FastifyRequest) => `session:${request.principal!.sessionId}`;
  const by = (request: FastifyRequest) => ({ id: request.principal!.id, kind: request.principal!.kind });

  async function securityPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) {
    const p = request.principal!;
    const account = (await findAccount(ctx.db, p.id))!;
    const factors = await factorsOf(ctx.db, p.id);
    const linked = await linkedMethods(ctx.db, p.id);
    const q = request.query as Body;
    return reply.page(V('security'), {
      title: request.t('identity.security.title'), factors, passkeys: await listPasskeys(ctx.db, p.id),
      registrationOptions: JSON.stringify(await passkeyRegistrationOptions(ctx, p.id, challengeKey(request))), webauthnScript: true,
      hasPassword: !!account.password_hash, officer: p.kind === 'officer',
      linkable: p.kind === 'citizen' ? s.external.list.filter((x) => x.audience !== 'officer' && !linked.includes(x.id)).map((x) => ({ id: x.id, label: providerName(x, request.lang) })) : [],
      linkedNames: s.external.list.filter((x) => linked.includes(x.id)).map((x) => providerName(x, request.lang)),
      flash: q.done ? `identity.security.done.${q.done.replace(/[^a-z-]/g, '')}` : q.linked ? 'identity.security.done.linked' : null,
      ...extra,
    }, status);
  }

  /** Recovery codes come with the first second factor; they are shown once. */
  async function afterFactorAdded(request: FastifyRequest, reply: FastifyReply, done: string) {
    const factors = await factorsOf(ctx.db, request.principal!.id);
    if (factors.recoveryCodesLeft === 0) {
      const codes = await newRecoveryCodes(ctx, request.principal!.id, by(request), request.id);
      return reply.page(V('recovery-codes'), { title: request.t('identity.recoveryCodes.title'), codes, action: `/account/security/continue?done=${done}` });
    }
    return reply.redirect(`/account/security?done=${done}`, 303);
  }

  app.get('/account/security', { config: { access: 'signedIn' } }, async (request, reply) => securityPage(request, reply));

  // after the recovery codes page (a form, so that the codes are not left in the history as a GET)
  app.post('/account/security/continue', { config: { access: 'signedIn' } }, async (request, reply) =>
    reply.redirect(`/account/security?done=${String((request.query as Body).done ?? '').replace(/[^a-z-]/g, '')}`, 303));

  app.get('/account/security/totp', { config: { access: 'signedIn' } }, async (request, reply) => {
    const totp = await beginTotp(ctx, request.principal!.id);
    return reply.page(V('enrol'), { title: request.t('identity.security.totpTitle'), totp, totpAction: '/account/security/totp', backHref: '/account/security' });
  });

  app.post('/account/security/totp', { config: { access: 'signedIn' } }, async (request, reply) => {
    const r = await confirmTotp(ctx, request.principal!.id, (request.body as Body).code, request.id);
    if (r.ok) return afterFactorAdded(request, reply, 'totp-added');
    const key = r.reason === 'locked' ? 'identity.mfa.errors.locked' : r.reason === 'format' ? 'identity.mfa.errors.totpFormat' : 'identity.mfa.errors.totpWrong';
    const totp = await beginTotp(ctx, request.principal!.id);
    return reply.page(V('enrol'), { title: request.t('identity.security.totpTitle'), totp, totpAction: '/account/security/totp', backHref: '/account/security', ...formErrors(request, [{ field: 'code', message: key, params: { minutes: Math.ceil((r.retryAfterSeconds ?? 0) / 60) } }]) }, r.reason === 'locked' ? 429 : 422);
  });

  /** An officer keeps at least one second factor. */
  async function assertNotLastFactor(request: FastifyRequest, removing: 'totp' | 'passkey') {
    if (request.principal!.kind !== 'officer') return;
    const f = await factorsOf(ctx.db, request.principal!.id);
    const left = (removing === 'totp' ? 0 : f.totp ? 1 : 0) + (removing === 'passkey' ? f.passkeys - 1 : f.passkeys);
    if (left < 1) throw new AppError('conflict', 'identity.security.lastFactor');
  }

  app.post('/account/security/totp/remove', { config: { access: 'signedIn' } }, async (request, reply) => {
    await assertNotLastFactor(request, 'totp');
    await removeTotp(ctx, request.principal!.id, by(request), request.id);
    return reply.redirect('/account/security?done=totp-removed', 303);
  });

  app.post('/account/security/passkeys', { config: { access: 'signedIn' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const name = (body.name ?? '').trim().slice(0, 60) || request.t('identity.passkey.defaultName');
    const r = await registerPasskey(ctx, request.principal!.id, challengeKey(request), body.credential, name, request.id);
    if (r.ok) return afterFactorAdded(request, reply, 'passkey-added');
    return securityPage(request, reply, { passkeyError: request.t('identity.passkey.registerFailed') }, 422);
  });

  app.post('/account/security/passkeys/:id/remove', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!(await listPasskeys(ctx.db, request.principal!.id)).some((c) => c.id === id)) throw new AppError('not_found', 'identity.security.noSuchPasskey');
    await assertNotLastFactor(request, 'passkey');
    await removePasskey(ctx, request.principal!.id, id, by(request), request.id);
    return reply.redirect('/account/security?done=passkey-removed', 303);
  });

  app.post('/account/security/recovery-codes', { config: { access: 'signedIn' } }, async (request, reply) => {
    if (!hasSecondFactor(await factorsOf(ctx.db, request.principal!.id))) throw new AppError('conflict', 'identity.security.noFactorYet');
    const codes = await newRecoveryCodes(ctx, request.principal!.id, by(request), request.id);
    return reply.page(V('recovery-codes'), { title: request.t('identity.recoveryCodes.title'), codes, action: '/account/security/continue?done=codes-renewed' });
  });

  app.get('/account/security/link/:provider', { config: { access: 'signedIn' } }, async (request, reply) => {
    const p = s.external.find((request.params as { provider: string }).provider);
    if (!p || p.audience === 'officer' || request.principal!.kind !== 'citizen') throw new AppError('not_found', 'identity.external.unknownProvider');
    try {
      return reply.redirect(await s.external.start(request, reply, p, { purpose: 'link', accountId: request.principal!.id }), 303);
    } catch (err) {
      request.log.error({ err, provider: p.id }, 'could not reach an identity provider');
      return reply.page(V('callback-error'), { title: request.t('identity.callback.title'), messageKey: 'identity.external.unreachable', provider: providerLabel(p, request.lang) }, 503);
    }
  });
}
