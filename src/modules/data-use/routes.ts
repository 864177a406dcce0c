/** The account page "Who used my data": newest first, filterable by who and by item, without JavaScript. */
import type { App } from '../../platform/http/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { localize, type Lang, type LocalText } from '../../platform/i18n/index.ts';
import { listDataUses, subjectOfAccount, type DataUseKind } from './record-data-use.ts';

const KINDS: DataUseKind[] = ['officer', 'service', 'system'];

export function registerDataUseRoutes(app: App, ctx: AppContext, opts: { agencyName: (id: string, lang: Lang) => string; itemLabel: (item: string, lang: Lang) => string }): void {
  app.get('/account/data-use', { config: { access: 'signedIn' } }, async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const kind = KINDS.includes(q.kind as DataUseKind) ? (q.kind as DataUseKind) : undefined;
    const agencyId = q.agency && /^[a-z][a-z0-9-]{1,62}$/.test(q.agency) ? q.agency : undefined;
    const subject = await subjectOfAccount(ctx.db, request.principal!.id);
    const all = await listDataUses(ctx.db, ctx.keys, subject, { limit: 500 });
    const entries = all.filter((e) => (!kind || e.kind === kind) && (!agencyId || e.agencyId === agencyId));
    const lang = request.lang;
    const agencies = [...new Set(all.map((e) => e.agencyId).filter((a): a is string => !!a))].sort();
    return reply.page('modules/data-use/views/data-use.njk', {
      title: request.t('dataUse.title'), backHref: '/account',
      kind: kind ?? '', agency: agencyId ?? '', filtered: !!(kind || agencyId), total: all.length,
      kinds: KINDS.map((k) => ({ value: k, text: request.t(`dataUse.kind.${k}`), selected: k === kind })),
      agencies: agencies.map((a) => ({ value: a, text: opts.agencyName(a, lang), selected: a === agencyId })),
      rows: entries.map((e) => ({
        at: e.at, who: localize(e.who as LocalText, lang), kind: request.t(`dataUse.kind.${e.kind}`), agency: e.agencyId ? opts.agencyName(e.agencyId, lang) : '',
        items: e.items.map((i) => opts.itemLabel(i, lang)).join(', '),
        purpose: e.purpose ? localize(e.purpose as LocalText, lang) : '', reference: e.reference ?? '',
      })),
    });
  });
}
