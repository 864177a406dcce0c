/**
 * The provider's sign-in pages ("interactions"), as Civitas pages: email and
 * password, a passkey, Singpass / Corppass / other providers, then a second
 * factor when the account has one (authenticator app code, passkey, recovery
 * code), and for an officer without one, setting one up first. Third-party
 * clients also get a consent page. Everything works without JavaScript except
 * passkeys, which need the browser's WebAuthn API by nature.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { sha256 } from '../../platform/crypto/index.ts';
import { formErrors, hitRateLimit, isMultiFactor, type App } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { peekAuthRequest, setActingForOnRequest, storeExternalResult, takeExternalResult } from './auth-requests.ts';
import { DEMO_PERSONAS } from './demo-personas.ts';
import { providerLabel } from './external-providers.ts';
import { linkExternalIdentity, resolveExternalSignIn } from './external-sign-in.ts';
import { passkeyAuthenticationOptions, passkeyRegistrationOptions, registerPasskey, verifyPasskey } from './passkeys.ts';
import { ACR_MULTI, ACR_SINGLE, WEB_CLIENT_ID } from './provider.ts';
import { findAccount, findAccountByPersona } from './repository.ts';
import { beginTotp, confirmTotp, factorsOf, hasSecondFactor, limitSecondFactor, newRecoveryCodes, secondFactorFailed, useRecoveryCode, verifyTotp, type CodeCheck } from './second-factors.ts';
import { signIn } from './sign-in.ts';
import { callbackErrorPage, type IdentityServices } from './services.ts';
import { WEB_PROVIDER } from './web-client.ts';

type Body = Record<string, string | string[] | undefined>;
const V = (name: string) => `modules/identity/views/${name}.njk`;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Where the sign-in stands between steps: kept in the provider's interaction record (server side). */
interface Pending { accountId: string; amr: string[]; step: 'second-factor' | 'enrol' | 'enrolled' }

interface Details {
  uid: string;
  prompt: { name: string; details: Record<string, any> };
  params: Record<string, any>;
  session?: { accountId?: string; cookie?: string; uid?: string };
  grantId?: string;
  result?: { civitas?: Pending };
}

/**
 * A form on these pages may end, through redirects, at the client's redirect URI on another site
 * (a third-party relying party): browsers apply the page's CSP form-action to that whole chain,
 * so the client's origin is added to it (and only on these pages).
 */
function allowFormRedirectTo(reply: FastifyReply, redirectUri: unknown): void {
  let origin: string;
  try { origin = new URL(String(redirectUri)).origin; } catch { return; }
  const csp = reply.raw.getHeader('content-security-policy');
  if (typeof csp !== 'string' || origin === 'null' || !/^https?:\/\/[\w.:-]+$/.test(origin)) return;
  reply.raw.setHeader('content-security-policy', csp.replace(/form-action ([^;]*)/, (_m, v: string) => `form-action ${v} ${origin}`));
}

export function registerInteractionRoutes(app: App, ctx: AppContext, s: IdentityServices): void {
  const { idp, external } = s;

  async function load(request: FastifyRequest, reply: FastifyReply): Promise<Details | null> {
    const { uid } = request.params as { uid: string };
    try {
      const provider = await idp.get();
      const d = await provider.interactionDetails(request.raw, reply.raw) as unknown as Details;
      if (d.uid !== uid) return null;
      allowFormRedirectTo(reply, d.params.redirect_uri);
      return d;
    } catch {
      return null;
    }
  }
  const expired = (request: FastifyRequest, reply: FastifyReply) =>
    reply.page(V('interaction-expired'), { title: request.t('identity.interaction.expiredTitle') }, 410);

  async function savePending(request: FastifyRequest, reply: FastifyReply, pending: Pending): Promise<void> {
    await (await idp.get()).interactionResult(request.raw, reply.raw, { civitas: pending } as any, { mergeWithLastSubmission: false });
  }

  async function clientNameOf(d: Details): Promise<string | null> {
    if (d.params.client_id === WEB_CLIENT_ID) return null;
    const client = await (await idp.get()).Client.find(String(d.params.client_id));
    return (client?.clientName as string | undefined) ?? String(d.params.client_id);
  }

  /** The person is who they said: give the provider the answer, and go back to it. */
  async function finish(request: FastifyRequest, reply: FastifyReply, d: Details, accountId: string, amr: string[]) {
    const account = await findAccount(ctx.db, accountId);
    if (!account || account.status !== 'active') return expired(request, reply);
    const provider = await idp.get();
    if (d.session?.accountId && d.session.accountId !== accountId) {
      // someone else was signed in to the provider in this browser: their provider session ends here
      // (instead of the library's JavaScript-submitted "sign out first?" page)
      const interaction = await provider.Interaction.find(d.uid);
      if (interaction) {
        delete (interaction as { session?: unknown }).session;
        await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
      }
      if (d.session.cookie) await ctx.db.deleteFrom('oidc_payloads').where('kind', '=', 'Session').where('id', '=', d.session.cookie).execute();
    }
    const returnTo = await provider.interactionResult(request.raw, reply.raw, {
      login: { accountId, amr, acr: isMultiFactor(amr) ? ACR_MULTI : ACR_SINGLE, remember: false },
    } as any, { mergeWithLastSubmission: false });
    await appendAudit(ctx.db, { stream: `account:${accountId}`, action: 'identity.authenticated', actorType: account.kind, actorId: accountId, subjectType: 'account', subjectId: accountId, requestId: request.id, data: { amr, client: d.params.client_id } });
    return reply.redirect(returnTo, 303);
  }

  /** After the first factor: a second one if the account has one; an officer without one sets one up. */
  async function afterFirstFactor(request: FastifyRequest, reply: FastifyReply, d: Details, accountId: string, amr: string[]) {
    const account = await findAccount(ctx.db, accountId);
    if (!account || account.status !== 'active') return expired(request, reply);
    if (isMultiFactor(amr)) return finish(request, reply, d, accountId, amr);
    const factors = await factorsOf(ctx.db, accountId);
    if (hasSecondFactor(factors)) {
      await savePending(request, reply, { accountId, amr, step: 'second-factor' });
      return reply.redirect(`/interaction/${d.uid}/second-factor`, 303);
    }
    if (account.kind === 'officer') {
      await savePending(request, reply, { accountId, amr, step: 'enrol' });
      return reply.redirect(`/interaction/${d.uid}/enrol`, 303);
    }
    return finish(request, reply, d, accountId, amr);
  }

  // ---- the sign-in page ------------------------------------------------------

  async function signInPage(request: FastifyRequest, reply: FastifyReply, d: Details, extra: Record<string, unknown> = {}, status?: number) {
    const options = await passkeyAuthenticationOptions(ctx, `interaction:${d.uid}`);
    // someone creating an account from here is taken back where they were going once their email is confirmed
    const pre = d.params.client_id === WEB_CLIENT_ID ? await peekAuthRequest(ctx, request, d.params.state, WEB_PROVIDER) : undefined;
    return reply.page(V('sign-in'), {
      title: request.t('identity.signIn.title'), uid: d.uid, clientName: await clientNameOf(d),
      signUpHref: pre?.next ? `/sign-up?next=${encodeURIComponent(pre.next)}` : '/sign-up',
      passkeyOptions: JSON.stringify(options), webauthnScript: true,
      personProviders: external.list.filter((p) => p.audience !== 'officer').map((p) => ({ id: p.id, kind: p.kind, label: providerLabel(p, request.lang), href: `/interaction/${d.uid}/external/${p.id}` })),
      officerProviders: external.list.filter((p) => p.audience === 'officer').map((p) => ({ id: p.id, kind: p.kind, label: providerLabel(p, request.lang), href: `/interaction/${d.uid}/external/${p.id}` })),
      personas: ctx.config.demo ? DEMO_PERSONAS.map((p) => ({ id: p.id, name: p.name, description: typeof p.description === 'string' ? p.description : p.description[request.lang] ?? p.description.en })) : [],
      ...extra,
    }, status);
  }

  app.get('/interaction/:uid', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d) return expired(request, reply);
    if (d.prompt.name === 'consent') return consentPage(request, reply, d);
    const pending = d.result?.civitas;
    if (pending?.step === 'second-factor') return reply.redirect(`/interaction/${d.uid}/second-factor`);
    if (pending?.step === 'enrol') return reply.redirect(`/interaction/${d.uid}/enrol`);
    if (d.params.client_id === WEB_CLIENT_ID) {
      // the web app already knows who this is (an email link, a demo persona): no need to ask
      const pre = await peekAuthRequest(ctx, request, d.params.state, WEB_PROVIDER);
      if (pre?.purpose === 'preauth' && pre.accountId) {
        if (pre.amr?.includes('demo')) {
          const account = await findAccount(ctx.db, pre.accountId);
          if (ctx.config.demo && account?.demo_persona) return finish(request, reply, d, pre.accountId, ['demo']);
        } else {
          return afterFirstFactor(request, reply, d, pre.accountId, pre.amr ?? []);
        }
      }
    }
    return signInPage(request, reply, d);
  });

  app.post('/interaction/:uid/password', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d || d.prompt.name !== 'login') return expired(request, reply);
    const body = (request.body ?? {}) as Body;
    const pre = d.params.client_id === WEB_CLIENT_ID ? await peekAuthRequest(ctx, request, d.params.state, WEB_PROVIDER) : undefined;
    const result = await signIn(ctx, { email: body.email, password: body.password, ip: request.ip, lang: request.lang, next: pre?.next ?? null, requestId: request.id });
    if (result.ok) return afterFirstFactor(request, reply, d, result.accountId, ['pwd']);
    if (result.unverified) return reply.page(V('check-email'), { title: request.t('identity.checkEmail.title'), reason: 'unverified' });
    if (result.retryAfterSeconds) reply.header('retry-after', String(result.retryAfterSeconds));
    return signInPage(request, reply, d, { email: body.email, ...formErrors(request, result.errors) }, result.retryAfterSeconds ? 429 : 422);
  });

  app.post('/interaction/:uid/passkey', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d || d.prompt.name !== 'login') return expired(request, reply);
    const body = (request.body ?? {}) as Body;
    const pending = d.result?.civitas;
    if (pending?.step === 'second-factor') {
      const limit = await limitSecondFactor(ctx, pending.accountId);
      const r = limit.allowed ? await verifyPasskey(ctx, `interaction:${d.uid}`, body.credential, pending.accountId) : null;
      if (r?.ok) return finish(request, reply, d, pending.accountId, [...pending.amr, 'hwk']);
      if (r) await secondFactorFailed(ctx, pending.accountId);
      return secondFactorPage(request, reply, d, pending, { passkeyError: request.t(limit.allowed ? 'identity.passkey.failed' : 'identity.mfa.errors.locked', { minutes: Math.ceil(limit.retryAfterSeconds / 60) }) }, limit.allowed ? 422 : 429);
    }
    const limit = await hitRateLimit(ctx.db, `passkey:ip:${sha256(request.ip)}`, 30, 15 * 60_000, ctx.clock());
    const r = limit.allowed ? await verifyPasskey(ctx, `interaction:${d.uid}`, body.credential) : null;
    if (r?.ok) return finish(request, reply, d, r.accountId, ['hwk', 'mfa']);
    await appendAudit(ctx.db, { stream: `sign-in:passkey`, action: 'identity.sign_in_failed', actorType: 'anonymous', requestId: request.id, data: { method: 'passkey', reason: r && !r.ok ? r.reason : 'rate-limited' } });
    return signInPage(request, reply, d, { errors: [{ text: request.t('identity.passkey.failed'), href: '#passkey' }] }, limit.allowed ? 422 : 429);
  });

  // ---- second factor ---------------------------------------------------------

  async function secondFactorPage(request: FastifyRequest, reply: FastifyReply, d: Details, pending: Pending, extra: Record<string, unknown> = {}, status?: number) {
    const factors = await factorsOf(ctx.db, pending.accountId);
    const options = factors.passkeys ? JSON.stringify(await passkeyAuthenticationOptions(ctx, `interaction:${d.uid}`, pending.accountId)) : null;
    return reply.page(V('second-factor'), {
      title: request.t('identity.mfa.title'), uid: d.uid, factors, passkeyOptions: options, webauthnScript: !!options, ...extra,
    }, status);
  }

  const codeErrors = (request: FastifyRequest, field: string, r: Extract<CodeCheck, { ok: false }>, kind: 'totp' | 'recovery') => {
    const key = r.reason === 'locked' ? 'identity.mfa.errors.locked' : r.reason === 'format' ? `identity.mfa.errors.${kind}Format` : `identity.mfa.errors.${kind}Wrong`;
    return formErrors(request, [{ field, message: key, params: { minutes: Math.ceil((r.retryAfterSeconds ?? 0) / 60) } }]);
  };

  app.get('/interaction/:uid/second-factor', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'second-factor') return expired(request, reply);
    return secondFactorPage(request, reply, d, pending);
  });

  app.post('/interaction/:uid/totp', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'second-factor') return expired(request, reply);
    const r = await verifyTotp(ctx, pending.accountId, (request.body as Body).code, request.id);
    if (r.ok) return finish(request, reply, d, pending.accountId, [...pending.amr, 'otp']);
    if (r.retryAfterSeconds) reply.header('retry-after', String(r.retryAfterSeconds));
    return secondFactorPage(request, reply, d, pending, codeErrors(request, 'code', r, 'totp'), r.reason === 'locked' ? 429 : 422);
  });

  app.get('/interaction/:uid/recovery', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d || d.result?.civitas?.step !== 'second-factor') return expired(request, reply);
    return reply.page(V('recovery-code'), { title: request.t('identity.mfa.recoveryTitle'), uid: d.uid });
  });

  app.post('/interaction/:uid/recovery', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'second-factor') return expired(request, reply);
    const r = await useRecoveryCode(ctx, pending.accountId, (request.body as Body).code, request.id);
    if (r.ok) return finish(request, reply, d, pending.accountId, [...pending.amr, 'otp']);
    return reply.page(V('recovery-code'), { title: request.t('identity.mfa.recoveryTitle'), uid: d.uid, ...codeErrors(request, 'code', r, 'recovery') }, r.reason === 'locked' ? 429 : 422);
  });

  // ---- an officer's first sign-in: set up a second factor --------------------

  async function enrolPage(request: FastifyRequest, reply: FastifyReply, d: Details, pending: Pending, extra: Record<string, unknown> = {}, status?: number) {
    const totp = await beginTotp(ctx, pending.accountId);
    const options = await passkeyRegistrationOptions(ctx, pending.accountId, `interaction:${d.uid}`);
    return reply.page(V('enrol'), {
      title: request.t('identity.enrol.title'), uid: d.uid, totp, registrationOptions: JSON.stringify(options), webauthnScript: true,
      officer: (await findAccount(ctx.db, pending.accountId))?.kind === 'officer', ...extra,
    }, status);
  }

  async function enrolled(request: FastifyRequest, reply: FastifyReply, d: Details, pending: Pending, factor: string) {
    const account = (await findAccount(ctx.db, pending.accountId))!;
    const codes = await newRecoveryCodes(ctx, pending.accountId, { id: account.id, kind: account.kind }, request.id);
    await savePending(request, reply, { ...pending, amr: [...pending.amr, factor], step: 'enrolled' });
    return reply.page(V('recovery-codes'), { title: request.t('identity.recoveryCodes.title'), codes, action: `/interaction/${d.uid}/continue` });
  }

  app.get('/interaction/:uid/enrol', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'enrol') return expired(request, reply);
    return enrolPage(request, reply, d, pending);
  });

  app.post('/interaction/:uid/enrol/totp', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'enrol') return expired(request, reply);
    const r = await confirmTotp(ctx, pending.accountId, (request.body as Body).code, request.id);
    if (r.ok) return enrolled(request, reply, d, pending, 'otp');
    return enrolPage(request, reply, d, pending, codeErrors(request, 'code', r, 'totp'), r.reason === 'locked' ? 429 : 422);
  });

  app.post('/interaction/:uid/enrol/passkey', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'enrol') return expired(request, reply);
    const body = request.body as Body;
    const r = await registerPasskey(ctx, pending.accountId, `interaction:${d.uid}`, body.credential, str(body.name) || request.t('identity.passkey.defaultName'), request.id);
    if (r.ok) return enrolled(request, reply, d, pending, 'hwk');
    return enrolPage(request, reply, d, pending, { passkeyError: request.t('identity.passkey.registerFailed') }, 422);
  });

  app.post('/interaction/:uid/continue', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    const pending = d?.result?.civitas;
    if (!d || pending?.step !== 'enrolled') return expired(request, reply);
    return finish(request, reply, d, pending.accountId, pending.amr);
  });

  // ---- consent (clients other than Civitas itself) ----------------------------

  async function consentPage(request: FastifyRequest, reply: FastifyReply, d: Details) {
    const details = d.prompt.details;
    const scopes: string[] = [...(details.missingOIDCScope ?? []), ...Object.values((details.missingResourceScopes ?? {}) as Record<string, string[]>).flat()];
    return reply.page(V('consent'), { title: request.t('identity.consent.title', { client: await clientNameOf(d) ?? '' }), uid: d.uid, clientName: await clientNameOf(d), scopes: scopes.filter((x) => x !== 'openid') });
  }

  app.post('/interaction/:uid/consent', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d || d.prompt.name !== 'consent' || !d.session?.accountId) return expired(request, reply);
    const provider = await idp.get();
    const accountId = d.session.accountId;
    if ((request.body as Body).decision !== 'allow') {
      const returnTo = await provider.interactionResult(request.raw, reply.raw, { error: 'access_denied', error_description: 'The person did not allow it.' }, { mergeWithLastSubmission: false });
      return reply.redirect(returnTo, 303);
    }
    const grant = d.grantId ? (await provider.Grant.find(d.grantId))! : new provider.Grant({ accountId, clientId: String(d.params.client_id) });
    const details = d.prompt.details;
    if (details.missingOIDCScope) grant.addOIDCScope((details.missingOIDCScope as string[]).join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims as string[]);
    for (const [indicator, scopes] of Object.entries((details.missingResourceScopes ?? {}) as Record<string, string[]>)) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    const account = await findAccount(ctx.db, accountId);
    await appendAudit(ctx.db, { stream: `account:${accountId}`, action: 'identity.consent_given', actorType: account?.kind ?? 'citizen', actorId: accountId, subjectType: 'account', subjectId: accountId, requestId: request.id, data: { client: d.params.client_id, scope: details.missingOIDCScope ?? [] } });
    const returnTo = await provider.interactionResult(request.raw, reply.raw, { consent: d.grantId ? {} : { grantId } } as any, { mergeWithLastSubmission: true });
    return reply.redirect(returnTo, 303);
  });

  // ---- Singpass, Corppass and other providers ----------------------------------

  app.get('/interaction/:uid/external/:provider', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d || d.prompt.name !== 'login') return expired(request, reply);
    const p = external.find((request.params as { provider: string }).provider);
    if (!p) throw new AppError('not_found', 'identity.external.unknownProvider');
    try {
      return reply.redirect(await external.start(request, reply, p, { interactionUid: d.uid, purpose: 'sign-in' }), 303);
    } catch (err) {
      request.log.error({ err, provider: p.id }, 'could not reach an identity provider');
      return reply.page(V('callback-error'), { title: request.t('identity.callback.title'), messageKey: 'identity.external.unreachable', provider: providerLabel(p, request.lang) }, 503);
    }
  });

  app.get('/auth/:provider/callback', { config: { access: 'public' } }, async (request, reply) => {
    const p = external.find((request.params as { provider: string }).provider);
    if (!p) throw new AppError('not_found', 'identity.external.unknownProvider');
    const result = await external.finish(request, p);
    if (!result.ok) return callbackErrorPage(request, reply, result.failure);
    const { identity, request: started } = result;
    if (started.purpose === 'link') {
      if (!request.principal || request.principal.id !== started.accountId) return callbackErrorPage(request, reply, { kind: 'state', problem: 'other-browser' });
      const linked = await linkExternalIdentity(ctx, p, identity, started.accountId, request.id);
      if (!linked.ok) return callbackErrorPage(request, reply, { kind: 'claims', message: linked.message });
      return reply.redirect(`/account/security?linked=${encodeURIComponent(p.id)}`, 303);
    }
    const resolved = await resolveExternalSignIn(ctx, p, identity, request.id);
    if (!resolved.ok) return callbackErrorPage(request, reply, { kind: 'claims', message: resolved.message });
    // the provider's second factor counts for officers only when the operator says it may
    const amr = p.audience === 'officer' && !p.trustProviderMfa ? ['ext'] : [...new Set(['ext', ...identity.amr])];
    await storeExternalResult(ctx, (request.query as Body).state as string, { accountId: resolved.accountId, amr, actingFor: resolved.actingFor?.uen ?? null });
    return reply.redirect(`/interaction/${started.interactionUid}/external-result`, 303);
  });

  app.get('/interaction/:uid/external-result', { config: { access: 'public' } }, async (request, reply) => {
    const d = await load(request, reply);
    if (!d || d.prompt.name !== 'login') return expired(request, reply);
    const r = await takeExternalResult<{ accountId: string; amr: string[]; actingFor: string | null }>(ctx, request, d.uid);
    if (!r) return expired(request, reply);
    if (r.actingFor && d.params.client_id === WEB_CLIENT_ID && typeof d.params.state === 'string') await setActingForOnRequest(ctx.db, d.params.state, r.actingFor);
    // An officer still needs two factors (the directory's count only if the operator trusts them);
    // for people, Singpass, Corppass or their provider decided how strongly to check.
    const account = await findAccount(ctx.db, r.accountId);
    if (account?.kind === 'officer') return afterFirstFactor(request, reply, d, r.accountId, r.amr);
    return finish(request, reply, d, r.accountId, r.amr);
  });

  // ---- demo personas (demo mode only) ------------------------------------------

  if (ctx.config.demo) {
    app.post('/interaction/:uid/demo', { config: { access: 'public' } }, async (request, reply) => {
      const d = await load(request, reply);
      if (!d || d.prompt.name !== 'login') return expired(request, reply);
      const persona = str((request.body as Body).persona);
      const account = persona ? await findAccountByPersona(ctx.db, persona) : undefined;
      if (!account) throw new AppError('not_found', 'identity.errors.unknownPersona');
      return finish(request, reply, d, account.id, ['demo']);
    });
  }
}
