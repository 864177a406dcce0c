/**
 * Test platforms: the real Civitas, in-process, on a fresh database. SQLite
 * gets a temporary file; when DATABASE_URL points at PostgreSQL every call gets
 * its own new database on that server, dropped afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/platform/config/index.ts';
import { createLogger } from '../../src/platform/log/index.ts';
import { createPlatform, type Platform, type PlatformOptions } from '../../src/main.ts';

export interface TestPlatform extends Platform {
  config: Config;
}

export const usingPostgres = (): boolean => !!process.env.DATABASE_URL?.startsWith('postgres');

/** A fresh, empty database URL for this test (PostgreSQL) or undefined (SQLite in the data dir). */
export async function freshDatabaseUrl(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (!usingPostgres()) return { url: undefined, drop: async () => undefined };
  const admin = new URL(process.env.DATABASE_URL!);
  const name = `civitas_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      // pg's pool.end() resolves before its connections have closed: let them close, so that
      // the forced drop does not kill a connection that is still ending (an unhandled FATAL 57P01)
      for (let i = 0; i < 50; i++) {
        const r = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (r.rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function createTestPlatform(env: Record<string, string> = {}, opts: PlatformOptions = {}): Promise<TestPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-test-'));
  const db = await freshDatabaseUrl();
  const config = loadConfig({ CIVITAS_DATA_DIR: dataDir, CIVITAS_DEMO: '1', LOG_LEVEL: 'silent', PORT: '0', ...(db.url ? { DATABASE_URL: db.url } : {}), ...env });
  const platform = await createPlatform(config, { log: createLogger(env.LOG_LEVEL ?? 'silent'), ...opts });
  return {
    ...platform,
    config,
    async close() {
      await platform.close();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
