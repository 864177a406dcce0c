import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

describe('configuration', () => {
  it('has working defaults: port 3000, ./data, SQLite in the data directory, demo off unless asked', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.database).toMatchObject({ dialect: 'sqlite' });
    expect(c.database.dialect === 'sqlite' && c.database.file).toMatch(/data\/civitas\.sqlite$/);
    expect(c.demo).toBe(false);
    expect(loadConfig({}, { demo: true }).demo).toBe(true);
    expect(loadConfig({ CIVITAS_DEMO: '0' }, { demo: true }).demo).toBe(false);
    expect(c.baseUrl).toBe('http://localhost:3000');
  });

  it('chooses PostgreSQL from DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/civitas' });
    expect(c.database).toEqual({ dialect: 'postgres', url: 'postgres://u@db:5432/civitas' });
  });

  it('reports every wrong value, each with its own clear message', () => {
    try {
      loadConfig({ PORT: 'eighty', CIVITAS_DEMO: 'maybe', DATABASE_URL: 'mysql://x', CIVITAS_BASE_URL: 'not a url', CIVITAS_SMTP_URL: 'http://mail', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems;
      expect(problems).toHaveLength(6);
      expect(problems.join('\n')).toMatch(/PORT="eighty" is not a port number/);
      expect(problems.join('\n')).toMatch(/CIVITAS_DEMO="maybe" is not a switch/);
      expect(problems.join('\n')).toMatch(/DATABASE_URL must start with postgres:\/\//);
      expect(problems.join('\n')).toMatch(/CIVITAS_BASE_URL="not a url"/);
      expect(problems.join('\n')).toMatch(/CIVITAS_SMTP_URL is not an smtp/);
      expect(problems.join('\n')).toMatch(/LOG_LEVEL="loud"/);
    }
  });

  it('refuses a PostgreSQL URL without a database name', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@db:5432' })).toThrow(/names no database/);
  });

  it('reads external OpenID providers and checks each entry, naming what to fix', () => {
    const ok = loadConfig({ CIVITAS_OIDC_PROVIDERS: JSON.stringify([
      { id: 'singpass', kind: 'singpass', issuer: 'https://id.singpass.gov.sg', clientId: 'abc' },
      { id: 'corppass', kind: 'corppass', issuer: 'https://id.corppass.gov.sg', clientId: 'abc' },
      { id: 'msf-directory', issuer: 'https://login.msf.example.gov', clientId: 'civitas', audience: 'officer', agency: 'msf', label: 'MSF directory' },
    ]) });
    expect(ok.oidcProviders.map((p) => [p.id, p.kind, p.audience, p.scope, p.clientAuth])).toEqual([
      ['singpass', 'singpass', 'person', 'openid', 'private_key_jwt'],
      ['corppass', 'corppass', 'business', 'openid', 'private_key_jwt'],
      ['msf-directory', 'oidc', 'officer', 'openid email profile', 'private_key_jwt'],
    ]);
    expect(() => loadConfig({ CIVITAS_OIDC_PROVIDERS: '{"id": "x"}' })).toThrow(/CIVITAS_OIDC_PROVIDERS is not a JSON list/);
    try {
      loadConfig({ CIVITAS_OIDC_PROVIDERS: JSON.stringify([
        { id: 'Sing Pass', kind: 'singpass', issuer: 'ftp://x', clientAuth: 'client_secret_basic', clientSecret: 's' },
        { id: 'dir', issuer: 'https://dir.example.gov', clientId: 'c', audience: 'officer' },
        { id: 'dir', kind: 'corppass', issuer: 'https://cp.example.gov', clientId: 'c', audience: 'person' },
      ]) });
      expect.unreachable();
    } catch (e) {
      const text = (e as ConfigError).problems.join('\n');
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[0\]\.id must be a short lower-case name/);
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[0\]\.issuer must be the provider's issuer URL/);
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[0\]\.clientId is missing/);
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[0\]: Singpass and Corppass need clientAuth "private_key_jwt"/);
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[1\]\.agency is missing/);
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[1\]\.label is missing/);
      expect(text).toMatch(/CIVITAS_OIDC_PROVIDERS\[2\]: Corppass signs in business users/);
    }
  });

  it('reads relying parties of the built-in provider and the key rotation period', () => {
    const c = loadConfig({ CIVITAS_OIDC_CLIENTS: JSON.stringify([{ client_id: 'hdb-portal', redirect_uris: ['https://x.example.gov/cb'] }]), CIVITAS_SIGNING_KEY_DAYS: '30' });
    expect(c.oidcClients[0]).toMatchObject({ client_id: 'hdb-portal' });
    expect(c.signingKeyDays).toBe(30);
    expect(() => loadConfig({ CIVITAS_OIDC_CLIENTS: JSON.stringify([{ client_id: 'civitas-web', redirect_uris: [] }]) })).toThrow(/not "civitas-web"/);
    expect(() => loadConfig({ CIVITAS_SIGNING_KEY_DAYS: '0' })).toThrow(/CIVITAS_SIGNING_KEY_DAYS="0"/);
  });
});
