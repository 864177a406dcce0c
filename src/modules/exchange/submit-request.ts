/**
 * An officer asks another agency for data: items of that agency's products,
 * for a named project, with purpose, legal basis, retention period and the
 * people or systems who will use them. The request, its first history entry,
 * its audit entry and the emails to the data owners commit together.
 */
import { randomInt } from 'node:crypto';
import { newId, nowIso, toJson } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { assertCan, type Principal } from '../../platform/http/index.ts';
import { AppError, type FieldError } from '../../platform/errors/index.ts';
import type { Exchange } from './exchange.ts';
import { appendEvent } from './repository.ts';
import { splitItemKey } from './sources.ts';
import { emailDataOwners } from './notify.ts';

export interface RequestInput {
  items: string[];
  project: string;
  purpose: string;
  legalBasis: string;
  retention: string;
  users: string;
}

const LIMITS: Record<Exclude<keyof RequestInput, 'items'>, number> = { project: 200, purpose: 4000, legalBasis: 1000, retention: 500, users: 2000 };
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const newReference = () => `DX-${Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;

/** What is wrong with a request (field errors), and the agency that owns the items. */
export function checkRequest(ex: Exchange, input: RequestInput): { fields: FieldError[]; providerAgencyId: string | null } {
  const fields: FieldError[] = [];
  const items = [...new Set(input.items)];
  const owners = new Set<string>();
  if (!items.length) fields.push({ field: 'items', message: 'exchange.errors.items' });
  for (const key of items) {
    const { sourceId, item } = splitItemKey(key);
    const s = ex.sources.get(sourceId);
    if (!s || !s.items.some((i) => i.name === item)) fields.push({ field: 'items', message: 'exchange.errors.unknownItem', params: { item: key } });
    else owners.add(s.owningAgencyId);
  }
  if (owners.size > 1) fields.push({ field: 'items', message: 'exchange.errors.oneAgency' });
  for (const [k, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    const v = input[k].trim();
    if (!v) fields.push({ field: k, message: `exchange.errors.${k}` });
    else if (v.length > max) fields.push({ field: k, message: 'exchange.errors.tooLong', params: { max } });
  }
  return { fields, providerAgencyId: owners.size === 1 ? [...owners][0]! : null };
}

export async function submitRequest(ex: Exchange, p: Principal, input: RequestInput, requestId?: string): Promise<{ id: string; reference: string }> {
  const { ctx } = ex;
  assertCan(p, 'exchange.request');
  const { fields, providerAgencyId } = checkRequest(ex, input);
  if (!fields.length && providerAgencyId === p.agencyId) fields.push({ field: 'items', message: 'exchange.errors.ownAgency' });
  if (fields.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields });
  const id = newId();
  const reference = newReference();
  const at = nowIso(ctx.clock());
  const items = [...new Set(input.items)].sort();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('exchange_requests').values({
      id, reference, requester_agency_id: p.agencyId!, provider_agency_id: providerAgencyId!, project: input.project.trim(), purpose: input.purpose.trim(),
      legal_basis: input.legalBasis.trim(), retention: input.retention.trim(), users: input.users.trim(), items: toJson(items), approved_items: null,
      conditions: null, deidentify: 0, state: 'submitted', requested_by: p.id, submitted_at: at, version: 1, updated_at: at, reminded: 0, escalated: 0,
    }).execute();
    await appendEvent(trx, id, { type: 'submitted', actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, data: { items } });
    await appendAudit(trx, { stream: `exchange-request:${id}`, action: 'exchange.request_submitted', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: id, requestId, at, data: { reference, provider: providerAgencyId, items } });
    await emailDataOwners(ex, trx, providerAgencyId!, 'submitted', { id, reference, project: input.project.trim(), requesterAgencyId: p.agencyId! });
  });
  return { id, reference };
}
