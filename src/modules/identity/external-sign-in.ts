/**
 * Who is this, according to Singpass, Corppass or another provider? One person
 * may link several sign-in methods to one account: a Singpass or Corppass
 * identity finds its account by the NRIC/FIN's keyed hash (the NRIC is never
 * typed in by anyone but comes from Singpass/Corppass or is seeded), an
 * officer's directory identity finds the officer by verified email within the
 * provider's agency. Corppass also says which business the person acts for.
 */
import { maskNric } from '../../platform/identifiers/index.ts';
import { nowIso, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { ExternalProviderConfig } from '../../platform/config/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { BusinessRole } from '../../platform/http/index.ts';
import { ensureBusiness, findBusiness, representationsOf, setBusinessRoles, actingForOf } from './businesses.ts';
import type { ExternalIdentity } from './external-providers.ts';
import { findAccount, findAccountByEmailHash, insertAccount, updateAccount } from './repository.ts';
import type { ActingFor } from './sessions.ts';
import { emailIndex } from './validate.ts';

export type Resolved = { ok: true; accountId: string; created: boolean; actingFor: ActingFor | null } | { ok: false; message: string };

const subjectHash = (ctx: AppContext, provider: string, subject: string) => ctx.keys.blindIndex(`external:${provider}`, subject);

async function linkIdentity(db: Db, provider: string, hash: string, accountId: string, now: string): Promise<void> {
  await db.insertInto('external_identities').values({ provider, subject_hash: hash, account_id: accountId, created_at: now, last_used_at: now })
    .onConflict((oc) => oc.columns(['provider', 'subject_hash']).doNothing()).execute();
}

export async function linkedMethods(db: Db, accountId: string): Promise<string[]> {
  const rows = await db.selectFrom('external_identities').select('provider').where('account_id', '=', accountId).execute();
  return rows.map((r: any) => r.provider as string);
}

/** Sign in: the account for this identity (found, linked or created). */
export async function resolveExternalSignIn(ctx: AppContext, p: ExternalProviderConfig, id: ExternalIdentity, requestId?: string): Promise<Resolved> {
  const now = nowIso(ctx.clock());
  const hash = subjectHash(ctx, p.id, id.subject);
  return ctx.db.transaction().execute(async (trx): Promise<Resolved> => {
    let accountId: string | undefined;
    let created = false;
    const linked: any = await trx.selectFrom('external_identities').selectAll().where('provider', '=', p.id).where('subject_hash', '=', hash).executeTakeFirst();
    if (linked) {
      accountId = linked.account_id;
      await trx.updateTable('external_identities').set({ last_used_at: now }).where('provider', '=', p.id).where('subject_hash', '=', hash).execute();
    } else if (id.nric) {
      const nricHash = ctx.keys.blindIndex('nric', id.nric);
      const byNric: any = await trx.selectFrom('accounts').select(['id', 'kind']).where('nric_hash', '=', nricHash).executeTakeFirst();
      if (byNric) {
        accountId = byNric.id;
      } else {
        accountId = await insertAccount(trx, { kind: 'citizen', emailEnc: null, emailHash: null, emailVerified: false, passwordHash: null, displayNameEnc: '', lang: 'en', roles: ['citizen'], nricHash });
        await updateAccount(trx, accountId, {
          display_name_enc: ctx.keys.encrypt(id.name ?? maskNric(id.nric), `account:${accountId}`), nric_enc: ctx.keys.encrypt(id.nric, `account:${accountId}`),
        });
        created = true;
        await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.account_created', actorType: 'citizen', actorId: accountId, subjectType: 'account', subjectId: accountId, requestId, data: { provider: p.id } });
      }
      await linkIdentity(trx, p.id, hash, accountId!, now);
      await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.sign_in_method_linked', actorType: 'citizen', actorId: accountId, subjectType: 'account', subjectId: accountId, requestId, data: { provider: p.id } });
    } else {
      if (!id.email || !id.emailVerified) return { ok: false, message: 'identity.external.noVerifiedEmail' };
      const byEmail = await findAccountByEmailHash(trx, emailIndex(ctx.keys, id.email));
      if (p.audience === 'officer') {
        if (!byEmail || byEmail.kind !== 'officer' || byEmail.agency_id !== p.agency) return { ok: false, message: 'identity.external.noOfficerAccount' };
        accountId = byEmail.id;
      } else if (byEmail) {
        accountId = byEmail.id;
      } else {
        accountId = await insertAccount(trx, { kind: 'citizen', emailEnc: null, emailHash: emailIndex(ctx.keys, id.email), emailVerified: true, passwordHash: null, displayNameEnc: '', lang: 'en', roles: ['citizen'] });
        await updateAccount(trx, accountId, { email_enc: ctx.keys.encrypt(id.email, `account:${accountId}`), display_name_enc: ctx.keys.encrypt(id.name ?? id.email, `account:${accountId}`) });
        created = true;
      }
      await linkIdentity(trx, p.id, hash, accountId, now);
      await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.sign_in_method_linked', actorType: byEmail?.kind === 'officer' ? 'officer' : 'citizen', actorId: accountId, subjectType: 'account', subjectId: accountId, requestId, data: { provider: p.id } });
    }
    const account = await findAccount(trx, accountId!);
    if (!account || account.status !== 'active') return { ok: false, message: 'identity.external.accountInactive' };
    if (p.audience === 'officer' && (account.kind !== 'officer' || account.agency_id !== p.agency)) return { ok: false, message: 'identity.external.noOfficerAccount' };
    if (p.audience !== 'officer' && account.kind === 'officer') return { ok: false, message: 'identity.external.officerNeedsDirectory' };

    let actingFor: ActingFor | null = null;
    if (p.kind === 'corppass' && id.uen && id.nric) {
      // Corppass vouches that this person acts for the entity: make sure Civitas knows the business,
      // give a Corppass administrator the admin role, and a new user view-only access until the admin grants more.
      const business = (await findBusiness(trx, id.uen)) ?? await ensureBusiness(trx, id.uen, id.entityName ?? `UEN ${id.uen}`, accountId!);
      const reps = await representationsOf(trx, account.nric_hash);
      let mine = reps.find((r) => r.uen === business.uen);
      const name = ctx.keys.decrypt(account.display_name_enc, `account:${account.id}`);
      const want: BusinessRole[] | null = id.accountType?.toLowerCase() === 'admin' && !mine?.roles.includes('admin') ? [...new Set<BusinessRole>(['admin', ...(mine?.roles ?? [])])] : mine ? null : ['viewer'];
      if (want) {
        await setBusinessRoles({ ...ctx, db: trx }, { uen: business.uen, nric: id.nric, name, roles: want, by: null, requestId });
        mine = (await representationsOf(trx, account.nric_hash)).find((r) => r.uen === business.uen);
      }
      if (mine) actingFor = actingForOf(mine);
    }
    return { ok: true, accountId: accountId!, created, actingFor };
  });
}

/** Link a provider's identity to the signed-in account (from the account's security page). */
export async function linkExternalIdentity(ctx: AppContext, p: ExternalProviderConfig, id: ExternalIdentity, accountId: string, requestId?: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const hash = subjectHash(ctx, p.id, id.subject);
  return ctx.db.transaction().execute(async (trx) => {
    const linked: any = await trx.selectFrom('external_identities').selectAll().where('provider', '=', p.id).where('subject_hash', '=', hash).executeTakeFirst();
    if (linked && linked.account_id !== accountId) return { ok: false as const, message: 'identity.external.linkedElsewhere' };
    const account = await findAccount(trx, accountId);
    if (!account) return { ok: false as const, message: 'identity.external.accountInactive' };
    if (id.nric) {
      const nricHash = ctx.keys.blindIndex('nric', id.nric);
      if (account.nric_hash && account.nric_hash !== nricHash) return { ok: false as const, message: 'identity.external.differentPerson' };
      if (!account.nric_hash) {
        const other: any = await trx.selectFrom('accounts').select('id').where('nric_hash', '=', nricHash).executeTakeFirst();
        if (other) return { ok: false as const, message: 'identity.external.linkedElsewhere' };
        await updateAccount(trx, accountId, { nric_hash: nricHash, nric_enc: ctx.keys.encrypt(id.nric, `account:${accountId}`) });
      }
    }
    await linkIdentity(trx, p.id, hash, accountId, nowIso(ctx.clock()));
    await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.sign_in_method_linked', actorType: account.kind === 'officer' ? 'officer' : 'citizen', actorId: accountId, subjectType: 'account', subjectId: accountId, requestId, data: { provider: p.id } });
    return { ok: true as const };
  });
}
