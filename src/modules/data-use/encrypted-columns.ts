/** "Who used my data"'s sealed details (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

export const DATA_USE_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'data_uses', key: ['id'], column: 'details_enc', context: (r) => `data-use:${r.subject}` },
];
