import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Private keys of the signing module: encrypted at rest with the key ring (context signing-key:<id>).
  await db.schema.createTable('pki_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('algorithm', 'text', (c) => c.notNull()) // ecdsa-p256-sha256
    .addColumn('public_key', 'text', (c) => c.notNull()) // SubjectPublicKeyInfo, DER base64
    .addColumn('private_key_enc', 'text') // null when the key lives in an HSM / KMS (key_ref says where)
    .addColumn('key_ref', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Every certificate Civitas's CAs issued (and the root). kind: root | issuing | tsa | seal | signer.
  await db.schema.createTable('certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('serial', 'text', (c) => c.notNull().unique()) // hex
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('issuer_id', 'text') // null for the root
    .addColumn('owner_type', 'text') // agency | account | null (platform)
    .addColumn('owner_id', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('der', 'text', (c) => c.notNull()) // base64
    .addColumn('not_before', 'text', (c) => c.notNull())
    .addColumn('not_after', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // active | superseded | revoked
    .addColumn('revoked_at', 'text')
    .addColumn('revocation_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('certificates_owner').on('certificates').columns(['kind', 'owner_type', 'owner_id', 'status']).execute();
  await db.schema.createIndex('certificates_issuer').on('certificates').columns(['issuer_id', 'status']).execute();

  // Signed CRLs, newest number wins; kept so the published CRL is stable between changes.
  await db.schema.createTable('crls')
    .addColumn('issuer_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('this_update', 'text', (c) => c.notNull())
    .addColumn('next_update', 'text', (c) => c.notNull())
    .addColumn('der', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('crls_pk', ['issuer_id', 'number'])
    .execute();

  // Applications signed by their applicants (one per application).
  await db.schema.createTable('application_signatures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('certificate_id', 'text', (c) => c.notNull())
    .addColumn('acting_for_uen', 'text')
    .addColumn('role', 'text')
    .addColumn('step_up_method', 'text', (c) => c.notNull())
    .addColumn('pdf_enc', 'text', (c) => c.notNull())
    .addColumn('pdf_sha256', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .execute();

  // Documents issued on approval (licences, permits, ...): one per application.
  await db.schema.createTable('issued_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull().unique())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('holder_account_id', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('verification_code', 'text', (c) => c.notNull().unique())
    .addColumn('certificate_id', 'text', (c) => c.notNull())
    .addColumn('pdf_enc', 'text', (c) => c.notNull())
    .addColumn('pdf_sha256', 'text', (c) => c.notNull())
    .addColumn('credential_enc', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text')
    .addColumn('status', 'text', (c) => c.notNull()) // valid | revoked
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .addColumn('revocation_reason', 'text')
    .execute();
  await db.schema.createIndex('issued_documents_hash').on('issued_documents').column('pdf_sha256').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['issued_documents', 'application_signatures', 'crls', 'certificates', 'pki_keys']) await db.schema.dropTable(table).execute();
}
