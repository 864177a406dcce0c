/** Site-wide pages: health, metrics, the OpenAPI document, and the footer's content pages. */
import type { AppContext } from '../../platform/context.ts';
import { ping } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors/index.ts';
import type { App } from '../../platform/http/index.ts';
import Type from 'typebox';

export const CONTENT_PAGES = ['accessibility', 'privacy', 'terms', 'report-vulnerability'] as const;

export function registerSiteRoutes(app: App, ctx: AppContext): void {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: { summary: 'Health check', description: 'Answers 200 when the database is reachable, 503 otherwise.', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }), 503: Type.Object({ status: Type.Literal('unavailable'), database: Type.String() }) } },
  }, async (_request, reply) => {
    try {
      await ping(ctx.db);
      return { status: 'ok' as const, database: ctx.dialect };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const, database: ctx.dialect });
    }
  });

  app.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  app.get('/api/openapi.json', { config: { access: 'public' } }, async () => app.swagger());

  app.get('/pages/:page', { config: { access: 'public' } }, async (request, reply) => {
    const { page } = request.params as { page: string };
    if (!(CONTENT_PAGES as readonly string[]).includes(page)) throw notFound();
    return reply.page('modules/site/views/content.njk', { title: request.t(`site.pages.${page}.title`), page });
  });
}
