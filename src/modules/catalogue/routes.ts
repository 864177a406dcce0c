/** Catalogue pages (home, search, life events, agencies, service pages) and GET /api/v1/services. */
import Type from 'typebox';
import type { App } from '../../platform/http/index.ts';
import { localize, LANGUAGES } from '../../platform/i18n/index.ts';
import { notFound } from '../../platform/errors/index.ts';
import { feeSummary, localizedAll, type Catalogue } from './catalogue.ts';

const ServiceItem = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  agency: Type.String(),
  title: Type.String({ description: 'in the requested language (lang), English by default' }),
  titles: Type.Record(Type.String(), Type.String(), { description: 'the title in every language' }),
  audience: Type.Array(Type.String()),
  lifeEvents: Type.Array(Type.String()),
  fee: Type.Object({
    type: Type.String(), amount: Type.Union([Type.Integer(), Type.Null()]), minAmount: Type.Union([Type.Integer(), Type.Null()]),
    maxAmount: Type.Union([Type.Integer(), Type.Null()]), currency: Type.Union([Type.String(), Type.Null()]),
  }, { description: 'amounts in cents' }),
  signatureRequired: Type.Boolean(),
  processingWorkingDays: Type.Integer(),
  url: Type.String(),
});

export function registerCatalogueRoutes(app: App, catalogue: Catalogue, baseUrl: string): void {
  const card = (lang: Parameters<typeof localize>[1]) => (s: ReturnType<Catalogue['list']>[number]) => ({
    id: s.id,
    title: localize(s.definition.title, lang),
    summary: localize(s.definition.summary, lang),
    agency: catalogue.agency(s.definition.agency)?.shortName ?? s.definition.agency,
    audience: s.definition.audience,
    fee: feeSummary(s.definition.fee),
  });

  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    const lang = request.lang;
    return reply.page('modules/catalogue/views/home.njk', {
      title: request.t('catalogue.home.title'),
      citizenEvents: catalogue.lifeEvents.filter((l) => l.audience === 'citizen'),
      businessEvents: catalogue.lifeEvents.filter((l) => l.audience === 'business'),
      agencies: catalogue.agencies.map((a) => ({ ...a, count: catalogue.byAgency(a.id).length })).filter((a) => a.count > 0),
      popular: catalogue.list().slice(0, 6).map(card(lang)),
    });
  });

  app.get('/services', {
    config: { access: 'public' },
    schema: { querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), audience: Type.Optional(Type.Union([Type.Literal('citizen'), Type.Literal('business'), Type.Literal('')])) }) },
  }, async (request, reply) => {
    const { q = '', audience = '' } = request.query;
    const results = catalogue.search(q, { audience: audience || undefined });
    return reply.page('modules/catalogue/views/services.njk', {
      title: q ? request.t('catalogue.search.resultsTitle', { q }) : request.t('catalogue.search.allTitle'),
      q, audience, results: results.map(card(request.lang)),
    });
  });

  app.get('/life-events/:id', { config: { access: 'public' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const event = catalogue.lifeEvent(id);
    if (!event) throw notFound();
    return reply.page('modules/catalogue/views/list.njk', {
      title: localize(event.title, request.lang), description: localize(event.description, request.lang),
      results: catalogue.byLifeEvent(id).map(card(request.lang)), backHref: '/',
    });
  });

  app.get('/agencies/:id', { config: { access: 'public' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const agency = catalogue.agency(id);
    if (!agency) throw notFound();
    return reply.page('modules/catalogue/views/list.njk', {
      title: localize(agency.name, request.lang), description: request.t('catalogue.agency.description', { agency: agency.shortName }),
      results: catalogue.byAgency(id).map(card(request.lang)), backHref: '/',
    });
  });

  app.get('/services/:serviceId', { config: { access: 'public' } }, async (request, reply) => {
    const { serviceId } = request.params as { serviceId: string };
    const s = catalogue.get(serviceId);
    if (!s) throw notFound('catalogue.errors.unknownService');
    const d = s.definition;
    return reply.page('modules/catalogue/views/service.njk', {
      title: localize(d.title, request.lang), service: d, version: s.version, fee: feeSummary(d.fee),
      agency: catalogue.agency(d.agency), lifeEvents: d.lifeEvents.map((l) => catalogue.lifeEvent(l)).filter(Boolean),
      backHref: '/services',
    });
  });

  app.get('/api/v1/services', {
    config: { access: 'public' },
    schema: {
      summary: 'List the published services',
      description: 'Every service in the catalogue with its current definition version. Amounts are in cents.',
      tags: ['catalogue'],
      querystring: Type.Object({ lang: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))), audience: Type.Optional(Type.Union([Type.Literal('citizen'), Type.Literal('business')])) }),
      response: { 200: Type.Object({ items: Type.Array(ServiceItem) }) },
    },
  }, async (request) => {
    const lang = request.query.lang ?? 'en';
    const items = catalogue.list()
      .filter((s) => !request.query.audience || s.definition.audience.includes(request.query.audience))
      .map((s) => ({
        id: s.id, version: s.version, agency: s.definition.agency, title: localize(s.definition.title, lang), titles: localizedAll(s.definition.title),
        audience: s.definition.audience, lifeEvents: s.definition.lifeEvents, fee: feeSummary(s.definition.fee),
        signatureRequired: s.definition.signatureRequired, processingWorkingDays: s.definition.processingTime.workingDays,
        url: `${baseUrl}/services/${s.id}`,
      }));
    return { items };
  });
}
