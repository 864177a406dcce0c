/**
 * Configuration comes from the environment and is validated once at start.
 * Every wrong value produces its own clear message; all are reported together.
 */
import path from 'node:path';

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string; url: string }
  | { dialect: 'postgres'; url: string };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  demo: boolean;
  baseUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  /** run the background worker inside the web process */
  worker: boolean;
  /** secure cookies (https base URL) */
  secureCookies: boolean;
  /** PostgreSQL connections per process */
  dbPoolSize: number;
  /** an external RFC 3161 timestamp authority; unset: Civitas's own (signatures module) */
  tsaUrl: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Civitas cannot start: the configuration has ${problems.length} problem(s):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface ConfigDefaults {
  /** demo mode when CIVITAS_DEMO is unset (npm start turns it on) */
  demo?: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseFlag(name: string, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  problems.push(`${name}="${raw}" is not a switch: use 1 (on) or 0 (off).`);
  return fallback;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: ConfigDefaults = {}): Config {
  const problems: string[] = [];

  let port = 3000;
  if (env.PORT !== undefined && env.PORT !== '') {
    const n = Number(env.PORT);
    if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`PORT="${env.PORT}" is not a port number: use a whole number from 1 to 65535 (default 3000).`);
    else port = n;
  }

  const demo = parseFlag('CIVITAS_DEMO', env.CIVITAS_DEMO, defaults.demo ?? false, problems);
  const worker = parseFlag('CIVITAS_WORKER', env.CIVITAS_WORKER, true, problems);

  const dataDir = path.resolve(env.CIVITAS_DATA_DIR && env.CIVITAS_DATA_DIR !== '' ? env.CIVITAS_DATA_DIR : './data');

  let database: DatabaseConfig = { dialect: 'sqlite', file: path.join(dataDir, 'civitas.sqlite'), url: `sqlite:${path.join(dataDir, 'civitas.sqlite')}` };
  const dbUrl = env.DATABASE_URL?.trim();
  if (dbUrl) {
    if (/^postgres(ql)?:\/\//.test(dbUrl)) {
      try {
        const u = new URL(dbUrl);
        if (!u.hostname) throw new Error('no host');
        if (u.pathname.length <= 1) problems.push('DATABASE_URL names no database: add one, e.g. postgres://user@host:5432/civitas.');
        database = { dialect: 'postgres', url: dbUrl };
      } catch {
        problems.push('DATABASE_URL is not a valid postgres:// URL (expected postgres://user:password@host:5432/database).');
      }
    } else if (dbUrl.startsWith('sqlite:')) {
      const file = path.resolve(dbUrl.slice('sqlite:'.length));
      database = { dialect: 'sqlite', file, url: `sqlite:${file}` };
    } else {
      problems.push('DATABASE_URL must start with postgres:// (PostgreSQL) or sqlite: (a SQLite file); leave it unset for SQLite in the data directory.');
    }
  }

  let baseUrl = `http://localhost:${port}`;
  if (env.CIVITAS_BASE_URL) {
    try {
      const u = new URL(env.CIVITAS_BASE_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      baseUrl = u.toString().replace(/\/$/, '');
    } catch {
      problems.push(`CIVITAS_BASE_URL="${env.CIVITAS_BASE_URL}" is not an http(s) URL (e.g. https://services.example.gov).`);
    }
  }

  let smtpUrl: string | undefined;
  if (env.CIVITAS_SMTP_URL) {
    try {
      const u = new URL(env.CIVITAS_SMTP_URL);
      if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error('protocol');
      smtpUrl = env.CIVITAS_SMTP_URL;
    } catch {
      problems.push('CIVITAS_SMTP_URL is not an smtp:// or smtps:// URL (e.g. smtps://user:password@mail.example.gov:465).');
    }
  }

  let tsaUrl: string | undefined;
  if (env.CIVITAS_TSA_URL) {
    try {
      const u = new URL(env.CIVITAS_TSA_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      tsaUrl = u.toString();
    } catch {
      problems.push(`CIVITAS_TSA_URL="${env.CIVITAS_TSA_URL}" is not an http(s) URL of an RFC 3161 timestamp authority (e.g. https://tsa.example.gov/tsr).`);
    }
  }

  const mailFrom = env.CIVITAS_MAIL_FROM || 'Civitas <no-reply@civitas.localhost>';
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL="${logLevel}" is not one of ${LOG_LEVELS.join(', ')}.`);

  const host = env.HOST || (demo ? '127.0.0.1' : '0.0.0.0');

  let dbPoolSize = 10;
  if (env.CIVITAS_DB_POOL_SIZE) {
    const n = Number(env.CIVITAS_DB_POOL_SIZE);
    if (!Number.isInteger(n) || n < 1 || n > 500) problems.push(`CIVITAS_DB_POOL_SIZE="${env.CIVITAS_DB_POOL_SIZE}" is not a number of connections from 1 to 500 (default 10).`);
    else dbPoolSize = n;
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    port, host, dataDir, database, demo, baseUrl, smtpUrl, mailFrom, logLevel, worker,
    secureCookies: baseUrl.startsWith('https:'), tsaUrl, dbPoolSize,
  };
}

/** A description of the configuration safe to print: no passwords. */
export function describeDatabase(db: DatabaseConfig): string {
  if (db.dialect === 'sqlite') return `SQLite file ${db.file}`;
  const u = new URL(db.url);
  return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
