import type { Kysely } from 'kysely';

/**
 * Government-verified data (issue 4): the person and business registries
 * (one row per Myinfo item, its value encrypted, with source, owning agency,
 * classification, last-updated time and when it is to be deleted), the
 * consents people give services, the "who used my data" log, and the
 * progress of re-encryption after a data-key rotation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('registry_people')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('uinfin_hash', 'text', (c) => c.notNull().unique()) // keyed hash of the NRIC/FIN (same as accounts.nric_hash)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('registry_person_items')
    .addColumn('person_id', 'text', (c) => c.notNull().references('registry_people.id').onDelete('cascade'))
    .addColumn('item', 'text', (c) => c.notNull()) // Myinfo item name: name, regadd, mobileno, childrenbirthrecords, ...
    .addColumn('value_enc', 'text', (c) => c.notNull()) // the Myinfo-shaped item without its metadata, encrypted
    .addColumn('source', 'text', (c) => c.notNull()) // '1' government-verified, '2' user-provided, '3' not applicable, '4' Singpass-verified
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('agency_id', 'text', (c) => c.notNull()) // the owning agency
    .addColumn('last_updated', 'text', (c) => c.notNull()) // YYYY-MM-DD, as Myinfo gives it
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delete_after', 'text') // retention: when the scheduled deletion removes it
    .addPrimaryKeyConstraint('registry_person_items_pk', ['person_id', 'item'])
    .execute();
  await db.schema.createIndex('registry_person_items_delete').on('registry_person_items').column('delete_after').execute();

  await db.schema.createTable('registry_businesses')
    .addColumn('uen', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('registry_business_items')
    .addColumn('uen', 'text', (c) => c.notNull().references('registry_businesses.uen').onDelete('cascade'))
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('value_enc', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('last_updated', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delete_after', 'text')
    .addPrimaryKeyConstraint('registry_business_items_pk', ['uen', 'item'])
    .execute();

  await db.schema.createTable('consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text')
    .addColumn('decision', 'text', (c) => c.notNull()) // agreed | declined
    .addColumn('provider', 'text', (c) => c.notNull()) // registry | myinfo
    .addColumn('items', 'text', (c) => c.notNull()) // JSON list of item names
    .addColumn('purpose', 'text', (c) => c.notNull()) // JSON local text, as the service stated it
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('consents_account').on('consents').columns(['account_id', 'created_at']).execute();

  await db.schema.createTable('data_uses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull()) // whose data: nric:<keyed hash> or account:<id>
    .addColumn('kind', 'text', (c) => c.notNull()) // officer | service | system
    .addColumn('agency_id', 'text')
    .addColumn('details_enc', 'text', (c) => c.notNull()) // who (name), items, purpose, reference: encrypted
    .addColumn('items', 'text', (c) => c.notNull()) // JSON list of item names (for filtering)
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_uses_subject').on('data_uses').columns(['subject', 'at']).execute();

  await db.schema.createTable('key_rotations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('to_version', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull()) // running | done
    .addColumn('progress', 'text', (c) => c.notNull()) // JSON { table: { done, total } }
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['key_rotations', 'data_uses', 'consents', 'registry_business_items', 'registry_businesses', 'registry_person_items', 'registry_people']) await db.schema.dropTable(t).execute();
}
