import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db/index.ts';
import { Catalogue, feeSummary } from './catalogue.ts';
import { loadDefinitions } from './load-definitions.ts';
import { definitionHash } from './repository.ts';
import type { Agency, LifeEvent, ServiceDefinition, ServiceVersion } from './schema.ts';

const SERVICES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../services');
const noDb = undefined as unknown as Db; // search never touches the database

const AGENCIES: Agency[] = [
  { id: 'avs', shortName: 'AVS', name: { en: 'Animal & Veterinary Service', ms: 'Perkhidmatan Haiwan & Veterinar', zh: '动物及兽医服务署', ta: 'விலங்கு, கால்நடை மருத்துவச் சேவை' } },
  { id: 'sfa', shortName: 'SFA', name: { en: 'Singapore Food Agency', ms: 'Agensi Makanan Singapura' } },
  { id: 'spf', shortName: 'SPF', name: 'Singapore Police Force' },
];
const LIFE_EVENTS: LifeEvent[] = [
  { id: 'owning-a-pet', audience: 'citizen', title: { en: 'Owning a pet', ms: 'Memelihara haiwan peliharaan', zh: '饲养宠物', ta: 'செல்லப்பிராணி வளர்த்தல்' }, description: 'Pets' },
  { id: 'organising-an-event', audience: 'citizen', title: { en: 'Organising an event', zh: '举办活动' }, description: 'Events' },
];

function service(d: Partial<ServiceDefinition> & Pick<ServiceDefinition, 'id' | 'agency' | 'title'>): ServiceVersion {
  const definition: ServiceDefinition = {
    audience: ['citizen'], lifeEvents: [], summary: 'A service', eligibility: [], documentsNeeded: [], processingTime: { workingDays: 5 },
    fee: { type: 'none' }, signatureRequired: false,
    form: { pages: [{ id: 'p', title: 'P', questions: [{ id: 'q', type: 'text', label: 'Q' }] }] },
    workflow: { steps: [{ id: 's', name: 'S', role: 'approver', actions: ['approve'], slaWorkingDays: 1 }] },
    ...d,
  };
  return { id: d.id, version: 1, hash: definitionHash(definition), definition };
}

const SERVICES = [
  service({
    id: 'dog-licence', agency: 'avs', lifeEvents: ['owning-a-pet'], keywords: ['canine', 'Pet licence'],
    title: { en: 'Apply for a dog licence', ms: 'Mohon lesen anjing', zh: '申请狗执照', ta: 'நாய் உரிமத்துக்கு விண்ணப்பித்தல்' },
    summary: { en: 'License your dog before it is 3 months old.' },
    fee: { type: 'fixed', amount: 1500, currency: 'SGD' }, paymentMethods: ['card'],
  }),
  service({
    id: 'food-stall', agency: 'sfa', audience: ['business'], keywords: ['hawker'],
    title: { en: 'Rent a food stall', ms: 'Sewa gerai makanan', zh: '租用食品摊位', ta: 'உணவுக் கடையை வாடகைக்கு எடுத்தல்' },
    summary: 'Bid for a stall at a hawker centre.',
    fee: { type: 'byAnswer', currency: 'SGD', rules: [{ when: { question: 'q', equals: 'x' }, amount: 5000 }, { when: { question: 'q', equals: 'y' }, amount: 200 }], otherwise: 1000 },
  }),
  service({
    id: 'event-permit', agency: 'spf', audience: ['citizen', 'business'], lifeEvents: ['organising-an-event'], keywords: ['concert'],
    title: { en: 'Apply for a public event permit', ms: 'Mohon permit acara awam', zh: '申请公共活动准证', ta: 'பொது நிகழ்ச்சி அனுமதிக்கு விண்ணப்பித்தல்' },
    summary: 'Food and drink stalls at your event need their own licence.',
  }),
];
const catalogue = new Catalogue(noDb, SERVICES, AGENCIES, LIFE_EVENTS);
const search = (q: string, opts?: { audience?: 'citizen' | 'business' }) => catalogue.search(q, opts).map((s) => s.id);

describe('Catalogue.search', () => {
  it('finds services by the words of their title in English, Malay, Chinese and Tamil', () => {
    expect(search('dog')).toEqual(['dog-licence']);
    expect(search('stall')).toEqual(['food-stall', 'event-permit']);
    expect(search('anjing')).toEqual(['dog-licence']);
    expect(search('gerai makanan')).toEqual(['food-stall']);
    expect(search('狗')).toEqual(['dog-licence']);
    expect(search('食品摊位')).toEqual(['food-stall']);
    expect(search('准证')).toEqual(['event-permit']);
    expect(search('நாய்')).toEqual(['dog-licence']);
    expect(search('அனுமதிக்கு')).toEqual(['event-permit']);
  });

  it('finds services by keyword, agency short name or name, and life event', () => {
    expect(search('hawker')).toEqual(['food-stall']);
    expect(search('concert')).toEqual(['event-permit']);
    expect(search('canine')).toEqual(['dog-licence']);
    expect(search('AVS')).toEqual(['dog-licence']);
    expect(search('spf')).toEqual(['event-permit']);
    expect(search('veterinar')).toEqual(['dog-licence']);
    expect(search('兽医')).toEqual(['dog-licence']);
    expect(search('owning')).toEqual(['dog-licence']);
    expect(search('饲养宠物')).toEqual(['dog-licence']);
  });

  it('needs every word to match somewhere, in any case or width', () => {
    expect(search('apply dog')).toEqual(['dog-licence']);
    expect(search('dog permit')).toEqual([]);
    expect(search('DOG')).toEqual(['dog-licence']);
    expect(search('ＤＯＧ')).toEqual(['dog-licence']);
    expect(search('dog, licence!')).toEqual(['dog-licence']);
    expect(search('zebra')).toEqual([]);
  });

  it('ranks title matches above summary matches', () => {
    expect(search('food')).toEqual(['food-stall', 'event-permit']);
    expect(search('apply')).toEqual(expect.arrayContaining(['dog-licence', 'event-permit']));
  });

  it('filters by audience', () => {
    expect(search('', { audience: 'business' })).toEqual(['event-permit', 'food-stall']);
    expect(search('', { audience: 'citizen' })).toEqual(['dog-licence', 'event-permit']);
    expect(search('stall', { audience: 'citizen' })).toEqual(['event-permit']);
    expect(search('hawker', { audience: 'citizen' })).toEqual([]);
  });

  it('an empty query lists every service, sorted by English title', () => {
    const all = ['dog-licence', 'event-permit', 'food-stall'];
    expect(search('')).toEqual(all);
    expect(search('   ')).toEqual(all);
    expect(search(' ,.;!? ')).toEqual(all);
  });
});

describe('Catalogue lookups', () => {
  it('by id, agency and life event', () => {
    expect(catalogue.get('dog-licence')?.definition.agency).toBe('avs');
    expect(catalogue.get('nothing')).toBeUndefined();
    expect(catalogue.byAgency('sfa').map((s) => s.id)).toEqual(['food-stall']);
    expect(catalogue.byLifeEvent('owning-a-pet').map((s) => s.id)).toEqual(['dog-licence']);
    expect(catalogue.agency('spf')?.shortName).toBe('SPF');
    expect(catalogue.lifeEvent('organising-an-event')?.audience).toBe('citizen');
  });

  it('summarises fees', () => {
    expect(feeSummary(SERVICES[0]!.definition.fee)).toEqual({ type: 'fixed', amount: 1500, minAmount: 1500, maxAmount: 1500, currency: 'SGD' });
    expect(feeSummary(SERVICES[1]!.definition.fee)).toEqual({ type: 'byAnswer', amount: null, minAmount: 200, maxAmount: 5000, currency: 'SGD' });
    expect(feeSummary({ type: 'none' })).toEqual({ type: 'none', amount: 0, minAmount: 0, maxAmount: 0, currency: null });
  });
});

describe('search over the real services/', () => {
  const loaded = loadDefinitions(SERVICES_DIR);
  const real = new Catalogue(noDb, loaded.services.map((d) => ({ id: d.id, version: 1, hash: definitionHash(d), definition: d })), loaded.agencies, loaded.lifeEvents);
  const ids = (q: string, opts?: { audience?: 'citizen' | 'business' }) => real.search(q, opts).map((s) => s.id);

  it('finds the Baby Bonus in all four languages, by keyword and by agency', () => {
    for (const q of ['baby bonus', 'Bonus Bayi', '婴儿花红', 'குழந்தை போனஸைப்', 'CDA', 'MSF']) expect(ids(q), q).toContain('baby-bonus');
    expect(ids('baby bonus')[0]).toBe('baby-bonus');
  });

  it('finds the food shop licence for businesses only', () => {
    expect(ids('food shop', { audience: 'business' })).toContain('food-shop-licence');
    expect(ids('food shop', { audience: 'citizen' })).not.toContain('food-shop-licence');
    expect(ids('食品店')).toContain('food-shop-licence');
  });

  it('lists everything for an empty query, sorted by English title', () => {
    const all = real.search('');
    expect(all).toHaveLength(loaded.services.length);
    const titles = all.map((s) => (typeof s.definition.title === 'string' ? s.definition.title : s.definition.title.en));
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b)));
  });
});
