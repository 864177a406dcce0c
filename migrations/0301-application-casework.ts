import type { Kysely } from 'kysely';

// What casework needs from applications: who recorded an application on the
// applicant's behalf (counter, paper), a contact email for applicants without
// an account email, where each answer came from (typed or verified), and
// per-event step, acting agency and messages (encrypted) in the history.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('recorded_by', 'text').execute();
  await db.schema.alterTable('applications').addColumn('contact_email_enc', 'text').execute();
  await db.schema.alterTable('applications').addColumn('answer_sources', 'text').execute(); // JSON: questionId -> { source, ... }
  await db.schema.createIndex('applications_channel_submitted').on('applications').columns(['channel', 'submitted_at']).execute();

  await db.schema.alterTable('application_events').addColumn('step_id', 'text').execute();
  await db.schema.alterTable('application_events').addColumn('actor_agency_id', 'text').execute();
  // a message the applicant sees (a request for information, their answer, reasons for a decision)
  await db.schema.alterTable('application_events').addColumn('message_enc', 'text').execute();
  // a comment only officers see
  await db.schema.alterTable('application_events').addColumn('comment_enc', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['comment_enc', 'message_enc', 'actor_agency_id', 'step_id']) await db.schema.alterTable('application_events').dropColumn(c).execute();
  await db.schema.dropIndex('applications_channel_submitted').execute();
  for (const c of ['answer_sources', 'contact_email_enc', 'recorded_by']) await db.schema.alterTable('applications').dropColumn(c).execute();
}
