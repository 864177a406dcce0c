/**
 * Automatic assignment: when a case reaches a step whose rule is switched on,
 * it goes to the next officer, in turn, who holds the step's role (and whom
 * four eyes does not rule out). The rule row is locked while a turn is taken,
 * so two cases arriving at once go to two different officers.
 */
import type { Db } from '../../platform/db/index.ts';
import type { WorkflowStep } from '../catalogue/index.ts';
import { listAgencyOfficers } from '../identity/index.ts';
import type { Casework } from './casework.ts';
import { ruleForUpdate, setLastAssignee } from './repository.ts';

export async function nextInTurn(cw: Casework, trx: Db, input: { agencyId: string; serviceId: string; step: WorkflowStep; excluded: (officerId: string) => boolean }): Promise<string | null> {
  const rule = await ruleForUpdate(trx, input.agencyId, input.serviceId, input.step.id);
  if (!rule?.enabled) return null;
  const officers = (await listAgencyOfficers(trx, cw.ctx.keys, input.agencyId))
    .filter((o) => o.roles.includes(input.step.role as never) && !input.excluded(o.id))
    .map((o) => o.id).sort();
  if (!officers.length) return null;
  const next = officers.find((id) => rule.lastAssigneeId !== null && id > rule.lastAssigneeId) ?? officers[0]!;
  await setLastAssignee(trx, { agencyId: input.agencyId, serviceId: input.serviceId, stepId: input.step.id, assigneeId: next });
  return next;
}
