import type { Kysely } from 'kysely';

// Public-holiday calendars (src/platform/calendar): calendars are data, one row per day off.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('calendars')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('weekend', 'text', (c) => c.notNull()) // JSON: weekday names
    .addColumn('sunday_holiday', 'text', (c) => c.notNull()) // next-non-holiday | none
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Which years a calendar has, where their dates come from, and who imported them.
  await db.schema.createTable('calendar_years')
    .addColumn('calendar', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // gazetted | provisional
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull()) // file (bundled data) | admin (civitas calendar import)
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('calendar_years_pk', ['calendar', 'year'])
    .execute();

  await db.schema.createTable('public_holidays')
    .addColumn('calendar', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull()) // YYYY-MM-DD, a day off
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // holiday | in-lieu
    .addPrimaryKeyConstraint('public_holidays_pk', ['calendar', 'date', 'name', 'kind'])
    .execute();
  await db.schema.createIndex('public_holidays_year').on('public_holidays').columns(['calendar', 'year']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['public_holidays', 'calendar_years', 'calendars']) await db.schema.dropTable(t).execute();
}
