import type { Kysely } from 'kysely';
import { types } from '../src/platform/db/migrate.ts';

// Cross-agency data exchange: sharing requests between agencies (with their
// append-only history), the credentials an approval provisions, and extracts.
export async function up(db: Kysely<any>): Promise<void> {
  const t = types(db);
  await db.schema.createTable('exchange_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('requester_agency_id', 'text', (c) => c.notNull())
    .addColumn('provider_agency_id', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('legal_basis', 'text', (c) => c.notNull())
    .addColumn('retention', 'text', (c) => c.notNull())
    .addColumn('users', 'text', (c) => c.notNull()) // the people or systems who will use the data
    .addColumn('items', 'text', (c) => c.notNull()) // JSON list of "source:item" asked for
    .addColumn('approved_items', 'text') // JSON list of "source:item" granted (a subset)
    .addColumn('conditions', 'text')
    .addColumn('deidentify', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull()) // submitted | questions | approved | rejected | withdrawn | revoked | expired
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('access_expires_at', 'text') // end of the approved access (ISO instant)
    .addColumn('api_key_id', 'text')
    .addColumn('first_call_at', 'text')
    .addColumn('approval_working_days', 'integer')
    .addColumn('first_call_working_days', 'integer')
    .addColumn('reminded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('escalated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extract_format', 'text') // csv | jsonl, for scheduled extracts
    .addColumn('extract_every_days', 'integer') // null: no schedule
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('exchange_requests_requester').on('exchange_requests').columns(['requester_agency_id', 'submitted_at']).execute();
  await db.schema.createIndex('exchange_requests_provider').on('exchange_requests').columns(['provider_agency_id', 'state', 'submitted_at']).execute();
  await db.schema.createIndex('exchange_requests_key').on('exchange_requests').column('api_key_id').execute();
  await db.schema.createIndex('exchange_requests_state').on('exchange_requests').columns(['state', 'submitted_at']).execute();

  // Every step of a request, timed; rows are only ever added.
  await db.schema.createTable('exchange_request_events')
    .addColumn('id', t.serial, (c) => (t.isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('request_id', 'text', (c) => c.notNull().references('exchange_requests.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_agency_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addUniqueConstraint('exchange_request_events_seq', ['request_id', 'seq'])
    .execute();

  // The key an approval provisioned, kept encrypted only until one of the requesting agency's officers has seen it.
  await db.schema.createTable('exchange_credentials')
    .addColumn('request_id', 'text', (c) => c.primaryKey().references('exchange_requests.id'))
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revealed_at', 'text')
    .addColumn('revealed_by', 'text')
    .execute();

  await db.schema.createTable('exchange_extracts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('exchange_requests.id'))
    .addColumn('format', 'text', (c) => c.notNull()) // csv | jsonl
    .addColumn('state', 'text', (c) => c.notNull()) // queued | running | done | failed
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0)) // percent
    .addColumn('row_count', 'integer')
    .addColumn('content', t.blob)
    .addColumn('sha256', 'text')
    .addColumn('error', 'text')
    .addColumn('requested_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('exchange_extracts_request').on('exchange_extracts').columns(['request_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['exchange_extracts', 'exchange_credentials', 'exchange_request_events', 'exchange_requests']) await db.schema.dropTable(table).execute();
}
