import { sql, type Kysely } from 'kysely';

/**
 * Notifications: one outbox for email and SMS (replaces outbound_emails, whose
 * rows move here unchanged: their ciphertexts keep the `email:<id>` context),
 * the in-app inbox, people's preferences and agencies' templates.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull()) // email | sms
    .addColumn('kind', 'text', (c) => c.notNull()) // e.g. casework.approved, identity.reset, api
    .addColumn('event', 'text') // submitted | information_requested | ... (template-driven notifications)
    .addColumn('template_id', 'text')
    .addColumn('application_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('agency_id', 'text')
    .addColumn('api_key_id', 'text')
    .addColumn('client_reference', 'text')
    .addColumn('recipient_enc', 'text', (c) => c.notNull())
    .addColumn('recipient_hash', 'text')
    .addColumn('subject_enc', 'text')
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // created | sending | delivered | temporary-failure | permanent-failure
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('lease_until', 'text')
    .addColumn('provider_ref', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sending_at', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notifications_created').on('notifications').column('created_at').execute();
  await db.schema.createIndex('notifications_application').on('notifications').columns(['application_id', 'created_at']).execute();
  await db.schema.createIndex('notifications_recipient').on('notifications').columns(['recipient_hash', 'sending_at']).execute();
  await db.schema.createIndex('notifications_agency').on('notifications').columns(['agency_id', 'sending_at']).execute();

  await sql`insert into notifications (id, channel, kind, account_id, recipient_enc, subject_enc, body_enc, lang, status, attempts, last_error, created_at, sending_at, sent_at, updated_at)
    select id, 'email', kind, account_id, to_enc, subject_enc, body_enc, lang, status, attempts, last_error, created_at, sent_at, sent_at, coalesce(sent_at, created_at) from outbound_emails`.execute(db);
  // queued jobs of the old queue carry the same ids: they move to the new one
  await sql`update jobs set queue = 'notifications.send' where queue = 'notifications.email'`.execute(db);
  await db.schema.dropTable('outbound_emails').execute();

  await db.schema.createTable('inbox_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text')
    .addColumn('subject_enc', 'text', (c) => c.notNull())
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .execute();
  await db.schema.createIndex('inbox_messages_account').on('inbox_messages').columns(['account_id', 'created_at']).execute();

  await db.schema.createTable('notification_preferences')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('sms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lang', 'text') // null: the language of the application
    .addColumn('phone_enc', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('notification_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('sms', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('notification_templates_one', ['service_id', 'event', 'lang'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['notification_templates', 'notification_preferences', 'inbox_messages', 'notifications']) await db.schema.dropTable(t).execute();
}
