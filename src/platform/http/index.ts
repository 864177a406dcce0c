/**
 * The HTTP server: Fastify with security headers, compression, cookies, forms,
 * uploads, static assets, request ids, metrics, the access policy, CSRF
 * protection, language choice, page rendering and one error handler that turns
 * every failure into a clear page or JSON answer (never a stack trace).
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.ts';
import { AppError, isAppError, type FieldError } from '../errors/index.ts';
import { LANGUAGES, LANGUAGE_NAMES, LANGUAGE_TAGS, localize, negotiateLang, type Lang, type LocalText } from '../i18n/index.ts';
import { hmac, platformSecret, randomToken, safeEqual } from '../crypto/index.ts';
import type { AssetManifest } from '../views/assets.ts';
import { authorize, describeAccess, type Access, type ApiClient, type Principal } from './policy.ts';

export * from './policy.ts';
export * from './rate-limit.ts';
export * from './form-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
    principal: Principal | null;
    apiClient: ApiClient | null;
    /** what CSRF tokens are bound to: the session, or an anonymous browser cookie */
    csrfBinding: string | null;
    csrfToken(): string;
    t(key: string, params?: Record<string, string | number | undefined | null>): string;
    /** the HTML of a page in the request's language (what reply.page sends) */
    renderPage(template: string, data?: Record<string, unknown>): string;
  }
  interface FastifyInstance {
    /** every route registered, in order (the access-matrix test walks them all) */
    routeTable: { method: string; url: string; access: Access | undefined }[];
  }
  interface FastifyReply {
    page(template: string, data?: Record<string, unknown>, status?: number): FastifyReply;
    cspNonce: { script: string; style: string };
  }
  interface FastifyContextConfig {
    access?: Access;
    /** 'hook' (default for forms): checked before the handler; 'handler': the handler calls verifyCsrf itself; 'none': no cookies involved */
    csrf?: 'hook' | 'handler' | 'none';
  }
}

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

export const LANG_COOKIE = 'civitas_lang';
export const ANON_COOKIE = 'civitas_anon';
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const isApiPath = (url: string) => url.startsWith('/api/') || url === '/metrics' || url === '/healthz';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Only same-site relative paths may be redirect targets. */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

export function verifyCsrf(request: FastifyRequest, submitted: unknown): void {
  const expected = request.csrfToken();
  if (typeof submitted !== 'string' || !safeEqual(submitted, expected)) throw new AppError('csrf_failed', 'errors.csrfFailed');
}

function toAppError(err: FastifyError | Error): AppError | null {
  if (isAppError(err)) return err;
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.code === 'FST_FILES_LIMIT' || fe.code === 'FST_PARTS_LIMIT' || fe.code === 'FST_FIELDS_LIMIT') return new AppError('payload_too_large', 'errors.payloadTooLarge');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new AppError('unsupported_media_type', 'errors.unsupportedMediaType');
  if (fe.validation) {
    const fields: FieldError[] = fe.validation.map((v) => ({ field: (v.instancePath || (v.params as any)?.missingProperty || '').replace(/^\//, '').replace(/\//g, '.') || 'body', message: v.message ?? 'invalid' }));
    return new AppError('bad_request', 'errors.badRequest', { fields });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return new AppError(fe.statusCode === 404 ? 'not_found' : fe.statusCode === 413 ? 'payload_too_large' : fe.statusCode === 415 ? 'unsupported_media_type' : 'bad_request', 'errors.badRequest');
  return null;
}

export async function createHttpServer(ctx: AppContext, assets: AssetManifest): Promise<App> {
  const { config, messages, views, metrics } = ctx;
  const csrfKey = await platformSecret(ctx.db, 'csrf');

  const app = Fastify({
    loggerInstance: ctx.log,
    trustProxy: true,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('lang', 'en');
  app.decorateRequest('principal', null);
  app.decorateRequest('apiClient', null);
  app.decorateRequest('csrfBinding', null);
  app.decorateRequest('csrfToken', function (this: FastifyRequest) {
    if (!this.csrfBinding) {
      const anon = randomToken(18);
      this.csrfBinding = `anon:${anon}`;
      // the reply is reachable through the raw request's socket only via hooks; set in onSend below
      (this as any).newAnonCookie = anon;
    }
    return hmac(csrfKey, `csrf:${this.csrfBinding}`);
  });
  app.decorateRequest('t', function (this: FastifyRequest, key: string, params?: Record<string, string | number | undefined | null>) {
    return messages.t(this.lang, key, params);
  });

  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"], frameAncestors: ["'none'"], objectSrc: ["'none'"], baseUri: ["'self'"],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: config.secureCookies ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  // pages take forms (url-encoded or multipart), the API takes JSON: nothing else
  app.removeContentTypeParser('text/plain');
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: MAX_UPLOAD_BYTES, files: 5, fields: 300, fieldSize: 64 * 1024 } });
  await app.register(fastifyStatic, { root: assets.dir, prefix: '/assets/', maxAge: '365d', immutable: true, index: false, decorateReply: false });
  await app.register(fastifyStatic, { root: assets.govukAssetsDir, prefix: '/assets/govuk/', maxAge: '7d', index: false, decorateReply: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Civitas API', version: '1', description: 'APIs of the Civitas digital government platform. Agency systems authenticate with an API key: `Authorization: Bearer <key>`.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    transform: ({ schema, url }) => {
      const documented = url.startsWith('/api/v1/') || url === '/healthz';
      return { schema: (documented ? schema : { ...(schema ?? {}), hide: true }) as any, url };
    },
  });

  // Every route must declare who may call it: an undeclared route is a start-up error.
  app.decorate('routeTable', [] as { method: string; url: string; access: Access | undefined }[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/assets/') || route.url === '/assets/*' || route.url.startsWith('/documentation')) return;
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
    for (const method of ([] as string[]).concat(route.method)) {
      if (method === 'HEAD') continue;
      app.routeTable.push({ method, url: route.url, access: route.config.access });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    request.lang = negotiateLang(request.cookies[LANG_COOKIE], request.headers['accept-language']);
    const anon = request.cookies[ANON_COOKIE];
    if (anon && /^[\w-]{16,64}$/.test(anon)) request.csrfBinding = `anon:${anon}`;
    reply.header('x-request-id', request.id);
    (request as any).cspNonce = reply.cspNonce?.script;
  });

  // who may call a route is decided before its input is validated (an unauthorised caller learns nothing about the schema)
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access) authorize(request, access);
    const csrf = request.routeOptions.config?.csrf ?? (isApiPath(request.url) ? 'none' : 'hook');
    if (STATE_CHANGING.has(request.method) && csrf === 'hook') {
      const body = request.body as Record<string, unknown> | undefined;
      verifyCsrf(request, body?._csrf ?? request.headers['x-csrf-token']);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const anon = (request as any).newAnonCookie as string | undefined;
    if (anon && request.csrfBinding === `anon:${anon}`) {
      reply.setCookie(ANON_COOKIE, anon, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 60 * 60 * 24 });
    }
    if (!reply.hasHeader('cache-control') && !request.url.startsWith('/assets/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.decorateRequest('renderPage', function (this: FastifyRequest, template: string, data: Record<string, unknown> = {}) {
    return renderPageFor(this, template, data);
  });
  const renderPageFor = (request: FastifyRequest, template: string, data: Record<string, unknown>) => {
    const lang = request.lang;
    const path = request.url.split('?')[0]!;
    return views.render(template, {
      ...data,
      t: (key: string, params?: Record<string, string | number>) => messages.t(lang, key, params),
      localize: (text: LocalText) => localize(text, lang),
      lang,
      htmlLang: LANGUAGE_TAGS[lang],
      languages: LANGUAGES.map((l) => ({ text: LANGUAGE_NAMES[l], lang: LANGUAGE_TAGS[l], href: `/language/${l}?next=${encodeURIComponent(request.url)}`, current: l === lang })),
      principal: request.principal,
      csrfToken: request.csrfToken(),
      cspNonce: (request as any).cspNonce,
      assets,
      demo: config.demo,
      currentPath: path,
      currentUrl: request.url,
    });
  };

  app.decorateReply('page', function (this: FastifyReply, template: string, data: Record<string, unknown> = {}, status?: number) {
    const html = this.request.renderPage(template, data);
    if (status) this.status(status);
    return this.type('text/html; charset=utf-8').send(html);
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appErr = toAppError(err);
    if (!appErr) request.log.error({ err }, 'unhandled error');
    const status = appErr?.status ?? 500;
    if (appErr?.code === 'rate_limited' && appErr.details.retryAfterSeconds) reply.header('retry-after', String(appErr.details.retryAfterSeconds));
    if (isApiPath(request.url)) {
      return reply.status(status).send({
        code: appErr?.code ?? 'internal_error',
        message: messages.t('en', appErr?.message ?? 'errors.internal', appErr?.details as any),
        details: appErr?.details ?? {},
        request_id: request.id,
      });
    }
    if (appErr?.code === 'unauthenticated' && request.method === 'GET') {
      return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`);
    }
    return reply.page('platform/views/error.njk', {
      status, code: appErr?.code ?? 'internal_error', messageKey: appErr?.message ?? 'errors.internal', details: appErr?.details ?? {}, requestId: request.id,
    }, status);
  });

  app.setNotFoundHandler({ preHandler: async () => undefined }, (request, reply) => {
    if (isApiPath(request.url)) return reply.status(404).send({ code: 'not_found', message: 'No such API route.', request_id: request.id });
    // the not-found handler is not a route, so @fastify/compress does not reach it: gzip here
    const html = request.renderPage('platform/views/error.njk', { status: 404, code: 'not_found', messageKey: 'errors.pageNotFound', details: {}, requestId: request.id });
    reply.status(404).type('text/html; charset=utf-8').header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(gzipSync(html));
    return reply.send(html);
  });

  // Platform routes: language choice, health and metrics.
  app.get('/language/:lang', { config: { access: 'public' } }, async (request, reply) => {
    const { lang } = request.params as { lang: string };
    const next = safeNext((request.query as { next?: string }).next);
    if ((LANGUAGES as readonly string[]).includes(lang)) reply.setCookie(LANG_COOKIE, lang, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 60 * 60 * 24 * 365 });
    return reply.redirect(next, 303);
  });

  return app;
}

export { describeAccess };
