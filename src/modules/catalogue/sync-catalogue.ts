/**
 * Publish what is in services/: agencies, life events and every service
 * definition. A changed definition becomes a new immutable version; unchanged
 * ones keep theirs; services whose file was removed leave the catalogue (their
 * applications keep working on the versions they started on).
 */
import type { Db } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/log/index.ts';
import { Catalogue } from './catalogue.ts';
import { loadDefinitions, type LoadOptions } from './load-definitions.ts';
import { deactivateMissing, definitionHash, publishDefinition, upsertAgency } from './repository.ts';

/** `journeySteps`: the steps registered by enabled modules; with none, services needing one are refused. */
export async function syncCatalogue(db: Db, dir: string, log?: Logger, opts: LoadOptions = {}): Promise<Catalogue> {
  const loaded = loadDefinitions(dir, { ...opts, journeySteps: opts.journeySteps ?? new Set() });
  for (const a of loaded.agencies) await upsertAgency(db, a);
  const versions = [];
  for (const def of loaded.services) {
    const { version, created } = await publishDefinition(db, def);
    if (created) log?.info({ service: def.id, version }, 'published a new version of a service definition');
    versions.push({ id: def.id, version, hash: definitionHash(def), definition: def });
  }
  await deactivateMissing(db, loaded.services.map((s) => s.id));
  return new Catalogue(db, versions, loaded.agencies, loaded.lifeEvents);
}
