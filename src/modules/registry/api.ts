/**
 * The registries' API for agency systems: read a person's items (each read is
 * written to the person's "who used my data" log in the same transaction),
 * update the items the calling agency owns, import a CSV of people, and read
 * and update businesses. Items are Myinfo-shaped, one to one.
 */
import Type from 'typebox';
import type { App } from '../../platform/http/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { isValidNric, isValidUen, normaliseId } from '../../platform/identifiers/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { recordDataUse } from '../data-use/index.ts';
import { findPersonId, readBusinessItems, readPersonItems, uinfinHash } from './repository.ts';
import { updateBusiness, updatePerson, type ItemProblem } from './update-record.ts';
import { importPeopleCsv } from './import-csv.ts';
import { BUSINESS_ITEMS, PERSON_ITEMS, itemDefinition, type MyinfoItem } from './items.ts';

const Items = Type.Record(Type.String(), Type.Unknown(), { description: 'item name -> Myinfo-shaped item (value fields plus source, classification, lastupdated); a list item (childrenbirthrecords, appointments, addresses) is an array' });
const errors = { 400: Type.Any(), 401: Type.Any(), 403: Type.Any(), 404: Type.Any(), 409: Type.Any(), 422: Type.Any() };
const security = [{ apiKey: [] }];

function invalid(problems: ItemProblem[]): AppError {
  return new AppError('validation_failed', 'errors.validationFailed', { fields: problems.map((p) => ({ field: p.item ? `items.${p.item}` : 'items', message: p.message })) });
}

/** Myinfo's answer for an item it does not have. */
const UNAVAILABLE: MyinfoItem = { lastupdated: '', source: '', classification: '', unavailable: true };

function attributesOf(raw: string | undefined, all: string[]): string[] {
  if (!raw) return all;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((a) => !all.includes(a));
  if (unknown.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields: unknown.map((u) => ({ field: 'attributes', message: `"${u}" is not a data item` })) });
  return list;
}

/** A list item stored as { list } goes out as Myinfo's array of records. */
const outward = (item: string, v: MyinfoItem): unknown => (itemDefinition(item)?.list ? (v.list as unknown[]) : v);

export function registerRegistryApi(app: App, ctx: AppContext): void {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.get('/api/v1/registry/people/:uinfin', {
    config: { access: { apiScope: 'registry:read' } },
    schema: {
      summary: "Read a person's data items", tags: ['registry'], security,
      description: 'Myinfo-shaped items of the person with this NRIC/FIN. `purpose` is required: the read is written, with it, to the person\'s "who used my data" log, in the same transaction as the read.',
      params: Type.Object({ uinfin: Type.String() }),
      querystring: Type.Object({ attributes: Type.Optional(Type.String({ description: 'comma-separated item names (default: all)' })), purpose: Type.String({ minLength: 3, maxLength: 300 }), reference: Type.Optional(Type.String({ maxLength: 100 })) }),
      response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errors },
    },
  }, async (request) => {
    const uinfin = normaliseId(request.params.uinfin);
    const attributes = attributesOf(request.query.attributes, PERSON_ITEMS);
    if (!isValidNric(uinfin)) throw notFound('registry.errors.unknownPerson');
    const client = request.apiClient!;
    return ctx.db.transaction().execute(async (trx) => {
      const id = await findPersonId(trx, ctx.keys, uinfin);
      if (!id) throw notFound('registry.errors.unknownPerson');
      const items = await readPersonItems(trx, ctx.keys, id, attributes);
      await recordDataUse(trx, ctx.keys, {
        subject: { nricHash: uinfinHash(ctx.keys, uinfin) }, kind: 'system', who: { en: `${client.agencyId.toUpperCase()} system (API)`, ms: `Sistem ${client.agencyId.toUpperCase()} (API)`, zh: `${client.agencyId.toUpperCase()} 系统（API）`, ta: `${client.agencyId.toUpperCase()} அமைப்பு (API)` },
        actorId: client.keyId, agencyId: client.agencyId, items: attributes.filter((a) => items.has(a)), purpose: request.query.purpose, reference: request.query.reference ?? null, at: ctx.clock(),
      });
      await appendAudit(trx, { stream: `registry-person:${id}`, action: 'registry.person_read', actorType: 'api', actorId: client.keyId, agencyId: client.agencyId, subjectType: 'registry-person', subjectId: id, requestId: request.id, data: { items: attributes } });
      return Object.fromEntries(attributes.map((a) => [a, items.has(a) ? outward(a, items.get(a)!.value) : UNAVAILABLE]));
    });
  });

  app.put('/api/v1/registry/people/:uinfin', {
    config: { access: { apiScope: 'registry:write' } },
    schema: {
      summary: "Update a person's data items (owning agency)", tags: ['registry'], security,
      description: 'Replaces the given items. The calling agency may update only the items it owns; if any item is wrong, nothing is written (422 lists each problem).',
      params: Type.Object({ uinfin: Type.String() }),
      body: Type.Object({ items: Items }, { additionalProperties: false }),
      response: { 200: Type.Object({ updated: Type.Array(Type.String()) }), ...errors },
    },
  }, async (request) => {
    const client = request.apiClient!;
    const r = await updatePerson(ctx, { uinfin: request.params.uinfin, items: request.body.items, agency: client.agencyId, actor: { type: 'api', id: client.keyId }, requestId: request.id });
    if (!r.ok) throw invalid(r.problems);
    return { updated: Object.keys(request.body.items) };
  });

  app.post('/api/v1/registry/people/import', {
    config: { access: { apiScope: 'registry:write' } },
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      summary: 'Import people from CSV (owning agency)', tags: ['registry'], security,
      description: 'Body: text/csv with a `uinfin` column and one column per item field (`name`, `sex.code`, `sex.desc`, `regadd.block`, `regadd.postal`, `mobileno.nbr`, ...). '
        + 'Each row is checked on its own and written whole or not at all; the accepted rows commit together. `allOrNothing=true` writes nothing if any row is rejected. The report lists each rejected row and why.',
      querystring: Type.Object({ allOrNothing: Type.Optional(Type.Boolean()) }),
      response: { 200: Type.Object({ rows: Type.Integer(), applied: Type.Integer(), committed: Type.Boolean(), rejected: Type.Array(Type.Object({ row: Type.Integer(), problems: Type.Array(Type.String()) })) }), ...errors },
    },
  }, async (request) => {
    if (typeof request.body !== 'string') throw new AppError('unsupported_media_type', 'registry.errors.csvExpected');
    const client = request.apiClient!;
    return importPeopleCsv(ctx, { csv: request.body, agency: client.agencyId, actor: { type: 'api', id: client.keyId }, allOrNothing: request.query.allOrNothing === true, requestId: request.id });
  });

  app.get('/api/v1/registry/businesses/:uen', {
    config: { access: { apiScope: 'registry:read' } },
    schema: {
      summary: "Read a business's data items", tags: ['registry'], security,
      params: Type.Object({ uen: Type.String() }),
      querystring: Type.Object({ attributes: Type.Optional(Type.String()) }),
      response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errors },
    },
  }, async (request) => {
    const uen = normaliseId(request.params.uen);
    const attributes = attributesOf(request.query.attributes, BUSINESS_ITEMS);
    if (!isValidUen(uen, ctx.clock())) throw notFound('registry.errors.unknownBusiness');
    const items = await readBusinessItems(ctx.db, ctx.keys, uen, attributes);
    if (!items) throw notFound('registry.errors.unknownBusiness');
    return Object.fromEntries(attributes.map((a) => [a, items.has(a) ? outward(a, items.get(a)!.value) : UNAVAILABLE]));
  });

  app.put('/api/v1/registry/businesses/:uen', {
    config: { access: { apiScope: 'registry:write' } },
    schema: {
      summary: "Update a business's data items (owning agency)", tags: ['registry'], security,
      params: Type.Object({ uen: Type.String() }),
      body: Type.Object({ items: Items }, { additionalProperties: false }),
      response: { 200: Type.Object({ updated: Type.Array(Type.String()) }), ...errors },
    },
  }, async (request) => {
    const client = request.apiClient!;
    const r = await updateBusiness(ctx, { uen: request.params.uen, items: request.body.items, agency: client.agencyId, actor: { type: 'api', id: client.keyId }, requestId: request.id });
    if (!r.ok) throw invalid(r.problems);
    return { updated: Object.keys(request.body.items) };
  });
}
