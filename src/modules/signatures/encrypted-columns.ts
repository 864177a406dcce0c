/** Signatures' personal data sealed by the keyring (re-encrypted when the data key rotates): signed summaries, issued documents and their credentials. */
import type { EncryptedColumn } from '../../platform/crypto/rotation.ts';

export const SIGNATURES_ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'application_signatures', key: ['id'], column: 'pdf_enc', context: (r) => `signature:${r.id}` },
  { table: 'issued_documents', key: ['id'], column: 'pdf_enc', context: (r) => `document:${r.id}` },
  { table: 'issued_documents', key: ['id'], column: 'credential_enc', context: (r) => `document:${r.id}` },
];
