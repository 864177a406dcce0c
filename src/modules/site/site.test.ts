import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

describe('operations endpoints', () => {
  it('GET /healthz answers 200 when the database is reachable', async () => {
    const r = await p.app.inject('/healthz');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok', database: p.ctx.dialect });
  });

  it('GET /metrics reports request latency by route and job queue depth', async () => {
    await p.app.inject('/services');
    const r = await p.app.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toMatch(/civitas_http_request_duration_seconds_bucket\{[^}]*route="\/services"/);
    expect(r.body).toContain('# TYPE civitas_jobs gauge');
    expect(r.body).toContain('civitas_jobs_finished_total');
  });

  it('GET /api/openapi.json documents every API route (OpenAPI 3.1) and no page', async () => {
    const doc = (await p.app.inject('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/services');
    expect(Object.keys(doc.paths)).toContain('/healthz');
    expect(Object.keys(doc.paths).filter((k) => !k.startsWith('/api/v1/') && k !== '/healthz')).toEqual([]);
    expect(doc.paths['/api/v1/services'].get.responses['200']).toBeDefined();
  });

  it('serves the footer\'s content pages and a 404 page for others', async () => {
    expect((await p.app.inject({ url: '/pages/privacy', headers: { accept: 'text/html' } })).statusCode).toBe(200);
    const r = await p.app.inject({ url: '/pages/nope', headers: { accept: 'text/html' } });
    expect(r.statusCode).toBe(404);
    expect(r.body).toContain('Page not found');
  });
});
