/**
 * On the officer's case page: what the applicant has been sent and, above all,
 * what could not be delivered (the address to correct, the reason), so the
 * officer can phone or write instead.
 */
import type { CasePanel, CasePanelProvider, CasePanelRow } from '../casework/index.ts';
import { formatDateTime } from '../../platform/views/index.ts';
import type { Notifications } from './notifications.ts';
import { contentOf, notificationsForApplication } from './repository.ts';

const TAG: Record<string, CasePanelRow['tag']> = { delivered: 'green', created: 'grey', sending: 'blue', 'temporary-failure': 'yellow', 'permanent-failure': 'red' };

export function notificationsPanel(n: Notifications): CasePanelProvider {
  const { ctx } = n;
  return {
    id: 'notifications',
    async describe(application, lang, db = ctx.db): Promise<CasePanel | null> {
      const t = (k: string, p?: Record<string, string>) => ctx.messages.t(lang, `notifications.panel.${k}`, p);
      const rows = await notificationsForApplication(db, application.id);
      if (!rows.length) return null;
      const out: CasePanelRow[] = [];
      for (const r of rows) {
        const what = t('row', { channel: t(`channel.${r.channel}`), event: r.event ? t(`event.${r.event}`) : r.kind });
        const failed = r.status === 'permanent-failure' || r.status === 'temporary-failure';
        let value = `${t(`status.${r.status}`)} · ${formatDateTime(r.sentAt ?? r.sendingAt ?? r.createdAt, lang)}`;
        if (failed) {
          const c = await contentOf(db, ctx.keys, r.id);
          value = t(r.status === 'permanent-failure' ? 'undeliverable' : 'retrying', { to: c?.to ?? '', reason: r.lastError ?? '' });
        }
        out.push({ key: what, value, tag: TAG[r.status] });
      }
      // the undeliverable first: that is what the officer must act on
      out.sort((a, b) => Number(b.tag === 'red') - Number(a.tag === 'red'));
      return { title: t('title'), rows: out.slice(0, 30) };
    },
  };
}
