import type { Kysely } from 'kysely';

// The Digital Government scorecard: one fact row per application (kpi_facts),
// counters per day x agency x service x channel x audience kept up to date as
// facts change (kpi_rollups; the scorecard reads only these), the satisfaction
// survey's answers, and the registers agencies maintain (quarterly returns,
// costs per service).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('kpi_facts')
    .addColumn('application_id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull()) // online | api | counter | paper
    .addColumn('audience', 'text', (c) => c.notNull()) // citizen | business
    .addColumn('started_at', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decision', 'text') // approved | rejected
    .addColumn('signature_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('signed_digitally', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fee_expected', 'integer', (c) => c.notNull().defaultTo(0)) // the definition charges a fee
    .addColumn('fee_charged', 'integer') // cents actually charged (payments), null until known
    .addColumn('paid_online', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('output_expected', 'integer', (c) => c.notNull().defaultTo(0)) // an approval issues a document
    .addColumn('output_issued_digitally', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completed_at', 'text')
    .addColumn('rating', 'integer') // 1..6, the satisfaction survey
    .addColumn('rated_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  let rollups = db.schema.createTable('kpi_rollups')
    .addColumn('day', 'text', (c) => c.notNull()) // YYYY-MM-DD, Singapore time
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull()); // spreads hot counters over rows (PostgreSQL)
  for (const col of COUNTERS) rollups = rollups.addColumn(col, 'integer', (c) => c.notNull().defaultTo(0));
  await rollups.addPrimaryKeyConstraint('kpi_rollups_pk', ['day', 'agency_id', 'service_id', 'channel', 'audience', 'shard']).execute();
  await db.schema.createIndex('kpi_rollups_agency').on('kpi_rollups').columns(['agency_id', 'day']).execute();

  await db.schema.createTable('satisfaction_answers')
    .addColumn('application_id', 'text', (c) => c.primaryKey()) // one answer per transaction
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull()) // citizen | business: kept apart
    .addColumn('rating', 'integer', (c) => c.notNull())
    .addColumn('comment_enc', 'text')
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('answered_by', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('satisfaction_answers_agency').on('satisfaction_answers').columns(['agency_id', 'answered_at']).execute();

  await db.schema.createTable('kpi_agency_returns')
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('quarter', 'text', (c) => c.notNull()) // YYYY-Qn
    .addColumn('officers_total', 'integer', (c) => c.notNull())
    .addColumn('officers_trained_data_analytics', 'integer', (c) => c.notNull())
    .addColumn('officers_digital_literacy', 'integer', (c) => c.notNull())
    .addColumn('ai_projects', 'integer', (c) => c.notNull())
    .addColumn('eligible_systems', 'integer', (c) => c.notNull())
    .addColumn('cloud_systems', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kpi_agency_returns_pk', ['agency_id', 'quarter'])
    .execute();

  await db.schema.createTable('kpi_costs')
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('quarter', 'text', (c) => c.notNull())
    .addColumn('cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kpi_costs_pk', ['agency_id', 'service_id', 'quarter'])
    .execute();
}

/** The rollup counters (kept in step with src/modules/kpi/facts.ts). */
const COUNTERS = [
  'started', 'submitted', 'decided', 'approved',
  'completed', 'completed_e2e', 'completed_fee', 'completed_paid_online', 'completed_sign', 'completed_signed_digitally', 'completed_output', 'completed_output_digital',
  'rated', 'satisfied', 'rating_sum',
];

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['kpi_costs', 'kpi_agency_returns', 'satisfaction_answers', 'kpi_rollups', 'kpi_facts']) await db.schema.dropTable(t).execute();
}
