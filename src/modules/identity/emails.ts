/** The emails identity sends, in the person's language. */
import type { AppContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { queueEmail } from '../notifications/index.ts';

export async function sendIdentityEmail(ctx: AppContext, db: Db, m: { kind: 'verify' | 'already-registered' | 'reset' | 'reset-unknown' | 'officer-invite'; to: string; lang: Lang; accountId: string | null; link?: string; name?: string; agency?: string }) {
  const t = (k: string, p?: Record<string, string>) => ctx.messages.t(m.lang, `identity.email.${m.kind}.${k}`, p);
  const params = { link: m.link ?? '', name: m.name ?? '', agency: m.agency ?? '', signInLink: `${ctx.config.baseUrl}/sign-in`, resetLink: `${ctx.config.baseUrl}/forgot-password`, site: ctx.messages.t(m.lang, 'site.name') };
  await queueEmail(db, ctx.keys, { kind: `identity.${m.kind}`, to: m.to, lang: m.lang, accountId: m.accountId, subject: t('subject', params), body: t('body', params) });
}
