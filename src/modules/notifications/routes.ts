/**
 * Pages: the citizen's inbox and notification preferences (in the account),
 * the agency administrator's templates with previews, and in demo mode only a
 * viewer of the email and SMS Civitas sent.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { nowIso } from '../../platform/db/index.ts';
import { assertCan, formErrors, type App } from '../../platform/http/index.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { LANGUAGES, LANGUAGE_NAMES, isLang, localize, type Lang } from '../../platform/i18n/index.ts';
import { normalisePhone } from './channels.ts';
import { EVENTS, SAMPLE_VALUES, fieldsOf, isEvent, SMS_FIELDS, type NotificationEvent } from './events.ts';
import type { Notifications } from './notifications.ts';
import { contentOf, findNotification, inboxMessage, inboxOf, markRead, preferencesOf, recentNotifications, savePreferences, unreadCount } from './repository.ts';
import { render } from './template-language.ts';
import { checkTemplate, publishTemplate, resetTemplate, resolveTemplate, type Template } from './templates.ts';

type Body = Record<string, string | string[] | undefined>;
const V = (name: string) => `modules/notifications/views/${name}.njk`;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function registerNotificationRoutes(app: App, n: Notifications): void {
  const { ctx } = n;

  // the unread count in the navigation, on people's pages
  app.addHook('preHandler', async (request) => {
    const p = request.principal;
    if (!p || p.kind === 'officer' || request.method !== 'GET' || request.url.startsWith('/api/')) return;
    p.inboxUnread = await unreadCount(ctx.db, p.id);
  });

  // ---- the inbox -------------------------------------------------------------

  app.get('/account/inbox', { config: { access: 'signedIn' } }, async (request, reply) => {
    const p = request.principal!;
    const messages = await inboxOf(ctx.db, ctx.keys, p.id);
    return reply.page(V('inbox'), { title: request.t('notifications.inbox.title'), messages, unread: messages.filter((m) => !m.readAt).length, backHref: '/account' });
  });

  app.get('/account/inbox/:id', { config: { access: 'signedIn' } }, async (request, reply) => {
    const p = request.principal!;
    const { id } = request.params as { id: string };
    const m = await inboxMessage(ctx.db, ctx.keys, p.id, id);
    if (!m) throw notFound();
    if (!m.readAt) {
      await markRead(ctx.db, p.id, id, nowIso(ctx.clock()));
      p.inboxUnread = Math.max(0, (p.inboxUnread ?? 1) - 1);
    }
    return reply.page(V('inbox-message'), { title: m.subject, message: m, paragraphs: m.body.split(/\n{2,}/), backHref: '/account/inbox' });
  });

  // ---- preferences -----------------------------------------------------------

  const prefsPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) => {
    const prefs = await preferencesOf(ctx.db, ctx.keys, request.principal!.id);
    const values = (extra.values as { channels: string[]; phone: string; lang: string } | undefined)
      ?? { channels: [...(prefs.email ? ['email'] : []), ...(prefs.sms ? ['sms'] : [])], phone: prefs.phone ?? '', lang: prefs.lang ?? '' };
    return reply.page(V('preferences'), {
      title: request.t('notifications.preferences.title'), smsAvailable: !!n.sms, email: request.principal!.email, backHref: '/account', ...extra, values,
      langItems: [{ value: '', text: request.t('notifications.preferences.langOfApplication') }, ...LANGUAGES.map((l) => ({ value: l, text: LANGUAGE_NAMES[l], attributes: { lang: l } }))]
        .map((i) => ({ ...i, checked: i.value === values.lang })),
    }, status);
  };

  app.get('/account/notifications', { config: { access: 'signedIn' } }, async (request, reply) => prefsPage(request, reply, { saved: (request.query as Body).saved === '1' }));

  app.post('/account/notifications', { config: { access: 'signedIn' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const channels = ([] as unknown[]).concat(body.channels ?? []).filter((c): c is string => typeof c === 'string');
    const wantsSms = channels.includes('sms') && !!n.sms;
    const rawPhone = str(body.phone).trim();
    const phone = rawPhone ? normalisePhone(rawPhone) : null;
    const lang = str(body.lang);
    const errors = [];
    if (rawPhone && !phone) errors.push({ field: 'phone', message: 'notifications.preferences.errors.phoneInvalid' });
    else if (wantsSms && !phone) errors.push({ field: 'phone', message: 'notifications.preferences.errors.phoneMissing' });
    if (lang && !isLang(lang)) errors.push({ field: 'lang', message: 'notifications.preferences.errors.langInvalid' });
    if (errors.length) return prefsPage(request, reply, { values: { channels, phone: rawPhone, lang }, ...formErrors(request, errors) }, 422);
    await savePreferences(ctx.db, ctx.keys, request.principal!.id, { email: channels.includes('email'), sms: wantsSms, phone, lang: (lang || null) as Lang | null }, nowIso(ctx.clock()));
    return reply.redirect('/account/notifications?saved=1', 303);
  });

  // ---- agency administrators: templates --------------------------------------

  const agencyServices = (request: FastifyRequest) => n.deps.servicesOf(request.principal!.agencyId!);
  const ownService = (request: FastifyRequest, serviceId: string) => {
    const s = agencyServices(request).find((x) => x.id === serviceId);
    if (!s) throw notFound();
    return s;
  };

  app.get('/agency/notifications', { config: { access: { can: 'agency.manage-notifications' } } }, async (request, reply) => {
    const services = [];
    for (const s of agencyServices(request)) {
      const events = [];
      for (const e of EVENTS) {
        const sources = new Set<string>();
        for (const l of LANGUAGES) sources.add((await resolveTemplate(ctx.db, s, e, l)).source);
        events.push({ event: e, name: request.t(`notifications.panel.event.${e}`), href: `/agency/notifications/${s.id}/${e}`, sources: [...sources].map((x) => request.t(`notifications.templates.source.${x}`)).join(', ') });
      }
      services.push({ id: s.id, title: localize(s.title, request.lang), events });
    }
    return reply.page(V('agency-templates'), { title: request.t('notifications.templates.title'), services, backHref: '/officer' });
  });

  const templatePage = async (request: FastifyRequest, reply: FastifyReply, serviceId: string, event: NotificationEvent, lang: Lang, extra: { values?: Template; errors?: unknown; errorFor?: unknown; saved?: string } = {}, status?: number) => {
    const s = ownService(request, serviceId);
    const current = await resolveTemplate(ctx.db, s, event, lang);
    const values = extra.values ?? { subject: current.subject, body: current.body, sms: current.sms };
    const sample = { ...SAMPLE_VALUES, service: localize(s.title, lang) };
    return reply.page(V('agency-template'), {
      title: request.t('notifications.templates.editTitle', { service: localize(s.title, request.lang), event: request.t(`notifications.panel.event.${event}`) }),
      serviceId, event, lang, source: request.t(`notifications.templates.source.${current.source}`), isAgency: current.source === 'agency',
      langLinks: LANGUAGES.map((l) => ({ lang: l, name: LANGUAGE_NAMES[l], href: `/agency/notifications/${serviceId}/${event}?lang=${l}`, current: l === lang })),
      fields: fieldsOf(event).map((f) => `((${f}))`).join(' '), smsFields: SMS_FIELDS.map((f) => `((${f}))`).join(' '),
      values, preview: { subject: render(values.subject, sample).replace(/\s+/g, ' '), body: render(values.body, sample).split(/\n{2,}/), sms: render(values.sms, sample) },
      action: `/agency/notifications/${serviceId}/${event}?lang=${lang}`, backHref: '/agency/notifications', ...extra,
    }, status);
  };

  const langOf = (request: FastifyRequest): Lang => {
    const l = str((request.query as Body).lang);
    return isLang(l) ? l : 'en';
  };
  const eventOf = (raw: string): NotificationEvent => {
    if (!isEvent(raw)) throw notFound();
    return raw;
  };

  app.get('/agency/notifications/:serviceId/:event', { config: { access: { can: 'agency.manage-notifications' } } }, async (request, reply) => {
    const { serviceId, event } = request.params as { serviceId: string; event: string };
    return templatePage(request, reply, serviceId, eventOf(event), langOf(request), { saved: str((request.query as Body).saved) });
  });

  app.post('/agency/notifications/:serviceId/:event', { config: { access: { can: 'agency.manage-notifications' } } }, async (request, reply) => {
    const p = request.principal!;
    const { serviceId, event: rawEvent } = request.params as { serviceId: string; event: string };
    const event = eventOf(rawEvent);
    const lang = langOf(request);
    const s = ownService(request, serviceId);
    assertCan(p, 'agency.manage-notifications', { agencyId: s.agencyId });
    const body = (request.body ?? {}) as Body;
    const values: Template = { subject: str(body.subject).trim(), body: str(body.body).replace(/\r\n/g, '\n').trim(), sms: str(body.sms).trim() };
    const back = `/agency/notifications/${serviceId}/${event}?lang=${lang}`;
    if (body.action === 'reset') {
      await resetTemplate(ctx.db, { agencyId: s.agencyId, serviceId, event, lang, by: p.id, requestId: request.id });
      return reply.redirect(`${back}&saved=reset`, 303);
    }
    const problems = checkTemplate(event, values);
    if (problems.length) {
      const errors = problems.map((x) => ({ field: x.part, message: 'notifications.templates.errors.problem', params: { part: request.t(`notifications.templates.part.${x.part}`), problem: x.message } }));
      return templatePage(request, reply, serviceId, event, lang, { values, ...formErrors(request, errors) }, 422);
    }
    if (body.action === 'preview') return templatePage(request, reply, serviceId, event, lang, { values });
    try {
      await publishTemplate(ctx.db, { agencyId: s.agencyId, serviceId, event, lang, template: values, by: p.id, requestId: request.id });
    } catch (e) {
      if (e instanceof AppError) return templatePage(request, reply, serviceId, event, lang, { values, ...formErrors(request, [{ field: 'body', message: e.message }]) }, 422);
      throw e;
    }
    return reply.redirect(`${back}&saved=published`, 303);
  });

  // ---- demo mode: what was sent ----------------------------------------------

  if (ctx.config.demo) {
    app.get('/demo/mail', { config: { access: 'public' } }, async (request, reply) => {
      const rows = await recentNotifications(ctx.db, 50);
      const messages = [];
      for (const r of rows) {
        const c = (await contentOf(ctx.db, ctx.keys, r.id))!;
        messages.push({ id: r.id, channel: r.channel, kind: r.kind, status: r.status, createdAt: r.createdAt, to: c.to, subject: c.subject ?? c.body.slice(0, 80) });
      }
      return reply.page(V('demo-mail'), { title: request.t('notifications.demoMail.title'), messages });
    });

    app.get('/demo/mail/:id', { config: { access: 'public' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const r = await findNotification(ctx.db, id);
      if (!r) throw notFound();
      const c = (await contentOf(ctx.db, ctx.keys, id))!;
      return reply.page(V('demo-message'), {
        title: c.subject ?? request.t('notifications.demoMail.smsTo', { to: c.to }), backHref: '/demo/mail',
        message: { channel: r.channel, to: c.to, subject: c.subject, body: c.body, status: r.status, createdAt: r.createdAt, lang: r.lang, attempts: r.attempts, lastError: r.lastError },
      });
    });
  }
}
