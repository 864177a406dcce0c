/**
 * The registries: Myinfo-shaped items stored encrypted; owning agencies
 * update through the API (only their own items, nothing half-written) and by
 * CSV (row by row, with a report); an API read is written to the person's
 * "who used my data" in its transaction; retention deletes items past their
 * period; the catalogue refuses a prefill that cannot work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { signInAs } from '../../../test/helpers/casework.ts';
import { decode } from '../../../test/helpers/browser.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { createApiKey, DEMO_BUSINESSES, DEMO_PERSONAS } from '../identity/index.ts';
import { DefinitionError, loadDefinitions } from '../catalogue/index.ts';
import { PREFILL_ITEMS, RETENTION_QUEUE, myinfoItems } from './index.ts';
import { SERVICES_DIR } from '../../main.ts';

let p: TestPlatform;
let ica: string;
let msf: string;
const tan = DEMO_PERSONAS.find((x) => x.id === 'tan-ah-kow')!.nric!;
beforeAll(async () => {
  p = await createTestPlatform();
  ica = (await createApiKey(p.ctx.db, { agencyId: 'ica', name: 'ica registry', scopes: ['registry:read', 'registry:write'] })).key;
  msf = (await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'msf registry', scopes: ['registry:read', 'registry:write'] })).key;
});
afterAll(async () => { await p?.close(); });

const api = (key: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  p.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...headers }, payload: payload as any });

describe('registry', () => {
  it('keeps every item encrypted, with its source, agency, classification and last update', async () => {
    const rows = await p.ctx.db.selectFrom('registry_person_items').selectAll().execute() as any[];
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      expect(r.value_enc).toMatch(/^v\d+:/);
      expect(r.value_enc).not.toContain('TAN');
      expect(['1', '2', '4']).toContain(r.source);
      expect(r.classification).toBe('C');
      expect(r.last_updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.delete_after).toBeTruthy();
    }
    // a value moved to another row cannot be read there (it is bound to its person and item)
    const rajesh = (await p.ctx.db.selectFrom('registry_people').select('id').where('uinfin_hash', '=', p.ctx.keys.blindIndex('nric', DEMO_PERSONAS.find((x) => x.id === 'rajesh-kumar')!.nric!)).executeTakeFirstOrThrow()).id;
    const b = rows.find((r) => r.item === 'name' && r.person_id === rajesh);
    const a = rows.find((r) => r.item === 'name' && r.person_id !== rajesh);
    await p.ctx.db.updateTable('registry_person_items').set({ value_enc: a.value_enc }).where('person_id', '=', b.person_id).where('item', '=', 'name').execute();
    const r = await api(ica, 'GET', `/api/v1/registry/people/${DEMO_PERSONAS.find((x) => x.id === 'rajesh-kumar')!.nric}?attributes=name&purpose=checking`);
    expect(r.statusCode).toBe(500);
    await p.ctx.db.updateTable('registry_person_items').set({ value_enc: b.value_enc }).where('person_id', '=', b.person_id).where('item', '=', 'name').execute();
  });

  it('answers an API read in Myinfo shapes and writes it to the person\'s "who used my data"', async () => {
    const r = await api(ica, 'GET', `/api/v1/registry/people/${tan}?attributes=name,regadd,mobileno,childrenbirthrecords,email,occupation,noa-basic&purpose=${encodeURIComponent('Checking an address change')}&reference=ICA-42`);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.name).toEqual({ value: 'TAN AH KOW', source: '1', classification: 'C', lastupdated: '2026-01-15' });
    expect(body.regadd).toMatchObject({ type: 'SG', block: { value: '123' }, street: { value: 'ANG MO KIO AVENUE 3' }, postal: { value: '560123' }, floor: { value: '08' }, unit: { value: '45' }, source: '1' });
    expect(body.mobileno).toMatchObject({ prefix: { value: '+' }, areacode: { value: '65' }, nbr: { value: '91234567' }, source: '4' });
    expect(body.childrenbirthrecords).toEqual([expect.objectContaining({ name: { value: 'TAN XIAO MING' }, birthcertno: { value: 'T2612345A' }, source: '1', lastupdated: '2026-10-05' })]);
    expect(body['noa-basic']).toMatchObject({ amount: { value: 68400 }, yearofassessment: { value: '2025' } });
    expect(body.occupation.source).toBe('2');
    // a Myinfo response maps one to one back into items
    expect(Object.keys(myinfoItems(body)).sort()).toEqual(['childrenbirthrecords', 'email', 'mobileno', 'name', 'noa-basic', 'occupation', 'regadd']);

    expect((await api(ica, 'GET', `/api/v1/registry/people/${tan}?attributes=name`)).statusCode).toBe(400); // no purpose
    expect((await api(ica, 'GET', `/api/v1/registry/people/${tan}?attributes=shoe-size&purpose=xyz`)).statusCode).toBe(422);
    expect((await api(ica, 'GET', '/api/v1/registry/people/S0000001I?purpose=xyz')).statusCode).toBe(404);

    const b = await signInAs(p, 'tan-ah-kow');
    const page = decode((await b.get('/account/data-use?kind=system')).html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
    expect(page).toContain('ICA system (API)');
    expect(page).toContain('Checking an address change');
    expect(page).toContain('Reference ICA-42');
    expect(page).toContain('Registered address');
  });

  it('lets the owning agency update its items, refuses others\' items, and writes nothing when one item is wrong', async () => {
    const url = `/api/v1/registry/people/${tan}`;
    const newAddress = { block: { value: '9' }, street: { value: 'BISHAN STREET 11' }, postal: { value: '570009' }, floor: { value: '02' }, unit: { value: '10' }, lastupdated: '2026-11-01' };
    const notOwner = await api(msf, 'PUT', url, { items: { regadd: newAddress } });
    expect(notOwner.statusCode).toBe(422);
    expect(JSON.stringify(notOwner.json())).toContain('owned by ICA');
    const halfWrong = await api(ica, 'PUT', url, { items: { regadd: newAddress, dob: { value: '31-12-1990' } } });
    expect(halfWrong.statusCode).toBe(422);
    expect(halfWrong.json().details.fields).toEqual([{ field: 'items.dob', message: 'needs a "value" that is a date (YYYY-MM-DD)' }]);
    let read = (await api(ica, 'GET', `${url}?attributes=regadd&purpose=test`)).json();
    expect(read.regadd.block.value).toBe('123'); // unchanged
    const ok = await api(ica, 'PUT', url, { items: { regadd: newAddress } });
    expect(ok.statusCode, ok.body).toBe(200);
    read = (await api(ica, 'GET', `${url}?attributes=regadd&purpose=test`)).json();
    expect(read.regadd).toMatchObject({ block: { value: '9' }, postal: { value: '570009' }, source: '1', lastupdated: '2026-11-01' });
    expect((await api(ica, 'PUT', '/api/v1/registry/people/S1234567A', { items: { name: { value: 'X' } } })).statusCode).toBe(422); // not a valid NRIC
  });

  it('imports a CSV row by row: good rows applied together, each rejected row reported, none half-applied', async () => {
    const csv = [
      'uinfin,name,sex.code,sex.desc,regadd.block,regadd.street,regadd.postal,mobileno.nbr,dob',
      'S1234567D,LEE AH BENG,M,MALE,10,TOA PAYOH LORONG 1,310010,81234567,1980-01-02',
      'S1234567A,BAD CHECK LETTER,M,MALE,,,,,',
      'S3456789A,ONG MEI,F,FEMALE,12,TOA PAYOH LORONG 2,3100,82345678,1985-02-03',
      'S2345678H,CHUA KIM,F,FEMALE,,,,,1991-13-40',
      'S1234567D,TWICE,M,MALE,,,,,',
    ].join('\n');
    const r = await api(ica, 'POST', '/api/v1/registry/people/import', csv, { 'content-type': 'text/csv' });
    expect(r.statusCode, r.body).toBe(200);
    const report = r.json();
    expect(report).toMatchObject({ rows: 5, applied: 1, committed: true });
    expect(report.rejected.map((x: any) => x.row)).toEqual([3, 4, 5, 6]);
    expect(report.rejected[0].problems).toContain('uinfin is not a valid NRIC or FIN');
    expect(report.rejected[1].problems[0]).toContain('regadd needs');
    expect(report.rejected[2].problems[0]).toContain('dob needs');
    expect(report.rejected[3].problems[0]).toContain('the same person is on row 2');
    // the good row is there, whole; the rejected rows wrote nothing (not even their valid cells)
    const lee = (await api(ica, 'GET', '/api/v1/registry/people/S1234567D?purpose=test')).json();
    expect(lee).toMatchObject({ name: { value: 'LEE AH BENG', source: '1' }, sex: { code: 'M' }, regadd: { postal: { value: '310010' } }, mobileno: { nbr: { value: '81234567' } } });
    expect((await api(ica, 'GET', '/api/v1/registry/people/S3456789A?purpose=test')).statusCode).toBe(404);

    // all or nothing: one bad row, nothing written
    const strict = await api(ica, 'POST', '/api/v1/registry/people/import?allOrNothing=true', 'uinfin,name\nS3456789A,ONG MEI\nS1234567A,BAD', { 'content-type': 'text/csv' });
    expect(strict.json()).toMatchObject({ rows: 2, applied: 0, committed: false });
    expect((await api(ica, 'GET', '/api/v1/registry/people/S3456789A?purpose=test')).statusCode).toBe(404);
    // another agency cannot import ICA's items; an unknown column is named
    const msfImport = (await api(msf, 'POST', '/api/v1/registry/people/import', 'uinfin,name\nS3456789A,ONG MEI', { 'content-type': 'text/csv' })).json();
    expect(msfImport.rejected[0].problems[0]).toContain('owned by ICA');
    const unknown = (await api(ica, 'POST', '/api/v1/registry/people/import', 'uinfin,shoe\nS3456789A,42', { 'content-type': 'text/csv' })).json();
    expect(unknown).toMatchObject({ applied: 0, committed: false, rejected: [{ row: 1, problems: ['column "shoe" is not a data item'] }] });
  });

  it('reads a business', async () => {
    const uen = DEMO_BUSINESSES[0]!.uen;
    const r = await api(ica, 'GET', `/api/v1/registry/businesses/${uen}`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ uen: { value: uen }, 'entity-name': { value: "Lim's Bakery Pte Ltd" }, 'entity-status': { desc: 'LIVE COMPANY' }, appointments: [expect.objectContaining({ position: { code: '4', desc: 'DIRECTOR' } })] });
  });

  it('deletes items past their retention period (a scheduled job)', async () => {
    const before = await p.ctx.db.selectFrom('registry_person_items').select(['item', 'delete_after']).execute() as any[];
    const mobile = before.find((x) => x.item === 'mobileno')!;
    const birth = before.find((x) => x.item === 'childrenbirthrecords')!;
    expect(Date.parse(mobile.delete_after)).toBeLessThan(Date.parse(birth.delete_after)); // per item type
    const realClock = p.ctx.clock;
    // three years on: mobile numbers and emails (2 years) are gone, names (10 years) stay
    p.ctx.clock = () => new Date('2029-06-01T00:00:00Z');
    try {
      await enqueue(p.ctx.db, RETENTION_QUEUE, {});
      await p.worker.tick();
    } finally {
      p.ctx.clock = realClock;
    }
    const after = await p.ctx.db.selectFrom('registry_person_items').select('item').execute() as any[];
    expect(after.filter((x) => x.item === 'mobileno' || x.item === 'email')).toEqual([]);
    expect(after.filter((x) => x.item === 'name').length).toBe(before.filter((x) => x.item === 'name').length);
  });

  it('refuses a service whose prefill names an unknown item, a missing question or a question the item cannot fill', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-prefill-'));
    try {
      for (const f of ['agencies.yaml', 'life-events.yaml']) fs.copyFileSync(path.join(SERVICES_DIR, f), path.join(dir, f));
      fs.mkdirSync(path.join(dir, 'msf'));
      const yaml = fs.readFileSync(path.join(SERVICES_DIR, 'msf/baby-bonus.yaml'), 'utf8').replace(
        '    - { item: regadd, question: address }',
        '    - { item: regadd, question: address }\n    - { item: shoesize, question: spouseName }\n    - { item: dob, question: nowhere }\n    - { item: regadd, question: relationship }',
      );
      fs.writeFileSync(path.join(dir, 'msf/baby-bonus.yaml'), yaml);
      expect(() => loadDefinitions(dir, { prefillItems: PREFILL_ITEMS })).toThrow(DefinitionError);
      try { loadDefinitions(dir, { prefillItems: PREFILL_ITEMS }); } catch (e) {
        const m = (e as Error).message;
        expect(m).toContain('prefill.items[4].item: "shoesize" is not a known data item');
        expect(m).toContain('prefill.items[5].question: "nowhere" is not a question of this form');
        expect(m).toContain('prefill.items[6].item: "regadd" cannot fill "relationship", a choice question');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
