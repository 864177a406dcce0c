import type { Kysely } from 'kysely';
import { types } from '../src/platform/db/migrate.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = types(db);
  await db.schema.createTable('applications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.unique())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('service_version', 'integer', (c) => c.notNull())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('applicant_id', 'text', (c) => c.notNull())
    .addColumn('acting_for_uen', 'text')
    .addColumn('channel', 'text', (c) => c.notNull()) // online | counter | paper | api
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('answers_enc', 'text', (c) => c.notNull()) // JSON, encrypted: answers are personal data
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text')
    .execute();
  await db.schema.createIndex('applications_applicant').on('applications').columns(['applicant_id', 'updated_at']).execute();
  await db.schema.createIndex('applications_service_status').on('applications').columns(['service_id', 'status']).execute();

  // The append-only history of each application; its status is derived from (and cached beside) it.
  await db.schema.createTable('application_events')
    .addColumn('id', t.serial, (c) => (t.isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addUniqueConstraint('application_events_seq', ['application_id', 'seq'])
    .execute();

  await db.schema.createTable('application_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
    .addColumn('question_id', 'text', (c) => c.notNull())
    .addColumn('name_enc', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content', t.blob, (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('application_files_app').on('application_files').column('application_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['application_files', 'application_events', 'applications']) await db.schema.dropTable(t).execute();
}
