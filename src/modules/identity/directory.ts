/**
 * Look-ups other modules need about people, without reading identity's
 * tables: officers of an agency (assignment, escalation), names and email
 * addresses for display and notices, and the account of a person known only
 * by NRIC/FIN (an application recorded at a counter or sent by an agency
 * system). Such an account has no password or email: it is the same account
 * the person gets when they later sign in with their NRIC (the keyed hash is
 * the link), so they find the application under "My applications".
 */
import { normaliseId } from '../../platform/identifiers/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Role } from '../../platform/http/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { newId, nowIso, toJson } from '../../platform/db/index.ts';
import { rolesOf, type AccountRow } from './repository.ts';

export interface AccountSummary {
  id: string;
  kind: 'citizen' | 'officer';
  displayName: string;
  email: string | null;
  lang: string;
  roles: Role[];
  agencyId: string | null;
  active: boolean;
  /** keyed hash of the NRIC/FIN (KeyRing.blindIndex('nric', ...)), for look-ups that must not decrypt */
  nricHash: string | null;
}

function summary(keys: KeyRing, r: AccountRow): AccountSummary {
  const c = `account:${r.id}`;
  return {
    id: r.id, kind: r.kind, displayName: r.display_name_enc ? keys.decrypt(r.display_name_enc, c) : '', email: r.email_enc ? keys.decrypt(r.email_enc, c) : null,
    lang: r.preferred_lang, roles: rolesOf(r), agencyId: r.agency_id, active: r.status === 'active', nricHash: r.nric_hash,
  };
}

/** Accounts by id (unknown ids are left out). */
export async function accountSummaries(db: Db, keys: KeyRing, ids: string[]): Promise<Map<string, AccountSummary>> {
  const unique = [...new Set(ids.filter(Boolean))];
  if (!unique.length) return new Map();
  const rows = await db.selectFrom('accounts').selectAll().where('id', 'in', unique).execute() as AccountRow[];
  return new Map(rows.map((r) => [r.id, summary(keys, r)]));
}

/** The active officers of an agency, by name. */
export async function listAgencyOfficers(db: Db, keys: KeyRing, agencyId: string): Promise<AccountSummary[]> {
  const rows = await db.selectFrom('accounts').selectAll().where('kind', '=', 'officer').where('agency_id', '=', agencyId).where('status', '=', 'active').execute() as AccountRow[];
  return rows.map((r) => summary(keys, r)).sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
}

/**
 * The account of the person with this NRIC/FIN, created (without password or
 * email) if they have none yet. Call with a valid NRIC/FIN.
 */
export async function accountForNric(ctx: Pick<AppContext, 'db' | 'keys'>, db: Db, input: { nric: string; name?: string | null; by: { type: 'officer' | 'api'; id: string; agencyId: string } }): Promise<{ id: string; created: boolean }> {
  const nric = normaliseId(input.nric);
  const hash = ctx.keys.blindIndex('nric', nric);
  const existing = await db.selectFrom('accounts').select('id').where('nric_hash', '=', hash).executeTakeFirst();
  if (existing) return { id: existing.id as string, created: false };
  // two requests for the same new person at once: the second finds the first's account
  const id = newId();
  const now = nowIso();
  const inserted = await db.insertInto('accounts').values({
    id, kind: 'citizen', email_enc: null, email_hash: null, email_verified_at: null, password_hash: null,
    display_name_enc: ctx.keys.encrypt(input.name ?? '', `account:${id}`), nric_enc: ctx.keys.encrypt(nric, `account:${id}`), nric_hash: hash,
    preferred_lang: 'en', roles: toJson(['citizen']), agency_id: null, status: 'active', demo_persona: null, created_at: now, updated_at: now,
  }).onConflict((oc) => oc.column('nric_hash').doNothing()).executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const other = await db.selectFrom('accounts').select('id').where('nric_hash', '=', hash).executeTakeFirstOrThrow();
    return { id: other.id as string, created: false };
  }
  await appendAudit(db, {
    stream: `account:${id}`, action: 'identity.account_created_for_applicant', actorType: input.by.type, actorId: input.by.id, agencyId: input.by.agencyId,
    subjectType: 'account', subjectId: id, data: { reason: 'an application recorded or sent for this person' },
  });
  return { id, created: true };
}

/** The account of the person with this keyed hash of an NRIC/FIN (KeyRing.blindIndex('nric', ...)), if they have one. */
export async function accountByNricHash(db: Db, keys: KeyRing, nricHash: string): Promise<AccountSummary | null> {
  const row = await db.selectFrom('accounts').selectAll().where('nric_hash', '=', nricHash).executeTakeFirst() as AccountRow | undefined;
  return row ? summary(keys, row) : null;
}

/** People's accounts known by NRIC/FIN, in pages ordered by keyed hash (for bulk extracts). */
export async function accountsWithNric(db: Db, keys: KeyRing, opts: { after?: string; limit: number }): Promise<AccountSummary[]> {
  let q = db.selectFrom('accounts').selectAll().where('kind', '=', 'citizen').where('nric_hash', 'is not', null);
  if (opts.after) q = q.where('nric_hash', '>', opts.after);
  const rows = await q.orderBy('nric_hash').limit(opts.limit).execute() as AccountRow[];
  return rows.map((r) => summary(keys, r));
}
