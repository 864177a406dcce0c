/**
 * The exchange API for agency systems: what the calling credential's approval
 * covers, a person's approved items, and a dataset's rows. Every call sends
 * `Civitas-Purpose-Reference` (the purpose or case it is made for, like
 * X-Road's X-Road-Issue); a person is named in `Civitas-Subject` (never in the
 * URL, which ends up in logs).
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import type { Exchange } from './exchange.ts';
import { findRequestByKey } from './repository.ts';
import { PURPOSE_HEADER, readExchangeData, SUBJECT_HEADER } from './read-exchange-data.ts';
import { splitItemKey } from './sources.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const security = [{ apiKey: [] }];
const errors = { 400: Type.Any(), 401: Type.Any(), 403: Type.Any(), 404: Type.Any() };
const Headers = Type.Object({
  'civitas-purpose-reference': Type.Optional(Type.String({ maxLength: 200, description: 'required: the purpose or case reference the call is made for; logged with the call and shown to the person in "Who used my data"' })),
});
const ItemsQuery = Type.Object({ items: Type.Optional(Type.String({ maxLength: 1000, description: 'comma-separated item names (default: every approved item of the source)' })) });

const Approval = Type.Object({
  request: Type.String({ description: 'the sharing request reference' }),
  project: Type.String(), purpose: Type.String(), provider: Type.String(), consumer: Type.String(),
  expiresAt: Nullable(Type.String()), deidentified: Type.Boolean(),
  sources: Type.Array(Type.Object({ id: Type.String(), kind: Type.String({ description: 'person | dataset' }), title: Type.String(), items: Type.Array(Type.String()), path: Type.String() })),
});

const PersonAnswer = Type.Object({
  request: Type.String(), source: Type.String(), items: Type.Array(Type.String()), found: Type.Boolean(),
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
});
const DatasetAnswer = Type.Object({
  request: Type.String(), source: Type.String(), items: Type.Array(Type.String()), rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
});

const itemsOf = (q: { items?: string }) => (q.items ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const header = (request: FastifyRequest, name: string) => { const v = request.headers[name]; return typeof v === 'string' ? v : undefined; };

export function registerExchangeApi(app: App, ex: Exchange): void {
  app.get('/api/v1/exchange/approval', {
    config: { access: { apiScope: 'exchange:read' } },
    schema: {
      summary: 'What this credential may read', tags: ['exchange'], security,
      description: 'The approved sharing request this credential was provisioned for: its sources, the approved items and when access ends.',
      response: { 200: Approval, ...errors },
    },
  }, async (request) => {
    const req = await findRequestByKey(ex.ctx.db, request.apiClient!.keyId);
    if (!req) throw new AppError('forbidden', 'exchange.errors.noApproval');
    const bySource = new Map<string, string[]>();
    for (const k of req.approvedItems ?? []) { const { sourceId, item } = splitItemKey(k); bySource.set(sourceId, [...(bySource.get(sourceId) ?? []), item]); }
    return {
      request: req.reference, project: req.project, purpose: req.purpose, provider: req.providerAgencyId, consumer: req.requesterAgencyId,
      expiresAt: req.accessExpiresAt, deidentified: req.deidentify,
      sources: [...bySource].map(([id, items]) => {
        const s = ex.sources.get(id);
        return { id, kind: s?.kind ?? 'unknown', title: s ? localize(s.title, 'en') : id, items, path: `/api/v1/exchange/sources/${id}/${s?.kind === 'person' ? 'person' : 'records'}` };
      }),
    };
  });

  app.get('/api/v1/exchange/sources/:sourceId/person', {
    config: { access: { apiScope: 'exchange:read' } },
    schema: {
      summary: "A person's approved items", tags: ['exchange'], security,
      description: 'The approved items of one person from a person source. Name the person by NRIC/FIN in the `Civitas-Subject` header and the purpose in `Civitas-Purpose-Reference`. '
        + 'Items outside the approval are refused (403, with the items and what is approved); the call is logged, and the person sees it in "Who used my data".',
      params: Type.Object({ sourceId: Type.String({ maxLength: 100 }) }),
      querystring: ItemsQuery,
      headers: Type.Intersect([Headers, Type.Object({ 'civitas-subject': Type.Optional(Type.String({ maxLength: 20, description: 'the NRIC/FIN of the person' })) })]),
      response: { 200: PersonAnswer, ...errors },
    },
  }, async (request) => {
    const a = await readExchangeData(ex, { client: request.apiClient!, sourceId: request.params.sourceId, items: itemsOf(request.query), reference: header(request, PURPOSE_HEADER), nric: header(request, SUBJECT_HEADER), kind: 'person', requestId: request.id });
    if (a.kind !== 'person') throw new AppError('not_found', 'exchange.errors.wrongKind');
    return { request: a.request.reference, source: request.params.sourceId, items: a.items, found: a.found, data: a.values };
  });

  app.get('/api/v1/exchange/sources/:sourceId/records', {
    config: { access: { apiScope: 'exchange:read' } },
    schema: {
      summary: "A dataset's approved items", tags: ['exchange'], security,
      description: 'The rows of a dataset source with the approved items (for case statistics: counts by the approved dimensions). Send `Civitas-Purpose-Reference`.',
      params: Type.Object({ sourceId: Type.String({ maxLength: 100 }) }),
      querystring: ItemsQuery,
      headers: Headers,
      response: { 200: DatasetAnswer, ...errors },
    },
  }, async (request) => {
    const a = await readExchangeData(ex, { client: request.apiClient!, sourceId: request.params.sourceId, items: itemsOf(request.query), reference: header(request, PURPOSE_HEADER), kind: 'dataset', requestId: request.id });
    if (a.kind !== 'dataset') throw new AppError('not_found', 'exchange.errors.wrongKind');
    return { request: a.request.reference, source: request.params.sourceId, items: a.items, rows: a.rows };
  });
}
