/** Passwords: argon2id hashes, a length rule and a refusal of the most common choices. */
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 };
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 256;

const COMMON = new Set(['password', 'password1', 'password123', '12345678', '123456789', '1234567890', 'qwerty123', 'qwertyuiop', '11111111', 'iloveyou', 'abc12345', 'letmein1', 'welcome1', 'admin123', 'singapore', 'singapore1', 'passw0rd', '00000000', '87654321', 'football', 'baseball', 'sunshine', 'princess', 'password!']);

/** A message key if the password is not acceptable. */
export function passwordProblem(pw: string, email?: string): string | null {
  if (pw.length < MIN_PASSWORD) return 'identity.errors.passwordTooShort';
  if (pw.length > MAX_PASSWORD) return 'identity.errors.passwordTooLong';
  if (COMMON.has(pw.toLowerCase())) return 'identity.errors.passwordCommon';
  if (email && pw.toLowerCase() === email.toLowerCase()) return 'identity.errors.passwordIsEmail';
  return null;
}

export const hashPassword = (pw: string): Promise<string> => hash(pw, OPTIONS);

let dummy: Promise<string> | undefined;
/** Verify; with no hash (unknown account) spend the same time so that timing reveals nothing. */
export async function verifyPassword(stored: string | null | undefined, pw: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hash('civitas-timing-equaliser', OPTIONS);
    await verify(await dummy, pw).catch(() => false);
    return false;
  }
  return verify(stored, pw).catch(() => false);
}
