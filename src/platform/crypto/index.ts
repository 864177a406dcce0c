/** Small cryptographic helpers shared by every module. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { nowIso, type Db } from '../db/index.ts';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
export const hmac = (key: Buffer, data: string): string => createHmac('sha256', key).update(data).digest('base64url');
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** JSON with sorted keys: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * Platform secrets (HMAC keys for CSRF tokens, keyed hashes, ...) are generated
 * on first use and kept in the database, so that every process shares them.
 */
export async function platformSecret(db: Db, name: string): Promise<Buffer> {
  const existing = await db.selectFrom('platform_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return Buffer.from(existing.value as string, 'base64');
  await db.insertInto('platform_secrets').values({ name, value: randomBytes(32).toString('base64'), created_at: nowIso() })
    .onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('platform_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return Buffer.from(row.value as string, 'base64');
}
