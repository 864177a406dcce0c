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
});
