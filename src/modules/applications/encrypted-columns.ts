/** The applications module's personal data sealed by the keyring (re-encrypted when the data key rotates). */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

export const APPLICATION_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'applications', key: ['id'], column: 'answers_enc', context: (r) => `application:${r.id}` },
  { table: 'applications', key: ['id'], column: 'contact_email_enc', context: (r) => `application:${r.id}` },
  { table: 'application_files', key: ['id'], column: 'name_enc', context: (r) => `file:${r.id}` },
  { table: 'application_events', key: ['id'], column: 'message_enc', context: (r) => `application-event:${r.application_id}` },
  { table: 'application_events', key: ['id'], column: 'comment_enc', context: (r) => `application-event:${r.application_id}` },
];
