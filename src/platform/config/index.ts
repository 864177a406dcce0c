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
  /** external OpenID providers Civitas signs people in with (Singpass, Corppass, an agency's directory, ...) */
  oidcProviders: ExternalProviderConfig[];
  /** Myinfo (CIVITAS_MYINFO): where prefill fetches a person's data with their consent; null: Civitas's own registry */
  myinfo: MyinfoConfig | null;
  /** extra relying parties of Civitas's own OpenID provider */
  oidcClients: OidcClientConfig[];
  /** days between automatic rotations of the signing and encryption keys */
  signingKeyDays: number;
  /** the public-holiday calendar deadlines count working days on (src/platform/calendar/data) */
  calendar: string;
  /** notifications: SMTP must use TLS (STARTTLS or smtps); CIVITAS_SMTP_REQUIRE_TLS, default on */
  smtpRequireTls: boolean;
  /** notifications: an SMS gateway over HTTP (docs/notifications.md); unset: no SMS (demo mode: SMS shown in the demo viewer) */
  sms: { url: string; token: string | undefined; sender: string } | undefined;
  /** notifications: at most this many messages to one address or number per hour, and per agency per minute */
  notifyRecipientPerHour: number;
  notifyAgencyPerMinute: number;
}

/** Myinfo, from CIVITAS_MYINFO (a JSON object): {"url": "https://...", "clientId": "...", "clientSecret": "...", "version": "v3"} */
export interface MyinfoConfig { url: string; clientId: string; clientSecret: string | null; version: 'v3' | 'v4' }

/** An external OpenID Connect provider, from CIVITAS_OIDC_PROVIDERS (a JSON list). */
export interface ExternalProviderConfig {
  /** short name used in URLs: /auth/<id>/callback */
  id: string;
  /** singpass and corppass read Singpass/Corppass claims (NRIC, UEN); oidc reads standard claims */
  kind: 'singpass' | 'corppass' | 'oidc';
  issuer: string;
  clientId: string;
  /** who signs in with it: people (NRIC), business users (NRIC + UEN) or officers of one agency */
  audience: 'person' | 'business' | 'officer';
  /** for audience "officer": the agency whose officers use it */
  agency: string | null;
  /** button text, per language (defaults for Singpass and Corppass) */
  label: Partial<Record<'en' | 'ms' | 'zh' | 'ta', string>> | null;
  scope: string;
  /** private_key_jwt (default: Civitas's relying-party key, ES256) or client_secret_basic */
  clientAuth: 'private_key_jwt' | 'client_secret_basic';
  clientSecret: string | null;
  /** for officers: whether the provider's own second factor (amr) is accepted instead of Civitas's */
  trustProviderMfa: boolean;
}

/** A relying party registered with the built-in provider, from CIVITAS_OIDC_CLIENTS (a JSON list of client metadata). */
export interface OidcClientConfig {
  client_id: string;
  redirect_uris: string[];
  /** first-party clients are not asked for consent */
  first_party?: boolean;
  [k: string]: unknown;
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

  const oidcProviders = parseProviders(env.CIVITAS_OIDC_PROVIDERS, problems);
  const oidcClients = parseClients(env.CIVITAS_OIDC_CLIENTS, problems);
  const myinfo = parseMyinfo(env.CIVITAS_MYINFO, problems);

  let signingKeyDays = 90;
  if (env.CIVITAS_SIGNING_KEY_DAYS) {
    const n = Number(env.CIVITAS_SIGNING_KEY_DAYS);
    if (!Number.isInteger(n) || n < 1 || n > 3650) problems.push(`CIVITAS_SIGNING_KEY_DAYS="${env.CIVITAS_SIGNING_KEY_DAYS}" is not a number of days from 1 to 3650 (default 90).`);
    else signingKeyDays = n;
  }
  const calendar = (env.CIVITAS_CALENDAR ?? '').trim() || 'sg';
  if (!/^[a-z][a-z0-9-]{1,31}$/.test(calendar)) problems.push(`CIVITAS_CALENDAR="${env.CIVITAS_CALENDAR}" is not a calendar id: use a short lower-case id such as sg (the default).`);

  const smtpRequireTls = parseFlag('CIVITAS_SMTP_REQUIRE_TLS', env.CIVITAS_SMTP_REQUIRE_TLS, true, problems);
  let sms: Config['sms'];
  if (env.CIVITAS_SMS_URL) {
    try {
      const u = new URL(env.CIVITAS_SMS_URL);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
      sms = { url: env.CIVITAS_SMS_URL, token: env.CIVITAS_SMS_TOKEN || undefined, sender: env.CIVITAS_SMS_SENDER || 'Civitas' };
    } catch {
      problems.push(`CIVITAS_SMS_URL is not an http(s) URL of an SMS gateway (e.g. https://sms.example.gov/messages).`);
    }
  }
  const perLimit = (name: string, fallback: number): number => {
    const raw = env[name];
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) { problems.push(`${name}="${raw}" is not a whole number from 1 to 1000000 (default ${fallback}).`); return fallback; }
    return n;
  };
  const notifyRecipientPerHour = perLimit('CIVITAS_NOTIFY_RECIPIENT_PER_HOUR', 30);
  const notifyAgencyPerMinute = perLimit('CIVITAS_NOTIFY_AGENCY_PER_MINUTE', 3000);

  if (problems.length) throw new ConfigError(problems);
  return {
    port, host, dataDir, database, demo, baseUrl, smtpUrl, mailFrom, logLevel, worker,
    secureCookies: baseUrl.startsWith('https:'), tsaUrl, dbPoolSize, calendar,
    oidcProviders, oidcClients, signingKeyDays, myinfo, smtpRequireTls, sms, notifyRecipientPerHour, notifyAgencyPerMinute,
  };
}

function parseMyinfo(raw: string | undefined, problems: string[]): MyinfoConfig | null {
  if (raw === undefined || raw.trim() === '') return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw);
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object');
  } catch {
    problems.push('CIVITAS_MYINFO is not a JSON object (e.g. {"url":"https://...","clientId":"..."}): see docs/registry.md.');
    return null;
  }
  const url = typeof o.url === 'string' ? o.url.replace(/\/$/, '') : '';
  if (!/^https?:\/\/[^\s]+$/.test(url)) problems.push('CIVITAS_MYINFO.url must be the Myinfo base URL (http(s)://...).');
  if (typeof o.clientId !== 'string' || !o.clientId) problems.push('CIVITAS_MYINFO.clientId is missing.');
  const version = o.version === undefined ? 'v3' : o.version;
  if (version !== 'v3' && version !== 'v4') problems.push('CIVITAS_MYINFO.version must be "v3" or "v4".');
  return { url, clientId: String(o.clientId ?? ''), clientSecret: typeof o.clientSecret === 'string' ? o.clientSecret : null, version: version as 'v3' | 'v4' };
}

const LABEL_LANGS = ['en', 'ms', 'zh', 'ta'];

function parseJsonList(name: string, raw: string | undefined, problems: string[]): unknown[] | null {
  if (raw === undefined || raw.trim() === '') return [];
  try {
    const v = JSON.parse(raw);
    if (!Array.isArray(v)) throw new Error('not a list');
    return v;
  } catch {
    problems.push(`${name} is not a JSON list (e.g. [{"id":"singpass", ...}]): see docs/identity.md.`);
    return null;
  }
}

/** CIVITAS_OIDC_PROVIDERS: each entry checked, each problem named with the entry it belongs to. */
function parseProviders(raw: string | undefined, problems: string[]): ExternalProviderConfig[] {
  const list = parseJsonList('CIVITAS_OIDC_PROVIDERS', raw, problems);
  if (!list) return [];
  const out: ExternalProviderConfig[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const where = `CIVITAS_OIDC_PROVIDERS[${i}]`;
    if (!item || typeof item !== 'object') { problems.push(`${where} is not an object.`); return; }
    const o = item as Record<string, unknown>;
    const before = problems.length;
    const id = typeof o.id === 'string' ? o.id : '';
    if (!/^[a-z][a-z0-9-]{1,30}$/.test(id)) problems.push(`${where}.id must be a short lower-case name (letters, digits, -), e.g. "singpass".`);
    else if (seen.has(id)) problems.push(`${where}.id "${id}" is used twice.`);
    seen.add(id);
    const kind = o.kind ?? 'oidc';
    if (kind !== 'singpass' && kind !== 'corppass' && kind !== 'oidc') problems.push(`${where}.kind must be "singpass", "corppass" or "oidc".`);
    let issuer = '';
    try {
      const u = new URL(String(o.issuer ?? ''));
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
      issuer = String(o.issuer);
    } catch {
      problems.push(`${where}.issuer must be the provider's issuer URL (https://...).`);
    }
    if (typeof o.clientId !== 'string' || !o.clientId) problems.push(`${where}.clientId is missing: the client id the provider gave Civitas.`);
    const audience = o.audience ?? (kind === 'corppass' ? 'business' : kind === 'singpass' ? 'person' : undefined);
    if (audience !== 'person' && audience !== 'business' && audience !== 'officer') problems.push(`${where}.audience must be "person", "business" or "officer".`);
    if (kind === 'corppass' && audience !== 'business') problems.push(`${where}: Corppass signs in business users: audience must be "business".`);
    if (audience === 'business' && kind !== 'corppass') problems.push(`${where}: only Corppass says which business a user acts for: use kind "corppass" for audience "business".`);
    const agency = typeof o.agency === 'string' && o.agency ? o.agency : null;
    if (audience === 'officer' && !agency) problems.push(`${where}.agency is missing: the agency whose officers sign in with this provider.`);
    let label: ExternalProviderConfig['label'] = null;
    if (o.label !== undefined) {
      if (typeof o.label === 'string') label = { en: o.label };
      else if (o.label && typeof o.label === 'object' && Object.entries(o.label).every(([k, v]) => LABEL_LANGS.includes(k) && typeof v === 'string')) label = o.label as ExternalProviderConfig['label'];
      else problems.push(`${where}.label must be text or {"en": "...", "ms": "...", "zh": "...", "ta": "..."}.`);
    } else if (kind === 'oidc') problems.push(`${where}.label is missing: the text of its sign-in button, e.g. {"en": "Sign in with the MSF directory"}.`);
    const clientAuth = o.clientAuth ?? 'private_key_jwt';
    if (clientAuth !== 'private_key_jwt' && clientAuth !== 'client_secret_basic') problems.push(`${where}.clientAuth must be "private_key_jwt" or "client_secret_basic".`);
    const clientSecret = typeof o.clientSecret === 'string' && o.clientSecret ? o.clientSecret : null;
    if (clientAuth === 'client_secret_basic' && !clientSecret) problems.push(`${where}.clientSecret is needed with clientAuth "client_secret_basic".`);
    if ((kind === 'singpass' || kind === 'corppass') && clientAuth !== 'private_key_jwt') problems.push(`${where}: Singpass and Corppass need clientAuth "private_key_jwt".`);
    const scope = typeof o.scope === 'string' && o.scope ? o.scope : kind === 'oidc' ? 'openid email profile' : 'openid';
    if (!scope.split(' ').includes('openid')) problems.push(`${where}.scope must include "openid".`);
    if (problems.length > before) return;
    out.push({
      id, kind: kind as ExternalProviderConfig['kind'], issuer, clientId: String(o.clientId), audience: audience as ExternalProviderConfig['audience'],
      agency, label, scope, clientAuth: clientAuth as ExternalProviderConfig['clientAuth'], clientSecret, trustProviderMfa: o.trustProviderMfa === true,
    });
  });
  return out;
}

function parseClients(raw: string | undefined, problems: string[]): OidcClientConfig[] {
  const list = parseJsonList('CIVITAS_OIDC_CLIENTS', raw, problems);
  if (!list) return [];
  const out: OidcClientConfig[] = [];
  list.forEach((item, i) => {
    const where = `CIVITAS_OIDC_CLIENTS[${i}]`;
    const o = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const before = problems.length;
    if (typeof o.client_id !== 'string' || !/^[\w.-]{3,100}$/.test(o.client_id) || o.client_id === 'civitas-web') problems.push(`${where}.client_id must be a name of 3 to 100 letters, digits, ".", "-" or "_" (and not "civitas-web").`);
    if (!Array.isArray(o.redirect_uris) || o.redirect_uris.some((u) => typeof u !== 'string')) problems.push(`${where}.redirect_uris must be a list of URLs.`);
    if (problems.length === before) out.push(o as OidcClientConfig);
  });
  return out;
}

/** A description of the configuration safe to print: no passwords. */
export function describeDatabase(db: DatabaseConfig): string {
  if (db.dialect === 'sqlite') return `SQLite file ${db.file}`;
  const u = new URL(db.url);
  return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
