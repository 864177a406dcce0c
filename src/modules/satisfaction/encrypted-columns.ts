/** Survey comments sealed by the keyring (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

export const SATISFACTION_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'satisfaction_answers', key: ['application_id'], column: 'comment_enc', context: (r) => `satisfaction:${r.application_id}` },
];
