/** Queries for the catalogue's own tables: agencies, services, service_versions. */
import { canonicalJson, sha256 } from '../../platform/crypto/index.ts';
import { fromJson, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import type { Agency, ServiceDefinition, ServiceVersion } from './schema.ts';

export const definitionHash = (def: ServiceDefinition): string => sha256(canonicalJson(def));

export async function upsertAgency(db: Db, a: Agency): Promise<void> {
  const now = nowIso();
  await db.insertInto('agencies').values({ id: a.id, short_name: a.shortName, name: toJson(a.name), updated_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ short_name: a.shortName, name: toJson(a.name), updated_at: now })).execute();
}

export async function latestVersion(db: Db, serviceId: string): Promise<{ version: number; hash: string } | undefined> {
  const row = await db.selectFrom('service_versions').select(['version', 'hash']).where('service_id', '=', serviceId)
    .orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? { version: Number(row.version), hash: row.hash as string } : undefined;
}

/** Publish a definition: a new immutable version if its content changed. Returns the current version. */
export async function publishDefinition(db: Db, def: ServiceDefinition): Promise<{ version: number; created: boolean }> {
  const hash = definitionHash(def);
  const now = nowIso();
  return db.transaction().execute(async (trx) => {
    const latest = await latestVersion(trx, def.id);
    let version = latest?.version ?? 0;
    let created = false;
    if (latest?.hash !== hash) {
      // another process publishing at the same time may take the next number first: the same
      // change is kept once; a different one makes this one the version after it
      for (;;) {
        version += 1;
        const res = await trx.insertInto('service_versions').values({ service_id: def.id, version, hash, definition: toJson(def), created_at: now })
          .onConflict((oc) => oc.columns(['service_id', 'version']).doNothing()).executeTakeFirst();
        created = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
        if (created) break;
        const taken = await trx.selectFrom('service_versions').select('hash').where('service_id', '=', def.id).where('version', '=', version).executeTakeFirst();
        if (taken?.hash === hash) break;
      }
    }
    await trx.insertInto('services').values({ id: def.id, agency_id: def.agency, current_version: version, active: 1, first_published_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ agency_id: def.agency, current_version: version, active: 1, updated_at: now })).execute();
    return { version, created };
  });
}

export async function deactivateMissing(db: Db, keepIds: string[]): Promise<void> {
  let q = db.updateTable('services').set({ active: 0, updated_at: nowIso() }).where('active', '=', 1);
  if (keepIds.length) q = q.where('id', 'not in', keepIds);
  await q.execute();
}

export async function findVersion(db: Db, serviceId: string, version: number): Promise<ServiceVersion | undefined> {
  const row = await db.selectFrom('service_versions').selectAll().where('service_id', '=', serviceId).where('version', '=', version).executeTakeFirst();
  return row ? { id: serviceId, version, hash: row.hash as string, definition: fromJson<ServiceDefinition>(row.definition) } : undefined;
}
