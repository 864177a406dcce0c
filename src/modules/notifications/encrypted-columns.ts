/** The email outbox's personal data sealed by the keyring (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

const email = (column: string): EncryptedColumn => ({ table: 'outbound_emails', key: ['id'], column, context: (r) => `email:${r.id}` });
export const NOTIFICATION_ENCRYPTED_COLUMNS: EncryptedColumn[] = [email('to_enc'), email('subject_enc'), email('body_enc')];
