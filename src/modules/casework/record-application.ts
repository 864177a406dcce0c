/**
 * Counter and paper: an officer records an application someone made at a
 * counter or on a paper form, through the same pages, questions and checks as
 * online (the application journey), so "completed digitally end to end"
 * counts against every application, whatever the channel. This starts the
 * draft for the applicant (found, or given an account, by NRIC/FIN) marked
 * with the channel and the recording officer.
 */
import type { Principal } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { isValidNric, isValidUen, normaliseId } from '../../platform/identifiers/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import { businessOwner, startApplication } from '../applications/index.ts';
import { normaliseEmail } from '../forms/index.ts';
import { accountForNric } from '../identity/index.ts';
import type { Casework } from './casework.ts';

export const RECORD_CHANNELS = ['counter', 'paper'] as const;

export interface RecordInput { serviceId?: string; channel?: string; nric?: string; uen?: string; email?: string; name?: string }

export async function recordApplication(cw: Casework, officer: Principal, input: RecordInput, lang: Lang, requestId?: string): Promise<{ id: string; firstPageId: string }> {
  const errors: FieldError[] = [];
  const service = input.serviceId ? cw.catalogue.get(input.serviceId) : undefined;
  if (!service || service.definition.agency !== officer.agencyId) errors.push({ field: 'serviceId', message: 'casework.record.errors.service' });
  if (!RECORD_CHANNELS.includes(input.channel as never)) errors.push({ field: 'channel', message: 'casework.record.errors.channel' });
  const nric = input.nric?.trim() ? normaliseId(input.nric) : '';
  const uen = input.uen?.trim() ? normaliseId(input.uen) : '';
  if (nric && !isValidNric(nric)) errors.push({ field: 'nric', message: 'casework.record.errors.nric' });
  if (uen && !isValidUen(uen)) errors.push({ field: 'uen', message: 'casework.record.errors.uen' });
  if (!nric && !uen) errors.push({ field: 'nric', message: 'casework.record.errors.identify' });
  const email = input.email?.trim() ? normaliseEmail(input.email) : null;
  if (input.email?.trim() && !email) errors.push({ field: 'email', message: 'casework.record.errors.email' });
  if (errors.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields: errors });

  const applicantId = nric
    ? (await accountForNric(cw.ctx, cw.ctx.db, { nric, name: input.name?.trim() || null, by: { type: 'officer', id: officer.id, agencyId: officer.agencyId! } })).id
    : businessOwner(uen);
  return startApplication(cw.ctx, cw.catalogue, {
    serviceId: service!.id, applicant: officer, lang, requestId,
    recordedFor: { channel: input.channel as 'counter' | 'paper', applicantId, actingForUen: uen || null, contactEmail: email },
  });
}
