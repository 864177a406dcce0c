/**
 * Registries of people and businesses: Myinfo's data items and shapes, each
 * with its source, owning agency, classification and last-updated time;
 * encrypted item by item, found by keyed hash; updated by owning agencies
 * (API, CSV import); read for prefill (consent module) from Civitas's own
 * registry or from Myinfo; deleted when their retention period ends.
 */
import type { Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { PrefillItems } from '../catalogue/index.ts';
import { fillsQuestionType, itemDefinition } from './items.ts';
import { findPersonIdByHash, personItemMeta, readPersonItems, type StoredItem } from './repository.ts';

export { ITEMS, PERSON_ITEMS, BUSINESS_ITEMS, SOURCES, itemDefinition, fillsQuestionType, answerFrom, addressOf, phoneOf, type ItemDefinition, type MyinfoItem, type Source } from './items.ts';
export { updatePerson, updateBusiness, checkItems, type ItemProblem, type UpdateResult } from './update-record.ts';
export { importPeopleCsv, type ImportReport } from './import-csv.ts';
export { seedDemoRegistry } from './seed-demo.ts';
export { MyinfoClient, myinfoItems } from './myinfo.ts';
export { registerRegistryApi } from './api.ts';
export { registryJobs, RETENTION_QUEUE } from './retention.ts';
export { uinfinHash, deleteExpiredItems, type StoredItem } from './repository.ts';

/** For the catalogue: which items exist and which question types each can fill. */
export const PREFILL_ITEMS: PrefillItems = {
  known: (item) => itemDefinition(item)?.kind === 'person',
  fills: (item, type) => fillsQuestionType(item, type as never),
};

/** A person's items from Civitas's own registry, by the keyed hash of their NRIC/FIN (undefined: not in the registry). */
export async function readVerifiedPerson(db: Db, keys: KeyRing, nricHash: string, items: readonly string[]): Promise<Map<string, StoredItem> | undefined> {
  const id = await findPersonIdByHash(db, nricHash);
  return id ? readPersonItems(db, keys, id, items) : undefined;
}

/** Which of these items the registry holds for a person, with source and owner, without reading any value (undefined: not in the registry). */
export async function verifiedPersonMeta(db: Db, nricHash: string, items: readonly string[]): Promise<Map<string, { source: string; agency: string; lastUpdated: string }> | undefined> {
  const id = await findPersonIdByHash(db, nricHash);
  return id ? personItemMeta(db, id, items) : undefined;
}
export { REGISTRY_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
