/**
 * What happens when the exchange hands out a person's data: every call (or
 * extract) that returns a person's items calls onPersonDataRead in the same
 * transaction. The default writes an entry in the audit log (stream
 * "person-data:<account id or NRIC hash>"); the registry points it at its
 * "Who used my data" recorder.
 */
import { appendAudit } from '../../platform/audit/index.ts';
import type { Db } from '../../platform/db/index.ts';

export interface PersonDataRead {
  /** the person's Civitas account, when they have one */
  personAccountId: string | null;
  /** keyed hash of the person's NRIC/FIN */
  nricHash: string;
  /** the agency whose system (or officer) received the data */
  byAgencyId: string;
  /** the API key (or "extract:<id>") that received it */
  byKeyId: string;
  /** the items handed out, as "source:item" */
  items: string[];
  /** the approved purpose of the sharing request */
  purpose: string;
  /** the purpose or case reference sent with the call (Civitas-Purpose-Reference), or the request reference for an extract */
  reference: string;
  /** the sharing request's reference and the agency that provided the data */
  requestReference: string;
  providerAgencyId: string;
  at: string;
}

export type PersonDataReadHook = (trx: Db, entry: PersonDataRead) => Promise<void>;

export const auditPersonDataRead: PersonDataReadHook = async (trx, e) => {
  const who = e.personAccountId ?? `nric:${e.nricHash}`;
  await appendAudit(trx, {
    stream: `person-data:${who}`, action: 'exchange.person_data_read', actorType: 'api', actorId: e.byKeyId, agencyId: e.byAgencyId,
    subjectType: e.personAccountId ? 'account' : 'person', subjectId: e.personAccountId ?? e.nricHash, at: e.at,
    data: { items: e.items, purpose: e.purpose, reference: e.reference, request: e.requestReference, provider: e.providerAgencyId },
  });
};
