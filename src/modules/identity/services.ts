/** The identity module's long-lived parts, built once at start-up. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import type { App } from '../../platform/http/index.ts';
import { ExternalProviders } from './external-providers.ts';
import { IdentityProvider, type ProviderOptions } from './provider.ts';
import { ensureKeys } from './signing-keys.ts';
import { WebClient, type CallbackFailure } from './web-client.ts';

export interface IdentityServices {
  idp: IdentityProvider;
  external: ExternalProviders;
  /** set when the routes are registered (it calls the provider through the app) */
  web: WebClient;
}

export async function createIdentity(ctx: AppContext, opts: ProviderOptions = {}): Promise<Omit<IdentityServices, 'web'>> {
  await ensureKeys(ctx.db, ctx.keys);
  const idp = new IdentityProvider(ctx, opts);
  await idp.init();
  return { idp, external: new ExternalProviders(ctx, idp) };
}

export function attachWebClient(ctx: AppContext, app: App, s: Omit<IdentityServices, 'web'>): IdentityServices {
  return { ...s, web: new WebClient(ctx, app, s.idp) };
}

const FAILURE_KEYS: Record<string, string> = {
  unknown: 'identity.callback.stateUnknown', 'other-browser': 'identity.callback.otherBrowser', used: 'identity.callback.used', expired: 'identity.callback.expired',
  code_rejected: 'identity.callback.codeRejected', id_token_expired: 'identity.callback.idTokenExpired', nonce_mismatch: 'identity.callback.nonceMismatch',
  id_token_invalid: 'identity.callback.idTokenInvalid', failed: 'identity.callback.failed',
};

/** A sign-in response that cannot be accepted: say exactly why, and how to start again. */
export function callbackErrorPage(request: FastifyRequest, reply: FastifyReply, f: CallbackFailure | { kind: 'claims'; message: string }) {
  const messageKey = f.kind === 'state' ? FAILURE_KEYS[f.problem]! : f.kind === 'token' ? FAILURE_KEYS[f.code]! : f.kind === 'denied' ? 'identity.callback.denied' : f.message;
  const code = f.kind === 'state' ? f.problem : f.kind === 'token' ? f.code : f.kind === 'denied' ? 'access_denied' : 'claims';
  reply.header('x-civitas-sign-in-error', code);
  return reply.page('modules/identity/views/callback-error.njk', { title: request.t('identity.callback.title'), messageKey, error: f.kind === 'denied' ? f.error : '' }, 400);
}
