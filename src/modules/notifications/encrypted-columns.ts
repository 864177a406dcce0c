/** Notifications' personal data sealed by the keyring (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';
import { encContext } from './repository.ts';

const sent = (column: string): EncryptedColumn => ({ table: 'notifications', key: ['id'], column, context: (r) => encContext(r.channel, r.id) });
const inbox = (column: string): EncryptedColumn => ({ table: 'inbox_messages', key: ['id'], column, context: (r) => `inbox:${r.id}` });

export const NOTIFICATION_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  sent('recipient_enc'), sent('subject_enc'), sent('body_enc'),
  inbox('subject_enc'), inbox('body_enc'),
  { table: 'notification_preferences', key: ['account_id'], column: 'phone_enc', context: (r) => `account:${r.account_id}` },
];
