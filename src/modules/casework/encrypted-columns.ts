/** Casework's personal data sealed by the keyring (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

export const CASEWORK_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'cases', key: ['application_id'], column: 'applicant_name_enc', context: (r) => `case:${r.application_id}` },
  { table: 'case_notes', key: ['id'], column: 'body_enc', context: (r) => `case-note:${r.id}` },
];
