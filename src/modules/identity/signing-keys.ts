/**
 * The keys of Civitas's OpenID provider ("op": signs ID tokens, RS256 and ES256)
 * and of Civitas as a relying party ("rp": signs client assertions with ES256,
 * decrypts encrypted ID tokens with ECDH-ES). They live in the database with the
 * private half encrypted by the keyring, so every process uses the same keys.
 *
 * Rotation in two steps, so that every process (and every relying party that
 * caches the JWKS) knows a key before anything is signed with it: a new key is
 * first published as "next"; a minute later (longer than processes take to
 * reload) it becomes "active" and the key it replaces "retired", still
 * published (and, for decryption, usable) for a day, then deleted.
 * `civitas keys rotate` starts a rotation; a job rotates keys older than
 * CIVITAS_SIGNING_KEY_DAYS.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { inTransaction, nowIso, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import { appendAudit } from '../../platform/audit/index.ts';

export type KeyOwner = 'op' | 'rp';
interface KeySpec { owner: KeyOwner; use: 'sig' | 'enc'; alg: string }

/** What each owner holds: one active key per spec. */
export const KEY_SPECS: KeySpec[] = [
  { owner: 'op', use: 'sig', alg: 'ES256' },
  { owner: 'op', use: 'sig', alg: 'RS256' },
  { owner: 'rp', use: 'sig', alg: 'ES256' },
  { owner: 'rp', use: 'enc', alg: 'ECDH-ES+A256KW' },
];

/** A retired key stays published this long: longer than any ID token, access token or client assertion lives. */
export const RETIRED_KEY_KEEP_MS = 24 * 3600_000;
/** A new key is published this long before it signs: longer than a process takes to notice (30 seconds). */
export const NEXT_KEY_LEAD_MS = 60_000;

export interface StoredKey {
  kid: string; owner: KeyOwner; use: 'sig' | 'enc'; alg: string; state: 'next' | 'active' | 'retired';
  publicJwk: JWK; privateJwk: JWK; createdAt: string;
}

async function newKey(spec: KeySpec): Promise<{ publicJwk: JWK; privateJwk: JWK; kid: string }> {
  const genAlg = spec.alg === 'ECDH-ES+A256KW' ? 'ECDH-ES+A256KW' : spec.alg;
  const { publicKey, privateKey } = await generateKeyPair(genAlg, { extractable: true, ...(spec.alg.startsWith('ECDH') ? { crv: 'P-256' } : {}), ...(spec.alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const pub = await exportJWK(publicKey);
  const kid = `${spec.owner}-${spec.use}-${(await calculateJwkThumbprint(pub)).slice(0, 16)}`;
  const meta = { kid, use: spec.use, alg: spec.alg };
  return { kid, publicJwk: { ...pub, ...meta }, privateJwk: { ...(await exportJWK(privateKey)), ...meta } };
}

async function insertKey(db: Db, keys: KeyRing, spec: KeySpec, now: Date, state: 'active' | 'next' = 'active'): Promise<string> {
  const k = await newKey(spec);
  await db.insertInto('signing_keys').values({
    kid: k.kid, owner: spec.owner, use: spec.use, alg: spec.alg, public_jwk: JSON.stringify(k.publicJwk),
    private_jwk_enc: keys.encrypt(JSON.stringify(k.privateJwk), `signing-key:${k.kid}`), state, created_at: nowIso(now), retired_at: null, remove_after: null,
  }).execute();
  return k.kid;
}

/** Create any missing active key (first start). */
export async function ensureKeys(db: Db, keys: KeyRing, now = new Date()): Promise<number> {
  let created = 0;
  for (const spec of KEY_SPECS) {
    const has = await db.selectFrom('signing_keys').select('kid').where('owner', '=', spec.owner).where('use', '=', spec.use).where('alg', '=', spec.alg).where('state', '=', 'active').executeTakeFirst();
    if (!has) { await insertKey(db, keys, spec, now); created++; }
  }
  return created;
}

/** Every stored key, newest first within each state: active (signs), next (published), retired (published). */
export async function loadKeys(db: Db, keys: KeyRing): Promise<StoredKey[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  const out = rows.map((r: any) => ({
    kid: r.kid, owner: r.owner, use: r.use, alg: r.alg, state: r.state, createdAt: r.created_at,
    publicJwk: JSON.parse(r.public_jwk) as JWK, privateJwk: JSON.parse(keys.decrypt(r.private_jwk_enc, `signing-key:${r.kid}`)) as JWK,
  }) as StoredKey);
  return [...out.filter((k) => k.state === 'active'), ...out.filter((k) => k.state === 'next'), ...out.filter((k) => k.state === 'retired')];
}

/** A short fingerprint of the key set: processes compare it to know when to reload. */
export async function keysVersion(db: Db): Promise<string> {
  const rows = await db.selectFrom('signing_keys').select(['kid', 'state']).orderBy('kid').execute();
  return rows.map((r: any) => `${r.kid}:${r.state}`).join(',');
}

/** Start replacing the active keys of an owner (or both): new keys are published now and sign a minute later. */
export async function rotateKeys(db: Db, keys: KeyRing, owner: KeyOwner | 'all', opts: { now?: Date; by?: string | null } = {}): Promise<string[]> {
  const now = opts.now ?? new Date();
  const created: string[] = [];
  await inTransaction(db, async (trx) => {
    for (const spec of KEY_SPECS.filter((s) => owner === 'all' || s.owner === owner)) {
      // a rotation not yet finished is superseded
      await trx.deleteFrom('signing_keys').where('owner', '=', spec.owner).where('use', '=', spec.use).where('alg', '=', spec.alg).where('state', '=', 'next').execute();
      created.push(await insertKey(trx, keys, spec, now, 'next'));
    }
    await appendAudit(trx, { stream: 'identity:keys', action: 'identity.keys_rotation_started', actorType: opts.by ? 'officer' : 'system', actorId: opts.by ?? null, data: { owner, kids: created } });
  });
  return created;
}

/** Make published "next" keys active once every process has had time to see them; the keys they replace retire. */
export async function promoteDueKeys(db: Db, now = new Date()): Promise<string[]> {
  const due = await db.selectFrom('signing_keys').selectAll().where('state', '=', 'next').where('created_at', '<=', nowIso(new Date(now.getTime() - NEXT_KEY_LEAD_MS))).execute();
  const promoted: string[] = [];
  for (const k of due as any[]) {
    await inTransaction(db, async (trx) => {
      const r = await trx.updateTable('signing_keys').set({ state: 'active' }).where('kid', '=', k.kid).where('state', '=', 'next').executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return; // another process did it
      await trx.updateTable('signing_keys').set({ state: 'retired', retired_at: nowIso(now), remove_after: nowIso(new Date(now.getTime() + RETIRED_KEY_KEEP_MS)) })
        .where('owner', '=', k.owner).where('use', '=', k.use).where('alg', '=', k.alg).where('state', '=', 'active').where('kid', '!=', k.kid).execute();
      await appendAudit(trx, { stream: 'identity:keys', action: 'identity.key_activated', actorType: 'system', data: { kid: k.kid, owner: k.owner, use: k.use, alg: k.alg } });
      promoted.push(k.kid);
    });
  }
  return promoted;
}

/** Delete retired keys whose grace period is over. */
export async function pruneKeys(db: Db, now = new Date()): Promise<number> {
  const r = await db.deleteFrom('signing_keys').where('state', '=', 'retired').where('remove_after', '<', nowIso(now)).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

/** The periodic job: rotate keys older than `days` (unless a rotation is under way), drop expired retired keys. */
export async function rotateIfDue(db: Db, keys: KeyRing, days: number, now = new Date()): Promise<{ rotated: KeyOwner[]; pruned: number }> {
  const rotated: KeyOwner[] = [];
  for (const owner of ['op', 'rp'] as const) {
    const oldest = await db.selectFrom('signing_keys').select('created_at').where('owner', '=', owner).where('state', '=', 'active').orderBy('created_at', 'asc').executeTakeFirst();
    const pending = await db.selectFrom('signing_keys').select('kid').where('owner', '=', owner).where('state', '=', 'next').executeTakeFirst();
    if (oldest && !pending && Date.parse(oldest.created_at as string) + days * 86400_000 <= now.getTime()) {
      await rotateKeys(db, keys, owner, { now });
      rotated.push(owner);
    }
  }
  return { rotated, pruned: await pruneKeys(db, now) };
}

export const publicJwks = (all: StoredKey[], owner: KeyOwner) => ({ keys: all.filter((k) => k.owner === owner).map((k) => k.publicJwk) });
