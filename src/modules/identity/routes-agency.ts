/**
 * Officers: a landing page listing their agency's submitted applications (and
 * nothing of other agencies'), and the agency administrator's pages for the
 * agency's officers and roles, API keys and OAuth clients.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../platform/context.ts';
import { assertCan, can, formErrors, OFFICER_ROLES, type App } from '../../platform/http/index.ts';
import { AppError, isAppError } from '../../platform/errors/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import { listSubmittedForAgency } from '../applications/index.ts';
import { API_SCOPES, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { createOAuthClient, listOAuthClients, revokeOAuthClient } from './oauth-clients.ts';
import { inviteOfficer, listOfficers, setOfficerRoles } from './officers.ts';

type Body = Record<string, string | string[] | undefined>;
const V = (name: string) => `modules/identity/views/${name}.njk`;
const list = (v: unknown) => ([] as unknown[]).concat(v ?? []).filter((x): x is string => typeof x === 'string');

export function registerAgencyRoutes(app: App, ctx: AppContext, catalogue: Catalogue): void {
  const agencyName = (request: FastifyRequest) => {
    const a = catalogue.agency(request.principal!.agencyId!);
    return a ? localize(a.name, request.lang) : request.principal!.agencyId!;
  };

  app.get('/officer', { config: { access: 'officer' } }, async (request, reply) => {
    const p = request.principal!;
    const canList = can(p, 'application.list-agency', { agencyId: p.agencyId! });
    const apps = canList ? await listSubmittedForAgency(ctx.db, p.agencyId!) : [];
    return reply.page(V('officer'), {
      title: request.t('identity.officer.title'), agency: agencyName(request), canList,
      roles: p.roles.filter((r) => (OFFICER_ROLES as readonly string[]).includes(r)).map((r) => request.t(`identity.officerRoles.${r}`)),
      apps: apps.map((a) => {
        const s = catalogue.get(a.serviceId);
        return { ...a, title: s ? localize(s.definition.title, request.lang) : a.serviceId, reference: a.reference ? `${a.reference.slice(0, 4)}-${a.reference.slice(4)}` : '' };
      }),
      isAdmin: can(p, 'agency.manage-api-access'),
    });
  });

  /** The same list for the agency's systems: an API key or OAuth token with the applications:read scope. */
  app.get('/api/v1/agency/applications', {
    config: { access: { apiScope: 'applications:read' } },
    schema: {
      summary: 'Applications sent to the calling agency', tags: ['applications'], security: [{ apiKey: [] }],
      description: 'The calling agency\'s submitted applications, newest first (at most 100). Needs the applications:read scope.',
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({
            id: Type.String(), reference: Type.Union([Type.String(), Type.Null()]), service: Type.String(), status: Type.String(),
            submitted_at: Type.Union([Type.String(), Type.Null()]), acting_for_uen: Type.Union([Type.String(), Type.Null()]), channel: Type.String(),
          })),
        }),
      },
    },
  }, async (request) => {
    const items = await listSubmittedForAgency(ctx.db, request.apiClient!.agencyId);
    return { items: items.map((a) => ({ id: a.id, reference: a.reference, service: a.serviceId, status: a.status, submitted_at: a.submittedAt, acting_for_uen: a.actingForUen, channel: a.channel })) };
  });

  // ---- officers and roles ---------------------------------------------------

  const officersPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) => {
    const p = request.principal!;
    const officers = await listOfficers(ctx, p.agencyId!);
    return reply.page(V('agency-officers'), {
      title: request.t('identity.agencyOfficers.title'), agency: agencyName(request), me: p.id,
      officers: officers.map((o) => ({ ...o, roleNames: o.roles.map((r) => request.t(`identity.officerRoles.${r}`)).join(', ') })),
      roleItems: OFFICER_ROLES.map((r) => ({ value: r, text: request.t(`identity.officerRoles.${r}`) })),
      backHref: '/officer', ...extra,
    }, status);
  };

  app.get('/agency/officers', { config: { access: { can: 'agency.manage-officers' } } }, async (request, reply) =>
    officersPage(request, reply, { done: (request.query as Body).done }));

  app.post('/agency/officers', { config: { access: { can: 'agency.manage-officers' } } }, async (request, reply) => {
    const p = request.principal!;
    assertCan(p, 'agency.manage-officers', { agencyId: p.agencyId! });
    const body = (request.body ?? {}) as Body;
    const r = await inviteOfficer(ctx, { agencyId: p.agencyId!, name: body.name, email: body.email, roles: body.roles, by: { id: p.id }, lang: request.lang, requestId: request.id });
    if (r.errors.length) return officersPage(request, reply, { values: { name: body.name, email: body.email, roles: list(body.roles) }, ...formErrors(request, r.errors) }, 422);
    return reply.redirect('/agency/officers?done=invited', 303);
  });

  app.post('/agency/officers/:id', { config: { access: { can: 'agency.manage-officers' } } }, async (request, reply) => {
    const p = request.principal!;
    assertCan(p, 'agency.manage-officers', { agencyId: p.agencyId! });
    const { id } = request.params as { id: string };
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError('not_found', 'identity.officers.errors.noSuchOfficer');
    const r = await setOfficerRoles(ctx, { id: p.id, agencyId: p.agencyId! }, id, (request.body as Body).roles, request.id);
    if (r.errors.length) return officersPage(request, reply, formErrors(request, r.errors), 422);
    return reply.redirect('/agency/officers?done=changed', 303);
  });

  // ---- API access: keys and OAuth clients ------------------------------------

  const apiPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) => {
    const p = request.principal!;
    return reply.page(V('agency-api'), {
      title: request.t('identity.agencyApi.title'), agency: agencyName(request),
      keys: await listApiKeys(ctx.db, p.agencyId!), clients: await listOAuthClients(ctx.db, p.agencyId!),
      scopeItems: API_SCOPES.map((s) => ({ value: s, text: s, hint: { text: request.t(`identity.scopes.${s.replace(':', '_')}`) } })),
      tokenEndpoint: `${ctx.config.baseUrl}/oidc/token`, backHref: '/officer', ...extra,
    }, status);
  };

  app.get('/agency/api', { config: { access: { can: 'agency.manage-api-access' } } }, async (request, reply) =>
    apiPage(request, reply, { done: (request.query as Body).done }));

  async function create(request: FastifyRequest, reply: FastifyReply, kind: 'key' | 'client') {
    const p = request.principal!;
    assertCan(p, 'agency.manage-api-access', { agencyId: p.agencyId! });
    const body = (request.body ?? {}) as Body;
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
    const scopes = list(body.scopes);
    const errors = name ? [] : [{ field: 'name', message: 'identity.agencyApi.errors.nameMissing' }];
    if (!scopes.length) errors.push({ field: 'scopes', message: 'identity.errors.noScopes' });
    if (errors.length) return apiPage(request, reply, { values: { name: body.name, scopes, kind }, ...formErrors(request, errors) }, 422);
    try {
      if (kind === 'key') {
        const k = await createApiKey(ctx.db, { agencyId: p.agencyId!, name, scopes, createdBy: p.id });
        return reply.page(V('agency-secret'), { title: request.t('identity.agencyApi.keyCreated'), kind, name, key: k.key, backHref: '/agency/api' });
      }
      const c = await createOAuthClient(ctx.db, { agencyId: p.agencyId!, name, scopes, createdBy: p.id });
      return reply.page(V('agency-secret'), { title: request.t('identity.agencyApi.clientCreated'), kind, name, clientId: c.clientId, secret: c.clientSecret, tokenEndpoint: `${ctx.config.baseUrl}/oidc/token`, scopes: scopes.join(' '), backHref: '/agency/api' });
    } catch (e) {
      if (isAppError(e) && e.details.fields) return apiPage(request, reply, { values: { name, scopes, kind }, ...formErrors(request, e.details.fields) }, 422);
      throw e;
    }
  }

  app.post('/agency/api/keys', { config: { access: { can: 'agency.manage-api-access' } } }, async (request, reply) => create(request, reply, 'key'));
  app.post('/agency/api/clients', { config: { access: { can: 'agency.manage-api-access' } } }, async (request, reply) => create(request, reply, 'client'));

  app.post('/agency/api/keys/:id/revoke', { config: { access: { can: 'agency.manage-api-access' } } }, async (request, reply) => {
    const p = request.principal!;
    const { id } = request.params as { id: string };
    // another agency's key is "not found"
    const mine = (await listApiKeys(ctx.db, p.agencyId!)).some((k) => k.id === id);
    if (!mine) throw new AppError('not_found', 'identity.agencyApi.errors.noSuchKey');
    await revokeApiKey(ctx.db, id, p.id);
    return reply.redirect('/agency/api?done=key-revoked', 303);
  });

  app.post('/agency/api/clients/:id/revoke', { config: { access: { can: 'agency.manage-api-access' } } }, async (request, reply) => {
    const p = request.principal!;
    const { id } = request.params as { id: string };
    if (!(await revokeOAuthClient(ctx.db, p.agencyId!, id, p.id))) throw new AppError('not_found', 'identity.agencyApi.errors.noSuchKey');
    return reply.redirect('/agency/api?done=client-revoked', 303);
  });
}
