/** Migration 0500 moves the old email outbox into notifications: rows still open with their keys, queued jobs still send them; 0501 keeps the old name as a view. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, type Migration } from 'kysely';
import { expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../../test/helpers/platform.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { openDatabase } from '../../platform/db/index.ts';
import { MIGRATIONS_DIR, migrateToLatest } from '../../platform/db/migrate.ts';
import { KeyRing, loadMasterKey } from '../../platform/crypto/keyring.ts';

it('moves outbound_emails into notifications, readable with the same keys, and their queued jobs to the new queue', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-migration-'));
  const fresh = await freshDatabaseUrl();
  const config = loadConfig({ CIVITAS_DATA_DIR: dataDir, ...(fresh.url ? { DATABASE_URL: fresh.url } : {}) });
  const database = await openDatabase(config.database);
  try {
    const db = database.db;
    const all: Record<string, Migration> = {};
    for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((x) => /^\d{4}-.*\.ts$/.test(x)).sort()) {
      if (f >= '0500' && f < '0600') continue; // ours: applied below by migrateToLatest
      all[f.replace(/\.ts$/, '')] = await import(pathToFileURL(path.join(MIGRATIONS_DIR, f)).href);
    }
    const before = new Migrator({ db, provider: { getMigrations: async () => all }, allowUnorderedMigrations: true });
    const { error } = await before.migrateToLatest();
    expect(error).toBeUndefined();
    const keys = await KeyRing.load(db, loadMasterKey(dataDir));
    const id = '7c1f5f7e-3c2b-4a8e-9a61-1d2b3c4d5e6f';
    const c = `email:${id}`;
    await db.insertInto('outbound_emails').values({
      id, kind: 'identity.reset', account_id: null, to_enc: keys.encrypt('old@example.sg', c), subject_enc: keys.encrypt('Reset your password', c), body_enc: keys.encrypt('Follow the link', c),
      lang: 'ms', status: 'created', attempts: 0, created_at: '2026-11-01T00:00:00.000Z',
    }).execute();
    await db.insertInto('jobs').values({ id: 'job-1', queue: 'notifications.email', payload: JSON.stringify({ id }), state: 'pending', attempts: 0, max_attempts: 10, run_at: '2026-11-01T00:00:00.000Z', dedupe_key: null, created_at: '2026-11-01T00:00:00.000Z', updated_at: '2026-11-01T00:00:00.000Z' }).execute();

    await migrateToLatest(db);
    const row: any = await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect([row.channel, row.kind, row.lang, row.status, keys.decrypt(row.recipient_enc, c), keys.decrypt(row.subject_enc, c), keys.decrypt(row.body_enc, c)])
      .toEqual(['email', 'identity.reset', 'ms', 'created', 'old@example.sg', 'Reset your password', 'Follow the link']);
    expect((await db.selectFrom('jobs').select('queue').where('id', '=', 'job-1').executeTakeFirstOrThrow()).queue).toBe('notifications.send');
    // the old name stays readable (a view over the email rows) for code written against it
    const old: any = await db.selectFrom('outbound_emails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect([old.kind, keys.decrypt(old.to_enc, c), old.status]).toEqual(['identity.reset', 'old@example.sg', 'created']);
  } finally {
    await database.close();
    await fresh.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
