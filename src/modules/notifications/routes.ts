/** Demo mode only: a viewer for the emails Civitas sent, so nobody needs a real mailbox to try it. */
import type { App } from '../../platform/http/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import { notFound } from '../../platform/errors/index.ts';
import type { Db } from '../../platform/db/index.ts';

export function registerDemoMailRoutes(app: App, db: Db, keys: KeyRing): void {
  app.get('/demo/mail', { config: { access: 'public' } }, async (request, reply) => {
    const rows = await db.selectFrom('outbound_emails').selectAll().orderBy('created_at', 'desc').limit(50).execute();
    const messages = rows.map((r: any) => ({
      id: r.id, kind: r.kind, status: r.status, createdAt: r.created_at,
      to: keys.decrypt(r.to_enc, `email:${r.id}`), subject: keys.decrypt(r.subject_enc, `email:${r.id}`),
    }));
    return reply.page('modules/notifications/views/demo-mail.njk', { title: request.t('notifications.demoMail.title'), messages });
  });

  app.get('/demo/mail/:id', { config: { access: 'public' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const r: any = await db.selectFrom('outbound_emails').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound();
    const ctx = `email:${r.id}`;
    return reply.page('modules/notifications/views/demo-message.njk', {
      title: keys.decrypt(r.subject_enc, ctx), backHref: '/demo/mail',
      message: { to: keys.decrypt(r.to_enc, ctx), subject: keys.decrypt(r.subject_enc, ctx), body: keys.decrypt(r.body_enc, ctx), status: r.status, createdAt: r.created_at, lang: r.lang },
    });
  });
}
