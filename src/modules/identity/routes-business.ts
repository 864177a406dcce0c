/**
 * Representation: "who are you acting for?" after sign-in (and from the header
 * at any time), and the business administrator's page of representatives.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { assertCan, BUSINESS_ROLES, formErrors, safeNext, type App } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { actingForOf, changeRepresentative, grantRepresentative, listRepresentatives, representationsOf } from './businesses.ts';
import { findAccount } from './repository.ts';
import { setActingFor } from './sessions.ts';

type Body = Record<string, string | string[] | undefined>;
const V = (name: string) => `modules/identity/views/${name}.njk`;

export function registerBusinessRoutes(app: App, ctx: AppContext): void {
  async function myRepresentations(request: FastifyRequest) {
    const account = await findAccount(ctx.db, request.principal!.id);
    return representationsOf(ctx.db, account?.nric_hash ?? null);
  }

  const choosePage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) => {
    const reps = await myRepresentations(request);
    const current = request.principal!.actingFor?.uen ?? 'self';
    return reply.page(V('acting-for'), {
      title: request.t('identity.actingForPage.title'), next: safeNext((request.query as Body).next ?? (request.body as Body | undefined)?.next, ''),
      items: [
        { value: 'self', text: request.t('identity.actingForPage.myself', { name: request.principal!.displayName }), checked: current === 'self' },
        ...reps.map((r) => ({ value: r.uen, text: r.name, hint: { text: request.t('identity.actingForPage.hint', { uen: r.uen, roles: r.roles.map((x) => request.t(`identity.businessRoles.${x}`)).join(', ') }) }, checked: current === r.uen })),
      ],
      ...extra,
    }, status);
  };

  app.get('/acting-for', { config: { access: 'signedIn' } }, async (request, reply) => choosePage(request, reply));

  app.post('/acting-for', { config: { access: 'signedIn' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const choice = typeof body.actingFor === 'string' ? body.actingFor : '';
    const next = safeNext(body.next, '');
    const p = request.principal!;
    if (choice === 'self') {
      await setActingFor(ctx, p.sessionId, null);
    } else {
      const rep = (await myRepresentations(request)).find((r) => r.uen === choice);
      if (!rep) return choosePage(request, reply, formErrors(request, [{ field: 'actingFor', message: 'identity.actingForPage.choose' }]), 422);
      await setActingFor(ctx, p.sessionId, actingForOf(rep));
    }
    await appendAudit(ctx.db, {
      stream: `account:${p.id}`, action: 'identity.acting_for_chosen', actorType: p.kind, actorId: p.id, onBehalfOf: choice === 'self' ? null : choice,
      subjectType: 'account', subjectId: p.id, requestId: request.id,
    });
    return reply.redirect(next || (choice === 'self' ? '/my-applications' : '/my-applications'), 303);
  });

  // ---- the business administrator: representatives and their roles ------------

  const repsPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) => {
    const p = request.principal!;
    const uen = p.actingFor!.uen;
    const reps = await listRepresentatives(ctx, uen);
    return reply.page(V('representatives'), {
      title: request.t('identity.representatives.title'), business: p.actingFor, reps,
      roleItems: BUSINESS_ROLES.map((r) => ({ value: r, text: request.t(`identity.businessRoles.${r}`), hint: { text: request.t(`identity.businessRoleHints.${r}`) } })),
      ...extra,
    }, status);
  };

  app.get('/business/representatives', { config: { access: { can: 'business.manage-representatives' } } }, async (request, reply) => {
    assertCan(request.principal, 'business.manage-representatives', { uen: request.principal!.actingFor?.uen });
    return repsPage(request, reply, { added: (request.query as Body).added === '1', changed: (request.query as Body).changed === '1' });
  });

  app.post('/business/representatives', { config: { access: { can: 'business.manage-representatives' } } }, async (request, reply) => {
    const p = request.principal!;
    assertCan(p, 'business.manage-representatives', { uen: p.actingFor?.uen });
    const body = (request.body ?? {}) as Body;
    const result = await grantRepresentative(ctx, p, p.actingFor!.uen, { nric: body.nric, name: body.name, roles: body.roles }, request.id);
    if (result.errors.length) return repsPage(request, reply, { values: { nric: body.nric, name: body.name, roles: ([] as unknown[]).concat(body.roles ?? []) }, ...formErrors(request, result.errors) }, 422);
    return reply.redirect('/business/representatives?added=1', 303);
  });

  app.post('/business/representatives/:key', { config: { access: { can: 'business.manage-representatives' } } }, async (request, reply) => {
    const p = request.principal!;
    assertCan(p, 'business.manage-representatives', { uen: p.actingFor?.uen });
    const { key } = request.params as { key: string };
    if (!/^[\w-]{20,80}$/.test(key)) throw new AppError('not_found', 'identity.business.errors.noSuchRepresentative');
    const body = (request.body ?? {}) as Body;
    const result = await changeRepresentative(ctx, p, p.actingFor!.uen, key, body.action === 'remove' ? [] : body.roles, request.id);
    if (result.errors.length) return repsPage(request, reply, formErrors(request, result.errors), 422);
    return reply.redirect('/business/representatives?changed=1', 303);
  });
}
