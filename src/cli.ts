/**
 * `civitas <command>`: start, migrate, seed, jobs, audit verify, i18n-check.
 * Long-running commands report their progress as they go.
 */
import { parseArgs } from 'node:util';
import { ConfigError, describeDatabase, loadConfig, type Config } from './platform/config/index.ts';
import { openDatabase } from './platform/db/index.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { Messages } from './platform/i18n/index.ts';
import { queueStats, recentFailures } from './platform/jobs/index.ts';
import { verifyAudit } from './platform/audit/index.ts';
import { createPlatform, startServer, SERVICES_DIR } from './main.ts';
import { seedDemoHistory } from './modules/kpi/index.ts';
import { createApiKey, API_SCOPES, inviteOfficer, loadKeys, rotateKeys } from './modules/identity/index.ts';
import { OFFICER_ROLES } from './platform/http/index.ts';
import { KeyRing, loadMasterKey } from './platform/crypto/keyring.ts';
import { createLogger } from './platform/log/index.ts';
import { isAppError } from './platform/errors/index.ts';

const HELP = `Usage: civitas <command>

Commands:
  start            run the platform (web server and background worker)
  migrate          bring the database schema up to date
  seed             load services and demo data (demo personas) into the database
  jobs             show background job queues and recent failures
  audit verify     check every hash chain of the audit log
  api-key create   create an API key: --agency <id> --scopes <a,b> [--name n] [--role r]
  officer create   create an officer and print their invitation link: --agency <id> --email <e> --name <n> --roles <a,b>
  keys rotate      start replacing keys: the OpenID provider's and relying party's, and the data key
                   (personal data is re-encrypted in the background) [--owner op|rp|data|all]
  keys list        show the signing and encryption keys (public parts only)
  keys status      show the progress of data-key rotations
  services-check   validate the service definitions in services/
  i18n-check       list message keys missing in a language
  calendar list    show the public-holiday calendar's years and days off [--year 2026]
  calendar import  replace years of a calendar from a YAML file: calendar import <file>
  kpi rebuild      recount the scorecard's rollups from the transaction facts (docs/kpi.md)

Configuration comes from the environment: PORT, CIVITAS_DATA_DIR, DATABASE_URL,
CIVITAS_DEMO, CIVITAS_BASE_URL, CIVITAS_SMTP_URL, CIVITAS_MASTER_KEY, CIVITAS_CALENDAR, LOG_LEVEL,
CIVITAS_OIDC_PROVIDERS, CIVITAS_OIDC_CLIENTS, CIVITAS_SIGNING_KEY_DAYS.
See docs/operations.md and docs/identity.md.`;

const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { demo: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, agency: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, email: { type: 'string' }, roles: { type: 'string' }, owner: { type: 'string' }, year: { type: 'string' } } });
  const [command, sub] = positionals;
  if (!command || values.help) { say(HELP); return command ? 0 : 1; }

  let config: Config;
  try {
    config = loadConfig(process.env, { demo: values.demo });
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`${e.message}\n`); return 2; }
    throw e;
  }

  switch (command) {
    case 'start': {
      say('Starting Civitas...');
      const platform = await startServer(config, { progress: (s) => say(`  ${s}`) });
      const mode = config.demo ? 'demo (made-up people and data; one-click sign-in and the mail viewer are on)' : 'production (demo conveniences off)';
      say('');
      say('Civitas is running');
      say(`  URL:   ${config.baseUrl}${config.host === '0.0.0.0' ? `  (listening on all interfaces, port ${config.port})` : ''}`);
      say(`  Mode:  ${mode}`);
      say(`  Data:  ${describeDatabase(config.database)}; keys and files in ${config.dataDir}`);
      say('  Stop:  Ctrl+C');
      const stop = async (signal: string) => {
        say(`\n${signal}: stopping (finishing requests and jobs in progress)...`);
        await platform.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return -1; // keep running
    }
    case 'migrate': {
      const database = await openDatabase(config.database);
      say(`Migrating ${describeDatabase(config.database)}...`);
      const applied = await migrateToLatest(database.db, (name) => say(`  applied ${name}`));
      say(applied.length ? `Done: ${applied.length} migration(s) applied.` : 'Already up to date.');
      await database.close();
      return 0;
    }
    case 'seed': {
      say(`Seeding ${describeDatabase(config.database)}...`);
      const platform = await createPlatform({ ...config, demo: true }, { progress: (s) => say(`  ${s}`) });
      const history = await seedDemoHistory(platform.ctx.db, platform.catalogue, platform.ctx.clock());
      if (history) say(`  demo scorecard history: ${history} transactions over the past year`);
      await platform.close();
      say('Done.');
      return 0;
    }
    case 'jobs': {
      const database = await openDatabase(config.database);
      const stats = await queueStats(database.db);
      say(stats.length ? stats.map((s) => `${s.queue.padEnd(32)} ${s.state.padEnd(10)} ${s.count}`).join('\n') : 'No jobs waiting, running or failed.');
      const failed = await recentFailures(database.db, 10);
      if (failed.length) {
        say('\nRecent failures:');
        for (const f of failed) say(`  ${f.updated_at} ${f.queue} (${f.attempts} attempts): ${f.last_error}`);
      }
      await database.close();
      return 0;
    }
    case 'audit': {
      if (sub !== 'verify') { say('Usage: civitas audit verify'); return 1; }
      const database = await openDatabase(config.database);
      say('Verifying the audit log hash chains...');
      const result = await verifyAudit(database.db, (n) => say(`  ${n} entries checked`));
      await database.close();
      if (result.problems.length) {
        say(`FAILED: ${result.problems.length} problem(s) in ${result.checked} entries:`);
        for (const p of result.problems.slice(0, 50)) say(`  ${p.stream} #${p.seq}: ${p.problem}`);
        return 3;
      }
      say(`OK: ${result.checked} entries, every chain intact.`);
      return 0;
    }
    case 'services-check': {
      const { loadDefinitions, DefinitionError } = await import('./modules/catalogue/index.ts');
      const { PREFILL_ITEMS } = await import('./modules/registry/index.ts');
      try {
        const loaded = loadDefinitions(SERVICES_DIR, { prefillItems: PREFILL_ITEMS });
        say(`OK: ${loaded.services.length} services, ${loaded.agencies.length} agencies, ${loaded.lifeEvents.length} life events.`);
        return 0;
      } catch (e) {
        if (e instanceof DefinitionError) { say(e.message); return 1; }
        throw e;
      }
    }
    case 'api-key': {
      if (sub !== 'create') { say('Usage: civitas api-key create --agency <agency-id> --scopes <scope,scope> [--name <name>] [--role <officer role>]'); return 1; }
      const agency = values.agency;
      const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (!agency || !scopes.length) { say('Both --agency and --scopes are needed. Scopes: ' + API_SCOPES.join(', ')); return 1; }
      const platform = await createPlatform(config, { log: createLogger('warn') });
      try {
        if (!platform.catalogue.agency(agency)) { say(`There is no agency "${agency}". Agencies: ${platform.catalogue.agencies.map((a) => a.id).join(', ')}`); return 1; }
        const key = await createApiKey(platform.ctx.db, { agencyId: agency, scopes, name: values.name ?? `key for ${agency}`, officerRole: values.role ?? null });
        say(`API key created for ${agency} with scopes ${scopes.join(', ')}.`);
        say('Copy it now: it is shown only once and stored only as a hash.');
        say('');
        say(`  ${key.key}`);
        say('');
        say(`Use it as: Authorization: Bearer ${key.prefix}...`);
        return 0;
      } catch (e) {
        if (isAppError(e)) { say(new Messages().t('en', e.message, { scopes: scopes.join(', ') })); return 1; }
        throw e;
      } finally {
        await platform.close();
      }
    }
    case 'officer': {
      if (sub !== 'create' || !values.agency || !values.email || !values.name || !values.roles) {
        say('Usage: civitas officer create --agency <agency-id> --email <address> --name "<full name>" --roles <role,role>');
        say(`Roles: ${OFFICER_ROLES.join(', ')}`);
        return 1;
      }
      const platform = await createPlatform(config, { log: createLogger('warn') });
      try {
        if (!platform.catalogue.agency(values.agency)) { say(`There is no agency "${values.agency}". Agencies: ${platform.catalogue.agencies.map((a) => a.id).join(', ')}`); return 1; }
        const r = await inviteOfficer(platform.ctx, { agencyId: values.agency, email: values.email, name: values.name, roles: values.roles.split(',').map((x) => x.trim()), by: null, lang: 'en' });
        if (r.errors.length) { for (const e of r.errors) say(`${e.field}: ${new Messages().t('en', e.message, e.params)}`); return 1; }
        say(`Officer created in ${values.agency}. An invitation was emailed; the link (valid 7 days, works once) is:`);
        say('');
        say(`  ${r.link}`);
        say('');
        say('At their first sign-in they must set up a second factor.');
        return 0;
      } finally {
        await platform.close();
      }
    }
    case 'keys': {
      if (sub !== 'rotate' && sub !== 'list' && sub !== 'status') { say('Usage: civitas keys rotate [--owner op|rp|data|all] | civitas keys list | civitas keys status'); return 1; }
      const owner = (values.owner ?? 'all') as 'op' | 'rp' | 'data' | 'all';
      if (!['op', 'rp', 'data', 'all'].includes(owner)) { say('--owner must be op (the OpenID provider), rp (the relying party), data (the key that encrypts personal data) or all.'); return 1; }
      const database = await openDatabase(config.database);
      try {
        await migrateToLatest(database.db);
        const keyring = await KeyRing.load(database.db, loadMasterKey(config.dataDir));
        const { startDataKeyRotation, rotationStatus } = await import('./platform/crypto/rotation.ts');
        if (sub === 'status') {
          const list = await rotationStatus(database.db);
          if (!list.length) say('No data-key rotation yet.');
          for (const r of list) {
            say(`Rotation ${r.id} to data key v${r.toVersion}: ${r.state} (started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''})`);
            for (const [col, c] of Object.entries(r.columns)) say(`  ${col.padEnd(40)} ${String(c.reencrypted).padStart(8)} re-encrypted, ${c.remaining} remaining`);
          }
          return 0;
        }
        if (sub === 'rotate' && (owner === 'data' || owner === 'all')) {
          const r = await startDataKeyRotation(database.db, keyring);
          say(`New data key v${r.version} (rotation ${r.id}). Running Civitas processes pick it up within 30 seconds;`);
          say('in about a minute their background worker starts re-encrypting personal data with it, in batches, while the service keeps running.');
          say('Follow it with: civitas keys status');
          if (owner === 'data') return 0;
        }
        if (sub === 'rotate') {
          const kids = await rotateKeys(database.db, keyring, owner as 'op' | 'rp' | 'all');
          say(`New keys: ${kids.join(', ')}.`);
          say('They are published now and sign from about a minute from now (every Civitas process picks them up within 30 seconds);');
          say('the keys they replace stay published for a day, so tokens already issued remain verifiable.');
        }
        for (const k of await loadKeys(database.db, keyring)) say(`  ${k.owner} ${k.use} ${k.alg.padEnd(15)} ${k.state.padEnd(8)} ${k.kid}  (created ${k.createdAt})`);
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'kpi': {
      if (sub !== 'rebuild') { say('Usage: civitas kpi rebuild'); return 1; }
      const database = await openDatabase(config.database);
      try {
        await migrateToLatest(database.db);
        const { rebuildRollups } = await import('./modules/kpi/index.ts');
        say(`Recounted the scorecard's rollups from ${await rebuildRollups(database.db)} transaction facts.`);
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'calendar': {
      const { importCalendarFile, loadCalendar, syncCalendars, CalendarDataError } = await import('./platform/calendar/index.ts');
      if (sub !== 'list' && sub !== 'import') { say('Usage: civitas calendar list [--year 2026] | civitas calendar import <file.yaml>'); return 1; }
      const database = await openDatabase(config.database);
      try {
        await migrateToLatest(database.db);
        await syncCalendars(database.db);
        if (sub === 'import') {
          const file = positionals[2];
          if (!file) { say('Name the file: civitas calendar import <file.yaml> (see docs/operations.md for its format).'); return 1; }
          const r = await importCalendarFile(database.db, file);
          for (const y of r.years) say(`${r.calendar} ${y.year}: ${y.daysOff} days off imported (kept across upgrades).`);
          say('Running Civitas processes use the new dates within 5 minutes.');
          return 0;
        }
        const c = await loadCalendar(database.db, config.calendar);
        say(`${c.name} (${c.id}, ${c.timeZone})`);
        for (const [year, status] of [...c.years].sort((a, b) => a[0] - b[0])) {
          if (values.year && String(year) !== values.year) continue;
          say(`  ${year} (${status}):`);
          for (const d of c.daysOffIn(year)) say(`    ${d.date}  ${d.name}${d.kind === 'in-lieu' ? ' (day in lieu)' : ''}`);
        }
        return 0;
      } catch (e) {
        if (e instanceof CalendarDataError) { say(e.message); return 1; }
        throw e;
      } finally {
        await database.close();
      }
    }
    case 'i18n-check': {
      const missing = new Messages().missing();
      if (!missing.length) { say('Every message key exists in English, Malay, Chinese and Tamil.'); return 0; }
      for (const m of missing) say(`missing in ${m.lang}: ${m.key}`);
      say(`${missing.length} missing translation(s).`);
      return 1;
    }
    default:
      say(`Unknown command "${command}".\n\n${HELP}`);
      return 1;
  }
}

main().then((code) => { if (code >= 0) process.exit(code); }, (err) => {
  process.stderr.write(`Civitas stopped with an error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
