/** Queries for identity's own tables: accounts, sessions, email_tokens. */
import { fromJson, newId, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import type { Role } from '../../platform/http/index.ts';

export interface AccountRow {
  id: string; kind: 'citizen' | 'officer'; email_enc: string | null; email_hash: string | null; email_verified_at: string | null;
  password_hash: string | null; display_name_enc: string; nric_enc: string | null; nric_hash: string | null; preferred_lang: string;
  roles: string; agency_id: string | null; status: string; demo_persona: string | null; created_at: string; updated_at: string;
}

export interface NewAccount {
  kind: 'citizen' | 'officer';
  emailEnc: string | null; emailHash: string | null; emailVerified: boolean; passwordHash: string | null;
  displayNameEnc: string; nricEnc?: string | null; nricHash?: string | null; lang: string; roles: Role[]; agencyId?: string | null; demoPersona?: string | null;
}

export async function insertAccount(db: Db, a: NewAccount): Promise<string> {
  const id = newId();
  const now = nowIso();
  await db.insertInto('accounts').values({
    id, kind: a.kind, email_enc: a.emailEnc, email_hash: a.emailHash, email_verified_at: a.emailVerified ? now : null,
    password_hash: a.passwordHash, display_name_enc: a.displayNameEnc, nric_enc: a.nricEnc ?? null, nric_hash: a.nricHash ?? null,
    preferred_lang: a.lang, roles: toJson(a.roles), agency_id: a.agencyId ?? null, status: 'active', demo_persona: a.demoPersona ?? null,
    created_at: now, updated_at: now,
  }).execute();
  return id;
}

export const findAccountByEmailHash = (db: Db, hash: string) =>
  db.selectFrom('accounts').selectAll().where('email_hash', '=', hash).executeTakeFirst() as Promise<AccountRow | undefined>;
export const findAccount = (db: Db, id: string) =>
  db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst() as Promise<AccountRow | undefined>;
export const findAccountByPersona = (db: Db, persona: string) =>
  db.selectFrom('accounts').selectAll().where('demo_persona', '=', persona).executeTakeFirst() as Promise<AccountRow | undefined>;

export async function updateAccount(db: Db, id: string, set: Partial<Omit<AccountRow, 'id'>>): Promise<void> {
  await db.updateTable('accounts').set({ ...set, updated_at: nowIso() }).where('id', '=', id).execute();
}

export const rolesOf = (row: AccountRow): Role[] => fromJson<Role[]>(row.roles) ?? [];

export interface SessionRow { id_hash: string; account_id: string; created_at: string; last_seen_at: string; expires_at: string; acting_for: string | null; amr: string | null }

export async function insertSession(db: Db, s: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(s).execute();
}
export const findSession = (db: Db, idHash: string) =>
  db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst() as Promise<SessionRow | undefined>;
export async function touchSession(db: Db, idHash: string, at: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}
export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}
export async function deleteSessionsOf(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('sessions').where('account_id', '=', accountId).execute();
}
export async function deleteExpiredSessions(db: Db, now: string, idleCutoff: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where((eb) => eb.or([eb('expires_at', '<', now), eb('last_seen_at', '<', idleCutoff)])).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

export async function insertEmailToken(db: Db, t: { tokenHash: string; accountId: string; purpose: 'verify' | 'reset' | 'invite'; next: string | null; expiresAt: string }): Promise<void> {
  await db.insertInto('email_tokens').values({ token_hash: t.tokenHash, account_id: t.accountId, purpose: t.purpose, next: t.next, expires_at: t.expiresAt, used_at: null, created_at: nowIso() }).execute();
}

/** Use a token once: returns it if it was valid and unused, marking it used in the same statement. */
export async function consumeEmailToken(db: Db, tokenHash: string, purpose: 'verify' | 'reset' | 'invite', now: string) {
  const res = await db.updateTable('email_tokens').set({ used_at: now })
    .where('token_hash', '=', tokenHash).where('purpose', '=', purpose).where('used_at', 'is', null).where('expires_at', '>', now)
    .returningAll().executeTakeFirst();
  return res as { account_id: string; next: string | null } | undefined;
}

export const peekEmailToken = (db: Db, tokenHash: string, purpose: 'verify' | 'reset' | 'invite', now: string) =>
  db.selectFrom('email_tokens').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
