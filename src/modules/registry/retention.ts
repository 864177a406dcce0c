/**
 * Retention: each item type is kept for its period after its last update
 * (items.ts: retentionDays), then a daily job deletes it. The deletion is
 * audited by count, never by content.
 */
import type { AppContext } from '../../platform/context.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { deleteExpiredItems } from './repository.ts';

export const RETENTION_QUEUE = 'registry.retention';

export function registryJobs(ctx: AppContext): void {
  ctx.jobs.define({
    queue: RETENTION_QUEUE,
    transactional: true,
    async handle(_payload, { db }) {
      const r = await deleteExpiredItems(db, ctx.clock());
      if (r.people || r.businesses) {
        await appendAudit(db, { stream: 'registry-retention', action: 'registry.retention_deleted', actorType: 'system', data: { personItems: r.people, businessItems: r.businesses } });
        ctx.log.info({ personItems: r.people, businessItems: r.businesses }, 'registry items past their retention period deleted');
      }
    },
  });
  ctx.jobs.every({ name: 'registry-retention', queue: RETENTION_QUEUE, everyMs: 86400_000 });
}
