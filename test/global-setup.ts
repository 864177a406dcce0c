// Build the front-end assets once before any test starts servers.
import { buildAssets } from '../src/platform/views/assets.ts';

export default async function setup(): Promise<void> {
  await buildAssets();
  const db = process.env.DATABASE_URL;
  process.stdout.write(`\nCivitas tests on ${db && db.startsWith('postgres') ? `PostgreSQL (${new URL(db).pathname.slice(1)} and per-file databases)` : 'SQLite (a file per test)'}\n`);
}
