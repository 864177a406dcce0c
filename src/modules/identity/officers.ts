/**
 * Officer accounts: created by their agency's administrator (or, for the first
 * one, with `civitas officer create`), invited by email to choose a password,
 * then made to set up a second factor at their first sign-in. Roles are scoped
 * to the officer's agency; every grant and removal is audited.
 */
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { OFFICER_ROLES, type OfficerRole, type Role } from '../../platform/http/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { sendIdentityEmail } from './emails.ts';
import { findAccount, findAccountByEmailHash, insertAccount, insertEmailToken, rolesOf, updateAccount } from './repository.ts';
import { factorsOf } from './second-factors.ts';
import { checkEmail, emailIndex } from './validate.ts';

export const INVITE_TTL_MS = 7 * 24 * 3600_000;

const cleanRoles = (v: unknown): OfficerRole[] => OFFICER_ROLES.filter((r) => ([] as unknown[]).concat(v ?? []).includes(r));

export interface Officer { id: string; name: string; email: string; roles: OfficerRole[]; secondFactor: boolean; invited: boolean }

export async function listOfficers(ctx: AppContext, agencyId: string): Promise<Officer[]> {
  const rows = await ctx.db.selectFrom('accounts').selectAll().where('kind', '=', 'officer').where('agency_id', '=', agencyId).orderBy('created_at').execute();
  const out: Officer[] = [];
  for (const r of rows as any[]) {
    const f = await factorsOf(ctx.db, r.id);
    out.push({
      id: r.id, name: ctx.keys.decrypt(r.display_name_enc, `account:${r.id}`), email: r.email_enc ? ctx.keys.decrypt(r.email_enc, `account:${r.id}`) : '',
      roles: cleanRoles(rolesOf(r)), secondFactor: f.totp || f.passkeys > 0, invited: !r.password_hash && !r.demo_persona,
    });
  }
  return out;
}

/** Create an officer and email them a link to choose a password (valid 7 days). Returns the link (the CLI prints it). */
export async function inviteOfficer(ctx: AppContext, input: { agencyId: string; name: unknown; email: unknown; roles: unknown; by: { id: string } | null; lang: Lang; requestId?: string }): Promise<{ errors: FieldError[]; link?: string; accountId?: string }> {
  const errors: FieldError[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name) errors.push({ field: 'name', message: 'identity.errors.nameMissing' });
  else if (name.length > 100) errors.push({ field: 'name', message: 'identity.errors.nameTooLong' });
  const email = checkEmail(input.email, errors);
  const roles = cleanRoles(input.roles);
  if (!roles.length) errors.push({ field: 'roles', message: 'identity.officers.errors.rolesMissing' });
  if (errors.length || !email) return { errors };
  const hash = emailIndex(ctx.keys, email);
  return ctx.db.transaction().execute(async (trx) => {
    if (await findAccountByEmailHash(trx, hash)) return { errors: [{ field: 'email', message: 'identity.officers.errors.emailInUse' }] };
    const id = await insertAccount(trx, { kind: 'officer', emailEnc: null, emailHash: hash, emailVerified: true, passwordHash: null, displayNameEnc: '', lang: input.lang, roles, agencyId: input.agencyId });
    await updateAccount(trx, id, { email_enc: ctx.keys.encrypt(email, `account:${id}`), display_name_enc: ctx.keys.encrypt(name, `account:${id}`) });
    const token = randomToken(32);
    await insertEmailToken(trx, { tokenHash: sha256(token), accountId: id, purpose: 'reset', next: null, expiresAt: nowIso(new Date(ctx.clock().getTime() + INVITE_TTL_MS)) });
    const link = `${ctx.config.baseUrl}/reset-password?token=${token}`;
    await sendIdentityEmail(ctx, trx, { kind: 'officer-invite', to: email, lang: input.lang, accountId: id, link, name, agency: input.agencyId.toUpperCase() });
    await appendAudit(trx, { stream: `account:${id}`, action: 'identity.officer_invited', actorType: input.by ? 'officer' : 'system', actorId: input.by?.id ?? null, agencyId: input.agencyId, subjectType: 'account', subjectId: id, requestId: input.requestId, data: { roles } });
    await appendAudit(trx, { stream: `agency:${input.agencyId}:roles`, action: 'identity.roles_granted', actorType: input.by ? 'officer' : 'system', actorId: input.by?.id ?? null, agencyId: input.agencyId, subjectType: 'account', subjectId: id, requestId: input.requestId, data: { before: [], after: roles } });
    return { errors: [], link, accountId: id };
  });
}

/** Change an officer's roles within the administrator's agency (not their own). */
export async function setOfficerRoles(ctx: AppContext, admin: { id: string; agencyId: string }, officerId: string, rolesRaw: unknown, requestId?: string): Promise<{ errors: FieldError[] }> {
  const officer = await findAccount(ctx.db, officerId);
  if (!officer || officer.kind !== 'officer' || officer.agency_id !== admin.agencyId) throw new AppError('not_found', 'identity.officers.errors.noSuchOfficer');
  if (officer.id === admin.id) return { errors: [{ field: 'roles', message: 'identity.officers.errors.ownRoles' }] };
  const roles = cleanRoles(rolesRaw);
  const before = cleanRoles(rolesOf(officer));
  const status = roles.length ? 'active' : 'disabled';
  await ctx.db.transaction().execute(async (trx) => {
    await updateAccount(trx, officer.id, { roles: JSON.stringify(roles as Role[]), status });
    if (status === 'disabled') await trx.deleteFrom('sessions').where('account_id', '=', officer.id).execute();
    await appendAudit(trx, { stream: `agency:${admin.agencyId}:roles`, action: roles.length ? 'identity.roles_granted' : 'identity.officer_disabled', actorType: 'officer', actorId: admin.id, agencyId: admin.agencyId, subjectType: 'account', subjectId: officer.id, requestId, data: { before, after: roles } });
  });
  return { errors: [] };
}
