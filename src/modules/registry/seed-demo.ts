/**
 * Demo mode: the registries hold made-up records for the demo personas (the
 * same made-up NRICs) and their business, as owning agencies would keep them.
 */
import type { AppContext } from '../../platform/context.ts';
import { DEMO_BUSINESSES, DEMO_PERSONAS } from '../identity/index.ts';
import type { MyinfoItem } from './items.ts';
import { findPersonId } from './repository.ts';
import { updateBusiness, updatePerson } from './update-record.ts';

const v = (value: string, source = '1'): MyinfoItem => ({ value, source, classification: 'C', lastupdated: '2026-01-15' });
const cd = (code: string, desc: string, source = '1'): MyinfoItem => ({ code, desc, source, classification: 'C', lastupdated: '2026-01-15' });
const address = (block: string, street: string, postal: string, floor?: string, unit?: string, building?: string): MyinfoItem => ({
  type: 'SG', block: { value: block }, street: { value: street }, postal: { value: postal }, floor: { value: floor ?? '' }, unit: { value: unit ?? '' }, building: { value: building ?? '' },
  country: { code: 'SG', desc: 'SINGAPORE' }, source: '1', classification: 'C', lastupdated: '2026-01-15',
});
const mobile = (nbr: string): MyinfoItem => ({ prefix: { value: '+' }, areacode: { value: '65' }, nbr: { value: nbr }, source: '4', classification: 'C', lastupdated: '2026-01-15' });

/** Items by persona id (uinfin and name come from the persona). */
const RECORDS: Record<string, Record<string, MyinfoItem | MyinfoItem[]>> = {
  'tan-ah-kow': {
    sex: cd('M', 'MALE'), race: cd('CN', 'CHINESE'), dob: v('1990-03-14'), nationality: cd('SG', 'SINGAPORE CITIZEN'),
    regadd: address('123', 'ANG MO KIO AVENUE 3', '560123', '08', '45'), mobileno: mobile('91234567'), email: v('tan.ahkow@demo.civitas.sg', '4'),
    marital: cd('2', 'MARRIED'), hdbtype: cd('114', '4-ROOM FLAT (HDB)'), housingtype: cd('', ''), occupation: cd('21411', 'CIVIL ENGINEER', '2'),
    childrenbirthrecords: [{ name: { value: 'TAN XIAO MING' }, dob: { value: '2026-10-03' }, birthcertno: { value: 'T2612345A' }, sex: { code: 'M', desc: 'MALE' }, lifestatus: { code: 'A', desc: 'ALIVE' }, source: '1', classification: 'C', lastupdated: '2026-10-05' }],
    'noa-basic': { amount: { value: 68400 }, yearofassessment: { value: '2025' }, source: '1', classification: 'C', lastupdated: '2025-09-30' },
  },
  'siti-aminah': {
    sex: cd('F', 'FEMALE'), race: cd('MY', 'MALAY'), dob: v('1959-07-02'), nationality: cd('SG', 'SINGAPORE CITIZEN'),
    regadd: address('45', 'BEDOK NORTH STREET 1', '460045', '03', '112'), mobileno: mobile('98765432'), marital: cd('5', 'WIDOWED'), hdbtype: cd('112', '2-ROOM FLAT (HDB)'),
  },
  'rajesh-kumar': {
    sex: cd('M', 'MALE'), race: cd('IN', 'INDIAN'), dob: v('2001-05-20'), nationality: cd('SG', 'SINGAPORE CITIZEN'),
    regadd: address('678', 'JURONG WEST STREET 61', '640678', '11', '230'), mobileno: mobile('87654321'), marital: cd('1', 'SINGLE'), hdbtype: cd('113', '3-ROOM FLAT (HDB)'),
  },
  'lim-mei-ling': { sex: cd('F', 'FEMALE'), race: cd('CN', 'CHINESE'), dob: v('1976-11-30'), regadd: address('8', 'TAMPINES STREET 81', '528800', '05', '07'), mobileno: mobile('96543210') },
  'nurul-huda': { sex: cd('F', 'FEMALE'), race: cd('MY', 'MALAY'), dob: v('1990-02-11'), regadd: address('210', 'YISHUN STREET 21', '760210', '09', '15'), mobileno: mobile('93456789') },
};

/** Create the demo records once (a record already there is left as it is). */
export async function seedDemoRegistry(ctx: AppContext): Promise<number> {
  let created = 0;
  const system = { type: 'system' as const, id: null };
  for (const p of DEMO_PERSONAS) {
    const extra = RECORDS[p.id];
    if (!p.nric || !extra || await findPersonId(ctx.db, ctx.keys, p.nric)) continue;
    const r = await updatePerson(ctx, { uinfin: p.nric, agency: null, actor: system, items: { uinfin: v(p.nric), name: v(p.name.toUpperCase()), ...extra } });
    if (!r.ok) throw new Error(`demo registry record for ${p.id}: ${JSON.stringify(r.problems)}`);
    created++;
  }
  for (const b of DEMO_BUSINESSES) {
    const exists = await ctx.db.selectFrom('registry_businesses').select('uen').where('uen', '=', b.uen).executeTakeFirst();
    if (exists) continue;
    const owner = DEMO_PERSONAS.find((x) => x.id === b.representatives[0]?.persona);
    const r = await updateBusiness(ctx, {
      uen: b.uen, agency: null, actor: system, items: {
        uen: v(b.uen), 'entity-name': v(b.name), 'entity-type': cd('LC', 'LOCAL COMPANY'), 'entity-status': cd('LIVE', 'LIVE COMPANY'),
        addresses: [{ ...address('8', 'TAMPINES STREET 81', '528800', '01', '23'), type: 'SG' }],
        appointments: owner ? [{ 'person-reference': { 'person-name': { value: owner.name.toUpperCase() } }, position: { code: '4', desc: 'DIRECTOR' }, 'appointment-date': { value: '2015-06-01' }, source: '1', classification: 'C', lastupdated: '2026-01-15' }] : [],
      },
    });
    if (!r.ok) throw new Error(`demo business record ${b.uen}: ${JSON.stringify(r.problems)}`);
    created++;
  }
  return created;
}
