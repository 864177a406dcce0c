/**
 * Step-up authentication immediately before a signature: the person proves
 * again, in the same request that signs, that they are who the session says.
 *
 * Today's implementation re-checks the account's password through the
 * identity module. When identity offers TOTP and passkeys (issue-identity),
 * a StepUp for them replaces PasswordStepUp in main.ts (see docs/signatures.md):
 * the sign page renders whatever `fields` the step-up declares.
 */
import type { AppContext } from '../../platform/context.ts';
import type { Principal } from '../../platform/http/index.ts';
import { demoTotpCode, factorsOf, reverifyPassword, useRecoveryCode, verifyTotp } from '../identity/index.ts';

export interface StepUpField { name: string; type: 'password' | 'text'; label: string; hint?: string; autocomplete: string }

export type StepUpResult = { ok: true; method: string } | { ok: false; error: string };

export interface StepUp {
  /** recorded with the signature, e.g. 'password', 'totp', 'passkey' */
  readonly method: string;
  /** the inputs the sign page shows (labels are message keys) */
  readonly fields: StepUpField[];
  verify(principal: Principal, request: { body: Record<string, unknown>; requestId?: string }): Promise<StepUpResult>;
  /** demo mode: what to show so a made-up person can pass (e.g. today's authenticator code) */
  demoHint?(principal: Principal): Promise<string | null>;
}

/**
 * Step-up with the account's second factor: the code from its authenticator
 * app, or one of its recovery codes. An account without a second factor is
 * sent to set one up first.
 */
export class SecondFactorStepUp implements StepUp {
  readonly method = 'totp';
  readonly fields: StepUpField[] = [{ name: 'code', type: 'text', label: 'signatures.sign.code', hint: 'signatures.sign.codeHint', autocomplete: 'one-time-code' }];
  constructor(private readonly ctx: AppContext) {}

  async verify(principal: Principal, request: { body: Record<string, unknown>; requestId?: string }): Promise<StepUpResult> {
    const factors = await factorsOf(this.ctx.db, principal.id);
    if (!factors.totp && factors.recoveryCodesLeft === 0) return { ok: false, error: 'signatures.sign.errorNoFactor' };
    const code = typeof request.body.code === 'string' ? request.body.code.replace(/[\s-]/g, '') : '';
    if (!code) return { ok: false, error: 'signatures.sign.errorCodeMissing' };
    const isTotp = /^\d{6}$/.test(code);
    const r = isTotp ? await verifyTotp(this.ctx, principal.id, code, request.requestId) : await useRecoveryCode(this.ctx, principal.id, code, request.requestId);
    if (r.ok) return { ok: true, method: isTotp ? 'totp' : 'recovery-code' };
    if (r.reason === 'locked') return { ok: false, error: 'signatures.sign.errorTooMany' };
    return { ok: false, error: 'signatures.sign.errorCode' };
  }

  demoHint(principal: Principal): Promise<string | null> {
    return demoTotpCode(this.ctx, principal.id);
  }
}

export class PasswordStepUp implements StepUp {
  readonly method = 'password';
  readonly fields: StepUpField[] = [{ name: 'password', type: 'password', label: 'signatures.sign.password', hint: 'signatures.sign.passwordHint', autocomplete: 'current-password' }];
  constructor(private readonly ctx: AppContext) {}

  async verify(principal: Principal, request: { body: Record<string, unknown>; requestId?: string }): Promise<StepUpResult> {
    const r = await reverifyPassword(this.ctx, { accountId: principal.id, password: request.body.password, purpose: 'sign', requestId: request.requestId });
    if (r === 'ok') return { ok: true, method: this.method };
    if (r === 'no_password') return { ok: false, error: 'signatures.sign.errorNoPassword' };
    if (r === 'rate_limited') return { ok: false, error: 'signatures.sign.errorTooMany' };
    return { ok: false, error: 'signatures.sign.errorPassword' };
  }
}
