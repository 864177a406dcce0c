import type { Kysely } from 'kysely';
import { types } from '../src/platform/db/migrate.ts';

// Casework: one row per open or closed case, the cached projection of the
// application's history (application_events) that the queues read.
export async function up(db: Kysely<any>): Promise<void> {
  const t = types(db);
  await db.schema.createTable('cases')
    .addColumn('application_id', 'text', (c) => c.primaryKey().references('applications.id'))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('service_version', 'integer', (c) => c.notNull())
    .addColumn('agency_id', 'text', (c) => c.notNull()) // the agency that owns the case
    .addColumn('queue_agency_id', 'text', (c) => c.notNull()) // the agency whose queue it is in now (differs while referred)
    .addColumn('state', 'text', (c) => c.notNull()) // queued | with_applicant | referred | closed
    .addColumn('status', 'text', (c) => c.notNull()) // the application's status
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('step_index', 'integer', (c) => c.notNull())
    .addColumn('step_role', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'text')
    .addColumn('due_date', 'text') // YYYY-MM-DD in the calendar's time zone; null while the clock is paused or when closed
    .addColumn('paused_days_left', 'integer') // working days left when the clock paused
    .addColumn('escalated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('referred_by_agency_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('applicant_id', 'text', (c) => c.notNull())
    .addColumn('applicant_name_enc', 'text')
    .addColumn('applicant_uen', 'text')
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('step_started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('decision', 'text') // approved | rejected
    .addColumn('version', 'integer', (c) => c.notNull()) // optimistic concurrency: every action moves it on
    .execute();
  // queues: by holding agency and state, then the sort key; keyset pagination on (key, application_id)
  await db.schema.createIndex('cases_queue_due').on('cases').columns(['queue_agency_id', 'state', 'due_date', 'application_id']).execute();
  await db.schema.createIndex('cases_queue_service').on('cases').columns(['queue_agency_id', 'state', 'service_id', 'step_id', 'due_date', 'application_id']).execute();
  await db.schema.createIndex('cases_queue_assignee').on('cases').columns(['queue_agency_id', 'state', 'assignee_id', 'due_date', 'application_id']).execute();
  await db.schema.createIndex('cases_queue_submitted').on('cases').columns(['queue_agency_id', 'state', 'submitted_at', 'application_id']).execute();
  await db.schema.createIndex('cases_queue_escalated').on('cases').columns(['queue_agency_id', 'state', 'escalated', 'due_date', 'application_id']).execute();
  await db.schema.createIndex('cases_queue_updated').on('cases').columns(['queue_agency_id', 'state', 'updated_at', 'application_id']).execute();
  await db.schema.createIndex('cases_owner').on('cases').columns(['agency_id', 'state', 'due_date', 'application_id']).execute();
  await db.schema.createIndex('cases_escalation').on('cases').columns(['escalated', 'state', 'due_date']).execute();
  await db.schema.createIndex('cases_reference').on('cases').column('reference').execute();
  await db.schema.createIndex('cases_uen').on('cases').column('applicant_uen').execute();

  // Search without decrypting: keyed hashes of what identifies the applicant
  // (NRIC/FIN, UEN, each word of a name), written when the case opens.
  // submitted_at beside each term: a search reads one term's matches newest first and stops at a page.
  await db.schema.createTable('case_search_terms')
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_search_terms_pk', ['hash', 'application_id'])
    .execute();
  await db.schema.createIndex('case_search_terms_newest').on('case_search_terms').columns(['hash', 'submitted_at', 'application_id']).execute();
  await db.schema.createIndex('case_search_terms_app').on('case_search_terms').column('application_id').execute();

  // Internal notes: officers only, encrypted.
  await db.schema.createTable('case_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('author_agency_id', 'text', (c) => c.notNull())
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_notes_app').on('case_notes').columns(['application_id', 'created_at']).execute();

  // Automatic assignment, round-robin, per agency, service and step.
  await db.schema.createTable('case_assignment_rules')
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('last_assignee_id', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_assignment_rules_pk', ['agency_id', 'service_id', 'step_id'])
    .execute();

  // Signed webhooks to agency systems (Standard Webhooks), with a delivery log.
  await db.schema.createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull()) // JSON list
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_endpoints_agency').on('webhook_endpoints').columns(['agency_id', 'active']).execute();
  await db.schema.createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey()) // the webhook-id header: the same on every retry
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | delivered | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_deliveries_agency').on('webhook_deliveries').columns(['agency_id', 'created_at']).execute();
  await db.schema.createTable('webhook_attempts')
    .addColumn('id', t.serial, (c) => (t.isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();

  // Idempotency-Key for API creates and actions: the first response is kept and replayed.
  await db.schema.createTable('api_idempotency')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_idempotency_pk', ['client_id', 'key'])
    .execute();
  await db.schema.createIndex('api_idempotency_created').on('api_idempotency').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['api_idempotency', 'webhook_attempts', 'webhook_deliveries', 'webhook_endpoints', 'case_assignment_rules', 'case_notes', 'case_search_terms', 'cases']) {
    await db.schema.dropTable(table).execute();
  }
}
