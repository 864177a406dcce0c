/** Identity's background work: expired sessions and sign-in state go, signing keys rotate when due. */
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { pruneAuthRequests } from './auth-requests.ts';
import { pruneProviderState } from './provider-adapter.ts';
import type { IdentityServices } from './services.ts';
import { IDLE_TIMEOUT_MS } from './sessions.ts';
import { rotateIfDue } from './signing-keys.ts';

export function identityJobs(ctx: AppContext, s: Pick<IdentityServices, 'idp'>): void {
  ctx.jobs.define({
    queue: 'identity.session-cleanup',
    async handle(_p, { db }) {
      const now = ctx.clock();
      await db.deleteFrom('sessions').where((eb) => eb.or([eb('expires_at', '<', nowIso(now)), eb('last_seen_at', '<', nowIso(new Date(now.getTime() - IDLE_TIMEOUT_MS)))])).execute();
      await pruneProviderState(db, new Date());
      await pruneAuthRequests(db, now);
      await db.deleteFrom('webauthn_challenges').where('expires_at', '<', nowIso(now)).execute();
    },
  });
  ctx.jobs.every({ name: 'session-cleanup', queue: 'identity.session-cleanup', everyMs: 3600_000 });

  ctx.jobs.define({
    queue: 'identity.rotate-keys',
    async handle(_p, { db }) {
      const { rotated } = await rotateIfDue(db, ctx.keys, ctx.config.signingKeyDays, ctx.clock());
      if (rotated.length) {
        ctx.log.info({ rotated }, 'signing keys rotated');
        await s.idp.get(true);
      }
    },
  });
  ctx.jobs.every({ name: 'rotate-keys', queue: 'identity.rotate-keys', everyMs: 6 * 3600_000 });
}
