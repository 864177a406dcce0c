/**
 * Migrations live in migrations/, one file per change, shared by both dialects.
 * Column-type helpers below cover the few places where the dialects differ.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { dialectOf, type Db } from './index.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}-[a-z0-9-]+\.ts$/.test(f)).sort();
    const out: Record<string, Migration> = {};
    for (const f of files) out[f.replace(/\.ts$/, '')] = await import(pathToFileURL(path.join(MIGRATIONS_DIR, f)).href);
    return out;
  }
}

export async function migrateToLatest(db: Db, onProgress?: (name: string) => void): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new FolderProvider(), allowUnorderedMigrations: true });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  const applied: string[] = [];
  for (const r of results ?? []) {
    if (r.status === 'Success') { applied.push(r.migrationName); onProgress?.(r.migrationName); }
    if (r.status === 'Error') throw new Error(`Migration ${r.migrationName} failed: ${String(error)}`);
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return applied;
}

/** Column types that differ between SQLite and PostgreSQL. */
export function types(db: Db) {
  const pg = dialectOf(db) === 'postgres';
  return {
    /** auto-incrementing integer primary key type */
    serial: pg ? ('bigserial' as const) : ('integer' as const),
    blob: pg ? ('bytea' as const) : ('blob' as const),
    isPostgres: pg,
  };
}
