/** Field checks shared by the identity forms. */
import type { FieldError } from '../../platform/errors/index.ts';
import { normaliseEmail } from '../forms/index.ts';
import { passwordProblem } from './passwords.ts';

export function checkEmail(raw: unknown, errors: FieldError[], field = 'email'): string | null {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!s) { errors.push({ field, message: 'identity.errors.emailMissing' }); return null; }
  const e = normaliseEmail(s);
  if (!e) { errors.push({ field, message: 'identity.errors.emailInvalid' }); return null; }
  return e.toLowerCase();
}

export function checkNewPassword(raw: unknown, errors: FieldError[], email?: string | null, field = 'password'): string | null {
  const pw = typeof raw === 'string' ? raw : '';
  if (!pw) { errors.push({ field, message: 'identity.errors.passwordMissing' }); return null; }
  const problem = passwordProblem(pw, email ?? undefined);
  if (problem) { errors.push({ field, message: problem, params: { min: 8 } }); return null; }
  return pw;
}

export const emailIndex = (keys: { blindIndex(p: string, v: string): string }, email: string) => keys.blindIndex('email', email.toLowerCase());
