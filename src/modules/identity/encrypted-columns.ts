/** Identity's personal data sealed by the keyring (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

const account = (column: string): EncryptedColumn => ({ table: 'accounts', key: ['id'], column, context: (r) => `account:${r.id}` });
export const IDENTITY_ENCRYPTED_COLUMNS: EncryptedColumn[] = [account('email_enc'), account('display_name_enc'), account('nric_enc')];
