/**
 * Two officers (or systems) acting on the same case at once cannot both
 * succeed: one action commits, the other is refused with a clear conflict and
 * changes nothing. On PostgreSQL this is tested across two Civitas platforms,
 * each with its own connection pool on the same database, as two processes
 * behind a load balancer would be; on SQLite (one process by design) within
 * one platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, usingPostgres, type TestPlatform } from '../../../test/helpers/platform.ts';
import { babyBonusAnswers } from '../../../test/helpers/casework.ts';
import { createLogger } from '../../platform/log/index.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { createPlatform, type Platform } from '../../main.ts';
import { listHistory } from '../applications/index.ts';
import { createApiKey } from '../identity/index.ts';
import { deriveCase, findCase } from './index.ts';
import { changeCase } from './repository.ts';

let a: TestPlatform;
let b: Platform;
let keyA = '';
let keyB = '';

beforeAll(async () => {
  a = await createTestPlatform();
  // the second "process": its own platform and pool on the same database (same data directory, so the same keys)
  b = usingPostgres()
    ? await createPlatform(loadConfig({ CIVITAS_DATA_DIR: a.config.dataDir, CIVITAS_DEMO: '1', LOG_LEVEL: 'silent', PORT: '0', DATABASE_URL: a.config.database.url }), { log: createLogger('silent') })
    : a;
  const scopes = ['applications:write', 'applications:read', 'casework:act'];
  keyA = (await createApiKey(a.ctx.db, { agencyId: 'msf', name: 'system A', scopes, officerRole: 'case_officer' })).key;
  keyB = (await createApiKey(a.ctx.db, { agencyId: 'msf', name: 'system B', scopes, officerRole: 'case_officer' })).key;
});
afterAll(async () => {
  if (b && b !== a) await b.close();
  await a?.close();
});

const call = async (p: Platform, key: string, method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const r = await p.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: r.statusCode, body: r.json() as any };
};

describe(`concurrent actions (${usingPostgres() ? 'two platforms, two pools, one PostgreSQL' : 'SQLite, one platform'})`, () => {
  it('lets exactly one of two simultaneous actions on the same case version succeed, every time', async () => {
    for (let round = 0; round < 6; round++) {
      const created = await call(a, keyA, 'POST', '/api/v1/services/baby-bonus/applications', { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const version = created.body.case.version as number;
      const [r1, r2] = await Promise.all([
        call(a, keyA, 'POST', `/api/v1/applications/${id}/actions`, { action: 'complete_step', version }),
        call(b, keyB, 'POST', `/api/v1/applications/${id}/actions`, { action: 'request_information', message: 'Send the marriage certificate.', version }),
      ]);
      expect([r1.status, r2.status].sort()).toEqual([200, 409]);
      const loser = r1.status === 409 ? r1 : r2;
      expect(loser.body.code).toBe('conflict');
      expect(loser.body.message).toContain('Someone else acted on case');
      // one action in the history, one version step, and the cached case equals its history
      const history = await listHistory(a.ctx.db, a.ctx.keys, id, { withComments: false });
      expect(history.filter((e) => e.type === 'case.step_completed' || e.type === 'case.information_requested')).toHaveLength(1);
      const c = (await findCase(a.ctx.db, a.ctx.keys, id))!;
      expect(c.version).toBe(version + 1);
      const steps = (await a.catalogue.getVersion('baby-bonus', c.serviceVersion))!.definition.workflow.steps;
      expect(deriveCase(history, steps)).toMatchObject({ state: c.state, stepId: c.stepId, version: c.version, dueDate: c.dueDate, pausedDaysLeft: c.pausedDaysLeft });
    }
  });

  it('without a version, the second of two simultaneous approvals finds the case closed', async () => {
    const created = await call(a, keyA, 'POST', '/api/v1/services/baby-bonus/applications', { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
    const id = created.body.id as string;
    const [r1, r2] = await Promise.all([
      call(a, keyA, 'POST', `/api/v1/applications/${id}/actions`, { action: 'reject', message: 'Not eligible.' }),
      call(b, keyB, 'POST', `/api/v1/applications/${id}/actions`, { action: 'reject', message: 'Not eligible either.' }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    const history = await listHistory(a.ctx.db, a.ctx.keys, id, { withComments: false });
    expect(history.filter((e) => e.type === 'case.rejected')).toHaveLength(1);
    const decided = await a.ctx.db.selectFrom('jobs').select('id').where('queue', '=', 'casework.decided').where('payload', 'like', `%${id}%`).execute();
    expect(decided).toHaveLength(1);
  });

  it.skipIf(!usingPostgres())('makes the second writer wait for the first and then find the version moved (row lock + compare-and-set)', async () => {
    const created = await call(a, keyA, 'POST', '/api/v1/services/baby-bonus/applications', { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
    const id = created.body.id as string;
    const version = created.body.case.version as number;
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => { releaseFirst = resolve; });
    let firstChanged = false;
    let secondFinished = false;
    const first = a.ctx.db.transaction().execute(async (trx) => {
      firstChanged = await changeCase(trx, id, version, { assigneeId: null, escalated: true }, new Date().toISOString());
      await firstMayCommit; // hold the row lock
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = b.ctx.db.transaction().execute(async (trx) => {
      const changed = await changeCase(trx, id, version, { escalated: false }, new Date().toISOString());
      secondFinished = true;
      return changed;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(firstChanged).toBe(true);
    expect(secondFinished).toBe(false); // waiting on the first's row lock
    releaseFirst();
    await first;
    expect(await second).toBe(false); // the version moved: nothing changed
    expect((await findCase(a.ctx.db, a.ctx.keys, id))!).toMatchObject({ version: version + 1, escalated: true });
  });

  it('answers a request retried at both platforms at once with one application', async () => {
    const body = { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() };
    const [r1, r2] = await Promise.all([
      call(a, keyA, 'POST', '/api/v1/services/baby-bonus/applications', body, { 'idempotency-key': 'retry-42' }),
      call(b, keyA, 'POST', '/api/v1/services/baby-bonus/applications', body, { 'idempotency-key': 'retry-42' }),
    ]);
    expect([r1.status, r2.status]).toEqual([201, 201]);
    expect(r1.body.id).toBe(r2.body.id);
  });
});
