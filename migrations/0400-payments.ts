import type { Kysely } from 'kysely';

// Payments (src/modules/payments): one row per payment with its current state
// (cached from payment_events, the append-only history), refunds, the ledger of
// every money movement, what the sandbox provider charged (its own book, as an
// external provider's would be), inbound webhook ids seen, and bank statement lines.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text') // null for a payment an agency system created through the API
    .addColumn('api_key_id', 'text') // the agency system that created it (API), else null
    .addColumn('payer_id', 'text') // the account that started it in the journey
    .addColumn('reference', 'text', (c) => c.notNull()) // the agency's (or the application's) reference
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull()) // minor units
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull()) // card | paynow
    .addColumn('provider', 'text', (c) => c.notNull()) // sandbox | paynow | stripe
    .addColumn('provider_id', 'text') // the provider's id for the charge
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('next_token_hash', 'text', (c) => c.notNull().unique()) // the one-time next_url's secret, hashed
    .addColumn('next_token_enc', 'text', (c) => c.notNull()) // the same secret, encrypted, to show next_url again until it is used
    .addColumn('next_used_at', 'text')
    .addColumn('payer_secret_hash', 'text') // the browser that used next_url holds the secret (cookie)
    .addColumn('bill_reference', 'text', (c) => c.unique()) // PayNow: in the QR code and on the bank's credit
    .addColumn('paynow_payload', 'text')
    .addColumn('card_brand', 'text')
    .addColumn('card_last4', 'text')
    .addColumn('breakdown', 'text') // JSON: the fee's parts (base, concession, GST)
    .addColumn('failure', 'text') // declined | provider_error | expired | cancelled ...
    .addColumn('rev', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text')
    .execute();
  await db.schema.createIndex('payments_application').on('payments').columns(['application_id', 'created_at']).execute();
  await db.schema.createIndex('payments_open').on('payments').columns(['state', 'expires_at']).execute();
  await db.schema.createIndex('payments_agency').on('payments').columns(['agency_id', 'created_at']).execute();

  await db.schema.createTable('payment_events')
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('payment_events_pk', ['payment_id', 'seq'])
    .execute();

  await db.schema.createTable('payment_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull()) // submitted | success | error
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('provider_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_refunds_payment').on('payment_refunds').column('payment_id').execute();

  // Append-only: charge (+), refund (-), waiver (the fee not charged). Never updated, never deleted.
  await db.schema.createTable('payment_ledger')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('application_id', 'text')
    .addColumn('refund_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull()) // charge | refund | waiver
    .addColumn('amount', 'integer', (c) => c.notNull()) // signed minor units: a refund is negative
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('provider', 'text')
    .addColumn('provider_ref', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique()) // one entry per movement, whatever retries
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_ledger_agency_at').on('payment_ledger').columns(['agency_id', 'at']).execute();

  // The sandbox card provider's own book: what it charged and refunded (its "settlement report").
  await db.schema.createTable('payment_sandbox_charges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull()) // charge | refund
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull()) // success | declined | challenge | error
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Inbound provider notifications already applied (webhooks are delivered at least once).
  await db.schema.createTable('payment_inbound_events')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('payment_inbound_events_pk', ['provider', 'event_id'])
    .execute();

  // Bank statement lines (PayNow credits), imported by agency administrators.
  await db.schema.createTable('payment_statement_lines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('bank_reference', 'text', (c) => c.notNull())
    .addColumn('value_date', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('bill_reference', 'text')
    .addColumn('payment_id', 'text') // the payment it was matched to, if any
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_statement_lines_ref').on('payment_statement_lines').columns(['agency_id', 'bank_reference']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['payment_statement_lines', 'payment_inbound_events', 'payment_sandbox_charges', 'payment_ledger', 'payment_refunds', 'payment_events', 'payments']) {
    await db.schema.dropTable(t).execute();
  }
}
