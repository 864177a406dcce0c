/** The registries' and "who used my data"'s sealed values (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';
import { businessContext, personContext } from './repository.ts';

export const REGISTRY_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'registry_person_items', key: ['person_id', 'item'], column: 'value_enc', context: (r) => personContext(r.person_id, r.item) },
  { table: 'registry_business_items', key: ['uen', 'item'], column: 'value_enc', context: (r) => businessContext(r.uen, r.item) },
];
