/**
 * Publishing definitions on a real database (SQLite, or PostgreSQL when
 * DATABASE_URL says so): a new immutable version only when the content changes,
 * and old versions readable as they were.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../../test/helpers/platform.ts';
import { openDatabase, type Database } from '../../platform/db/index.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { Catalogue } from './catalogue.ts';
import { loadDefinitions } from './load-definitions.ts';
import { definitionHash, findVersion, latestVersion, publishDefinition, upsertAgency } from './repository.ts';
import type { ServiceDefinition } from './schema.ts';
import { syncCatalogue } from './sync-catalogue.ts';

const SERVICES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../services');

let database: Database;
let drop: () => Promise<void>;
let dataDir: string;
const tmpDirs: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-catalogue-'));
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  const file = path.join(dataDir, 'civitas.sqlite');
  database = await openDatabase(fresh.url ? { dialect: 'postgres', url: fresh.url } : { dialect: 'sqlite', file, url: `sqlite:${file}` });
  await migrateToLatest(database.db);
});
afterAll(async () => {
  await database?.close();
  await drop?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

function definition(id: string, title = 'Renew a widget licence'): ServiceDefinition {
  return {
    id, agency: 'msf', audience: ['citizen'], lifeEvents: ['having-a-baby'], keywords: ['widget'],
    title: { en: title, ms: 'Perbaharui lesen widget' }, summary: 'For tests', eligibility: [], documentsNeeded: [],
    processingTime: { workingDays: 3 }, fee: { type: 'none' }, signatureRequired: false,
    form: { pages: [{ id: 'p', title: 'Page', questions: [{ id: 'name', type: 'text', label: 'Name', maxLength: 50 }] }] },
    workflow: { steps: [{ id: 'decide', name: 'Decide', role: 'approver', actions: ['approve', 'reject'], slaWorkingDays: 2 }] },
  };
}

describe('publishDefinition', () => {
  it('keeps version 1 when the same definition is published again', async () => {
    const def = definition('widget-a');
    expect(await publishDefinition(database.db, def)).toEqual({ version: 1, created: true });
    expect(await publishDefinition(database.db, structuredClone(def))).toEqual({ version: 1, created: false });
    expect(await latestVersion(database.db, 'widget-a')).toEqual({ version: 1, hash: definitionHash(def) });
  });

  it('does not count the order of keys as a change', async () => {
    const def = definition('widget-b');
    await publishDefinition(database.db, def);
    const reordered = Object.fromEntries(Object.entries(def).reverse()) as unknown as ServiceDefinition;
    expect(definitionHash(reordered)).toBe(definitionHash(def));
    expect(await publishDefinition(database.db, reordered)).toEqual({ version: 1, created: false });
  });

  it('makes version 2 for a changed definition, and the old version stays as it was', async () => {
    const v1 = definition('widget-c', 'Renew a widget licence');
    const v2 = definition('widget-c', 'Renew your widget licence');
    v2.form.pages[0]!.questions[0]!.maxLength = 80;
    expect((await publishDefinition(database.db, v1)).version).toBe(1);
    expect(await publishDefinition(database.db, v2)).toEqual({ version: 2, created: true });
    expect(await publishDefinition(database.db, v2)).toEqual({ version: 2, created: false });
    // going back to the first content is a change too: a new version, never a rewrite of history
    expect(await publishDefinition(database.db, v1)).toEqual({ version: 3, created: true });

    const row = await database.db.selectFrom('services').selectAll().where('id', '=', 'widget-c').executeTakeFirstOrThrow();
    expect(Number(row.current_version)).toBe(3);
    expect(Number(row.active)).toBe(1);

    // a catalogue that only holds the current version reads old ones from the database
    const catalogue = new Catalogue(database.db, [{ id: 'widget-c', version: 3, hash: definitionHash(v1), definition: v1 }], [], []);
    const old = await catalogue.getVersion('widget-c', 2);
    expect(old).toEqual({ id: 'widget-c', version: 2, hash: definitionHash(v2), definition: v2 });
    expect(old!.definition.form.pages[0]!.questions[0]!.maxLength).toBe(80);
    expect((await catalogue.getVersion('widget-c', 1))!.definition).toEqual(v1);
    expect(await catalogue.getVersion('widget-c', 4)).toBeUndefined();
    expect(await catalogue.getVersion('no-such-service', 1)).toBeUndefined();
    // and the stored content is exactly what was published
    expect((await findVersion(database.db, 'widget-c', 2))!.hash).toBe(definitionHash((await findVersion(database.db, 'widget-c', 2))!.definition));
  });

  it('publishing the same change twice at once makes one version', async () => {
    const def = definition('widget-d');
    await publishDefinition(database.db, def);
    const changed = definition('widget-d', 'Changed');
    const results = await Promise.allSettled([publishDefinition(database.db, changed), publishDefinition(database.db, changed)]);
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ version: number; created: boolean }>).value);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.version).toBe(2);
    expect(ok.filter((r) => r.created)).toHaveLength(1);
    expect(await latestVersion(database.db, 'widget-d')).toEqual({ version: 2, hash: definitionHash(changed) });
  });

  it('two different changes published at once get a version each, and each version holds what was published', async () => {
    const def = definition('widget-e');
    await publishDefinition(database.db, def);
    const a = definition('widget-e', 'Change A');
    const b = definition('widget-e', 'Change B');
    const [ra, rb] = await Promise.all([publishDefinition(database.db, a), publishDefinition(database.db, b)]);
    expect([ra.version, rb.version].sort()).toEqual([2, 3]);
    expect((await findVersion(database.db, 'widget-e', ra.version))!.definition).toEqual(a);
    expect((await findVersion(database.db, 'widget-e', rb.version))!.definition).toEqual(b);
  });
});

describe('syncCatalogue', () => {
  function servicesDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-sync-'));
    tmpDirs.push(dir);
    fs.copyFileSync(path.join(SERVICES_DIR, 'agencies.yaml'), path.join(dir, 'agencies.yaml'));
    fs.copyFileSync(path.join(SERVICES_DIR, 'life-events.yaml'), path.join(dir, 'life-events.yaml'));
    fs.mkdirSync(path.join(dir, 'msf'));
    fs.writeFileSync(path.join(dir, 'msf', 'sync-one.json'), JSON.stringify(definition('sync-one', 'Sync one'), null, 2));
    fs.writeFileSync(path.join(dir, 'msf', 'sync-two.json'), JSON.stringify(definition('sync-two', 'Sync two'), null, 2));
    return dir;
  }

  it('publishes a services directory, versions changes, and retires removed services', async () => {
    const dir = servicesDir();
    let catalogue = await syncCatalogue(database.db, dir);
    expect(catalogue.list().map((s) => [s.id, s.version]).sort()).toEqual([['sync-one', 1], ['sync-two', 1]]);
    expect(catalogue.agency('msf')?.shortName).toBe('MSF');
    const agency = await database.db.selectFrom('agencies').selectAll().where('id', '=', 'msf').executeTakeFirstOrThrow();
    expect(agency.short_name).toBe('MSF');

    // unchanged: same versions
    catalogue = await syncCatalogue(database.db, dir);
    expect(catalogue.get('sync-one')?.version).toBe(1);

    // one file changed
    fs.writeFileSync(path.join(dir, 'msf', 'sync-one.json'), JSON.stringify(definition('sync-one', 'Sync one, changed')));
    catalogue = await syncCatalogue(database.db, dir);
    expect(catalogue.get('sync-one')?.version).toBe(2);
    expect(catalogue.get('sync-two')?.version).toBe(1);
    expect((await catalogue.getVersion('sync-one', 1))!.definition.title).toEqual({ en: 'Sync one', ms: 'Perbaharui lesen widget' });
    expect((await catalogue.getVersion('sync-one', 2))!.definition.title).toEqual({ en: 'Sync one, changed', ms: 'Perbaharui lesen widget' });

    // one file removed: out of the catalogue, its versions kept
    fs.rmSync(path.join(dir, 'msf', 'sync-two.json'));
    catalogue = await syncCatalogue(database.db, dir);
    expect(catalogue.get('sync-two')).toBeUndefined();
    const two = await database.db.selectFrom('services').selectAll().where('id', '=', 'sync-two').executeTakeFirstOrThrow();
    expect(Number(two.active)).toBe(0);
    expect((await catalogue.getVersion('sync-two', 1))?.definition.id).toBe('sync-two');
  });

  it('publishes nothing when a definition is invalid', async () => {
    const dir = servicesDir();
    fs.writeFileSync(path.join(dir, 'msf', 'sync-three.json'), JSON.stringify({ ...definition('sync-three'), agency: 'nobody' }));
    const before = await database.db.selectFrom('service_versions').select(['service_id', 'version']).execute();
    await expect(syncCatalogue(database.db, dir)).rejects.toThrow(/sync-three\.json.*"nobody" is not in services\/agencies\.yaml/s);
    const after = await database.db.selectFrom('service_versions').select(['service_id', 'version']).execute();
    expect(after).toHaveLength(before.length);
  });

  it('the real services/ directory publishes, and a second sync changes nothing', async () => {
    const loaded = loadDefinitions(SERVICES_DIR);
    for (const a of loaded.agencies) await upsertAgency(database.db, a);
    const first = await syncCatalogue(database.db, SERVICES_DIR, undefined, { journeySteps: new Set(['sign']) });
    const second = await syncCatalogue(database.db, SERVICES_DIR, undefined, { journeySteps: new Set(['sign']) });
    expect(second.list().map((s) => [s.id, s.version])).toEqual(first.list().map((s) => [s.id, s.version]));
    expect(first.list().length).toBe(loaded.services.length);
  });
});
