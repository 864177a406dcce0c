import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { createApiKey, revokeApiKey } from './index.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

describe('API keys', () => {
  it('identify the agency, limit scopes, are stored only as a hash and stop working when revoked', async () => {
    const { id, key } = await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'case system', scopes: ['applications:read'] });
    const stored = await p.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(key.slice(4));

    const ok = await p.app.inject({ url: '/api/v1/whoami', headers: { authorization: `Bearer ${key}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ agency: 'msf', scopes: ['applications:read'] });
    // every call is attributed to the key's agency in the audit log
    const trail = await auditTrail(p.ctx.db, `api-key:${id}`);
    expect(trail.at(-1)).toMatchObject({ action: 'api.call' });

    expect((await p.app.inject('/api/v1/whoami')).json()).toMatchObject({ code: 'unauthenticated' });
    expect((await p.app.inject({ url: '/api/v1/whoami', headers: { authorization: 'Bearer civ_wrongwrongwrongwrongwrong' } })).statusCode).toBe(401);
    await revokeApiKey(p.ctx.db, id, null);
    expect((await p.app.inject({ url: '/api/v1/whoami', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
  });

  it('refuses unknown scopes', async () => {
    await expect(createApiKey(p.ctx.db, { agencyId: 'msf', name: 'x', scopes: ['everything'] })).rejects.toThrow();
  });

  it('can be created from the command line, printed once', () => {
    const out = execFileSync('node', ['bin/civitas.js', 'api-key', 'create', '--agency', 'msf', '--scopes', 'applications:read,payments:write'], {
      env: { ...process.env, CIVITAS_DATA_DIR: p.config.dataDir, ...(p.config.database.dialect === 'postgres' ? { DATABASE_URL: p.config.database.url } : {}), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(out).toMatch(/API key created for msf/);
    expect(out).toMatch(/^\s+civ_[\w-]+$/m);
  });
});
