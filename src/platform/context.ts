/** What every module receives at start-up: configuration and shared machinery. */
import type { Config } from './config/index.ts';
import type { Db, Dialect } from './db/index.ts';
import type { Logger } from './log/index.ts';
import type { JobRegistry } from './jobs/index.ts';
import type { Messages } from './i18n/index.ts';
import type { Views } from './views/index.ts';
import type { Metrics } from './metrics/index.ts';
import type { KeyRing } from './crypto/keyring.ts';

export interface AppContext {
  config: Config;
  db: Db;
  dialect: Dialect;
  log: Logger;
  jobs: JobRegistry;
  messages: Messages;
  views: Views;
  metrics: Metrics;
  /** field encryption and keyed hashes for personal data */
  keys: KeyRing;
  /** the current time; tests may replace it */
  clock: () => Date;
}
