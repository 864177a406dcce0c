/**
 * Businesses (by UEN, check character validated) and the people who may act for
 * them, Corppass-style: a representative is a person identified by NRIC/FIN
 * (stored encrypted, found by keyed hash), holding roles the business's
 * administrator grants: admin, applicant, approver, viewer. Acting for a
 * business is chosen explicitly, per session.
 */
import { isValidNric, isValidUen, maskNric, normaliseId } from '../../platform/identifiers/index.ts';
import { fromJson, inTransaction, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { BUSINESS_ROLES, type BusinessRole, type Principal } from '../../platform/http/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { ActingFor } from './sessions.ts';

export interface Business { uen: string; name: string }
export interface Representation { uen: string; name: string; roles: BusinessRole[] }

const nricIndex = (ctx: AppContext, nric: string) => ctx.keys.blindIndex('nric', normaliseId(nric));
const cleanRoles = (roles: unknown): BusinessRole[] => BUSINESS_ROLES.filter((r) => Array.isArray(roles) && roles.includes(r));

export async function findBusiness(db: Db, uen: string): Promise<Business | undefined> {
  const r: any = await db.selectFrom('businesses').selectAll().where('uen', '=', uen).executeTakeFirst();
  return r ? { uen: r.uen, name: r.name } : undefined;
}

/** Create the business if Civitas does not know it yet (e.g. first Corppass sign-in). */
export async function ensureBusiness(db: Db, uen: string, name: string, by: string | null): Promise<Business> {
  if (!isValidUen(uen)) throw new AppError('validation_failed', 'identity.business.errors.uenInvalid');
  await db.insertInto('businesses').values({ uen, name, created_at: nowIso(), created_by: by }).onConflict((oc) => oc.column('uen').doNothing()).execute();
  return (await findBusiness(db, uen))!;
}

/** The businesses a person (by their account's NRIC hash) represents, with roles. */
export async function representationsOf(db: Db, nricHash: string | null): Promise<Representation[]> {
  if (!nricHash) return [];
  const rows = await db.selectFrom('business_roles').innerJoin('businesses', 'businesses.uen', 'business_roles.uen')
    .select(['business_roles.uen as uen', 'businesses.name as name', 'business_roles.roles as roles'])
    .where('business_roles.nric_hash', '=', nricHash).orderBy('businesses.name').execute();
  return rows.map((r: any) => ({ uen: r.uen, name: r.name, roles: cleanRoles(fromJson(r.roles)) })).filter((r) => r.roles.length > 0);
}

export function actingForOf(r: Representation): ActingFor {
  return { uen: r.uen, name: r.name, roles: r.roles, role: r.roles[0]! };
}

/** Give a person roles in a business (replacing their previous roles); an empty list removes them. */
export async function setBusinessRoles(ctx: AppContext, input: { uen: string; nric: string; name: string; roles: BusinessRole[]; by: { id: string; kind: Principal['kind'] } | null; requestId?: string }): Promise<void> {
  const nric = normaliseId(input.nric);
  const hash = nricIndex(ctx, nric);
  await inTransaction(ctx.db, async (trx) => {
    const existing: any = await trx.selectFrom('business_roles').selectAll().where('uen', '=', input.uen).where('nric_hash', '=', hash).executeTakeFirst();
    const before = existing ? cleanRoles(fromJson(existing.roles)) : [];
    const now = nowIso(ctx.clock());
    const ctxKey = `business-role:${input.uen}:${hash}`;
    if (input.roles.length === 0) {
      await trx.deleteFrom('business_roles').where('uen', '=', input.uen).where('nric_hash', '=', hash).execute();
    } else if (existing) {
      await trx.updateTable('business_roles').set({ roles: toJson(input.roles), name_enc: ctx.keys.encrypt(input.name, ctxKey), updated_at: now, granted_by: input.by?.id ?? null })
        .where('uen', '=', input.uen).where('nric_hash', '=', hash).execute();
    } else {
      await trx.insertInto('business_roles').values({
        uen: input.uen, nric_hash: hash, nric_enc: ctx.keys.encrypt(nric, ctxKey), name_enc: ctx.keys.encrypt(input.name, ctxKey),
        roles: toJson(input.roles), granted_by: input.by?.id ?? null, granted_at: now, updated_at: now,
      }).execute();
    }
    await appendAudit(trx, {
      stream: `business:${input.uen}`, action: input.roles.length ? 'business.roles_granted' : 'business.representative_removed',
      actorType: input.by ? (input.by.kind === 'officer' ? 'officer' : 'citizen') : 'system', actorId: input.by?.id ?? null, onBehalfOf: input.uen,
      subjectType: 'business_representative', subjectId: hash.slice(0, 16), requestId: input.requestId, data: { before, after: input.roles },
    });
  });
}

export interface Representative { key: string; nricMasked: string; name: string; roles: BusinessRole[]; grantedAt: string }

export async function listRepresentatives(ctx: AppContext, uen: string): Promise<Representative[]> {
  const rows = await ctx.db.selectFrom('business_roles').selectAll().where('uen', '=', uen).orderBy('granted_at').execute();
  return rows.map((r: any) => {
    const c = `business-role:${uen}:${r.nric_hash}`;
    return { key: r.nric_hash, nricMasked: maskNric(ctx.keys.decrypt(r.nric_enc, c)), name: ctx.keys.decrypt(r.name_enc, c), roles: cleanRoles(fromJson(r.roles)), grantedAt: r.granted_at };
  });
}

/** The business administrator's form: validate, then set the roles. */
export async function grantRepresentative(ctx: AppContext, admin: Principal, uen: string, body: { nric?: unknown; name?: unknown; roles?: unknown }, requestId?: string): Promise<{ errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const nric = typeof body.nric === 'string' ? normaliseId(body.nric) : '';
  if (!nric) errors.push({ field: 'nric', message: 'identity.business.errors.nricMissing' });
  else if (!isValidNric(nric)) errors.push({ field: 'nric', message: 'identity.business.errors.nricInvalid' });
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!name) errors.push({ field: 'name', message: 'identity.business.errors.nameMissing' });
  else if (name.length > 100) errors.push({ field: 'name', message: 'identity.errors.nameTooLong' });
  const roles = cleanRoles(([] as unknown[]).concat(body.roles ?? []));
  if (!roles.length) errors.push({ field: 'roles', message: 'identity.business.errors.rolesMissing' });
  if (errors.length) return { errors };
  await setBusinessRoles(ctx, { uen, nric, name, roles, by: { id: admin.id, kind: admin.kind }, requestId });
  return { errors: [] };
}

/** Change or remove a representative, found by the key shown on the admin page. An admin cannot remove the last admin. */
export async function changeRepresentative(ctx: AppContext, admin: Principal, uen: string, key: string, rolesRaw: unknown, requestId?: string): Promise<{ errors: FieldError[] }> {
  const row: any = await ctx.db.selectFrom('business_roles').selectAll().where('uen', '=', uen).where('nric_hash', '=', key).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'identity.business.errors.noSuchRepresentative');
  const roles = cleanRoles(([] as unknown[]).concat(rolesRaw ?? []));
  if (!roles.includes('admin') && cleanRoles(fromJson(row.roles)).includes('admin')) {
    const admins = (await listRepresentatives(ctx, uen)).filter((r) => r.roles.includes('admin'));
    if (admins.length <= 1) return { errors: [{ field: 'roles', message: 'identity.business.errors.lastAdmin' }] };
  }
  const c = `business-role:${uen}:${key}`;
  await setBusinessRoles(ctx, { uen, nric: ctx.keys.decrypt(row.nric_enc, c), name: ctx.keys.decrypt(row.name_enc, c), roles, by: { id: admin.id, kind: admin.kind }, requestId });
  return { errors: [] };
}
