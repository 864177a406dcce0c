/**
 * Data-key rotation without downtime: `civitas keys rotate --owner data`
 * publishes a new key; the background job activates it and re-encrypts every
 * declared column of personal data in batches, with its progress recorded;
 * reads keep working in the middle (values under both keys), another process
 * opens the new values once it has reloaded, and at the end nothing personal
 * is left under the old key.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { drain, sendBabyBonus, signInAs } from '../../../test/helpers/casework.ts';
import { KeyRing, loadMasterKey } from '../../platform/crypto/keyring.ts';
import { ROTATION_QUEUE, rotationStatus } from '../../platform/crypto/rotation.ts';
import { findApplication } from '../applications/index.ts';
import { createApiKey, DEMO_PERSONAS } from '../identity/index.ts';
import { ENCRYPTED_COLUMNS } from '../../main.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform({}, { rotation: { publishDelayMs: 0, settleMs: 0, batchSize: 20, batchesPerRun: 2 } }); });
afterAll(async () => { await p?.close(); });

async function versions(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const c of ENCRYPTED_COLUMNS) {
    const rows = await p.ctx.db.selectFrom(c.table).select(c.column).where(c.column, 'is not', null).execute() as any[];
    for (const r of rows) { const v = KeyRing.versionOf(r[c.column])!; out.set(`v${v}`, (out.get(`v${v}`) ?? 0) + 1); }
  }
  return out;
}

const cli = (...args: string[]) => execFileSync('node', ['bin/civitas.js', ...args], {
  env: { ...process.env, CIVITAS_DATA_DIR: p.config.dataDir, ...(p.config.database.dialect === 'postgres' ? { DATABASE_URL: p.config.database.url } : {}), LOG_LEVEL: 'silent' },
  encoding: 'utf8',
});

describe('data-key rotation', () => {
  it('re-encrypts personal data in the background, readable throughout, with progress', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    await drain(p);
    const key = (await createApiKey(p.ctx.db, { agencyId: 'ica', name: 'r', scopes: ['registry:read'] })).key;
    const tan = DEMO_PERSONAS.find((x) => x.id === 'tan-ah-kow')!.nric!;
    const read = async () => (await p.app.inject({ url: `/api/v1/registry/people/${tan}?attributes=name,regadd&purpose=rotation-test`, headers: { authorization: `Bearer ${key}` } })).json();
    expect((await read()).name.value).toBe('TAN AH KOW');
    const before = await versions();
    expect([...before.keys()]).toEqual(['v1']);
    const total = before.get('v1')!;
    expect(total).toBeGreaterThan(40);

    // another process, loaded before the rotation
    const other = await KeyRing.load(p.ctx.db, loadMasterKey(p.config.dataDir));

    const out = cli('keys', 'rotate', '--owner', 'data');
    expect(out).toMatch(/New data key v2 \(rotation [0-9a-f-]+\)/);
    expect(out).toContain('civitas keys status');
    expect(cli('keys', 'status')).toMatch(/to data key v2: publishing/);

    // the publishing minute passes (every process has reloaded its keys by then)
    await p.ctx.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000).toISOString() }).where('queue', '=', ROTATION_QUEUE).execute();
    // one run of the job: the key is active and part of the data is re-encrypted; both kinds read fine
    expect(await p.worker.runOnce()).toBe(1);
    const middle = await versions();
    expect(middle.get('v2')).toBeGreaterThan(0);
    expect(middle.get('v1')).toBeGreaterThan(0);
    expect((await read()).regadd.block.value).toBe('123');
    expect((await findApplication(p.ctx.db, p.ctx.keys, id))!.answers.fullName).toBe('Tan Ah Kow');
    expect(p.ctx.keys.version).toBe(2);
    expect(p.ctx.keys.encrypt('new value', 'x')).toMatch(/^v2:/);
    let status = (await rotationStatus(p.ctx.db))[0]!;
    expect(status.state).toBe('running');
    expect(Object.values(status.columns).reduce((n, c) => n + c.reencrypted, 0)).toBeGreaterThan(0);

    // the other process opens new values once it has reloaded (every 30 s in a running Civitas)
    const sealed = p.ctx.keys.encrypt('hello', 'ctx');
    expect(() => other.decrypt(sealed, 'ctx')).toThrow(/v2 is missing/);
    await other.reload(p.ctx.db);
    expect(other.decrypt(sealed, 'ctx')).toBe('hello');

    for (let i = 0; i < 200 && status.state !== 'done'; i++) {
      await p.worker.runOnce();
      status = (await rotationStatus(p.ctx.db))[0]!;
    }
    expect(status.state).toBe('done');
    const after = await versions();
    expect(after.get('v1') ?? 0).toBe(0);
    expect(after.get('v2')).toBe(total + 1); // + the read's entry in "who used my data"
    for (const c of Object.values(status.columns)) expect(c.remaining).toBe(0);
    expect(Object.keys(status.columns)).toEqual(expect.arrayContaining(['accounts.nric_enc', 'applications.answers_enc', 'registry_person_items.value_enc', 'data_uses.details_enc']));
    expect((await read()).name.value).toBe('TAN AH KOW');
    expect(cli('keys', 'status')).toMatch(/to data key v2: done/);
    // the people still sign in and see their data
    const again = await signInAs(p, 'tan-ah-kow');
    expect((await again.get(`/applications/${id}`)).html).toContain('Tan Ah Kow');
  }, 120_000);
});
