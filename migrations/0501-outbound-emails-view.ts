import { sql, type Kysely } from 'kysely';

/**
 * A read-only view with the old outbox's name and columns, for code and tests
 * written against outbound_emails before notifications replaced it (0500).
 * New code reads notifications (channel = 'email'); drop this once nothing does.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create view outbound_emails as
    select id, kind, account_id, recipient_enc as to_enc, subject_enc, body_enc, lang, status, attempts, last_error, created_at, sent_at
    from notifications where channel = 'email'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view outbound_emails`.execute(db);
}
