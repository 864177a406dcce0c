import type { Kysely } from 'kysely';

// Outbound payment events to agency systems (Standard Webhooks): endpoints per agency, one
// delivery per event and endpoint (its id is the webhook-id, the same on every retry), attempts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('payment_webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_webhook_endpoints_agency').on('payment_webhook_endpoints').columns(['agency_id', 'active']).execute();
  await db.schema.createTable('payment_webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('payment_webhook_endpoints.id'))
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | delivered | failed
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('payment_webhook_deliveries_agency').on('payment_webhook_deliveries').columns(['agency_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('payment_webhook_deliveries').execute();
  await db.schema.dropTable('payment_webhook_endpoints').execute();
}
