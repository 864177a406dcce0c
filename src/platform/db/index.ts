/**
 * One typed query layer (Kysely) over SQLite (embedded default) and PostgreSQL
 * (scale-out). Conventions that keep the same queries working on both:
 *  - ids are text (uuid strings), timestamps are ISO-8601 UTC text,
 *  - booleans are integers 0/1, JSON is text (parsed at the repository boundary),
 *  - counts are normalised with Number().
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseConfig } from '../config/index.ts';

export type Dialect = 'sqlite' | 'postgres';
/** A database handle or an open transaction: use cases accept either. */
export type Db = Kysely<any>;
export type Trx = Transaction<any>;

export interface Database {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

// int8 (counts, sums, bigint columns) as JS numbers: every value Civitas stores fits.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openDatabase(cfg: DatabaseConfig, opts: { poolSize?: number; onIdleError?: (err: Error) => void } = {}): Promise<Database> {
  if (cfg.dialect === 'sqlite') {
    fs.mkdirSync(path.dirname(cfg.file), { recursive: true });
    const sqlite = new SQLite(cfg.file);
    sqlite.pragma('journal_mode = WAL');
    // FULL: a commit acknowledged to a user survives a power loss, not just a crash.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: cfg.url, max: opts.poolSize ?? 10 });
  // An idle connection the server drops (restart, failover, idle timeout) must not crash the
  // process: the pool discards it and opens a new one on the next query.
  pool.on('error', (err) => opts.onIdleError?.(err));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

export function dialectOf(db: Db): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Run fn in a transaction, or inside the caller's transaction if there is one. */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(fn);
}

export const newId = (): string => randomUUID();
export const nowIso = (d: Date = new Date()): string => d.toISOString();
export const toBool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
export const fromBool = (v: boolean): number => (v ? 1 : 0);
export const toJson = (v: unknown): string => JSON.stringify(v);
export function fromJson<T>(v: unknown): T {
  if (v === null || v === undefined) return v as T;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

export { sql };
