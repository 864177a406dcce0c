/**
 * Field-level encryption with envelope keys. A master key (CIVITAS_MASTER_KEY,
 * or a key file in the data directory created on first start) wraps the data
 * keys kept in the database; each encrypted field names the data key version
 * that sealed it, so keys can rotate while old fields stay readable.
 * Look-ups never decrypt: they go through a keyed hash (blind index).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { nowIso, type Db } from '../db/index.ts';

const ALG = 'aes-256-gcm';

function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALG, key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv(ALG, key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

/** The master key: from the environment, else a file in the data directory (created once, mode 0600). */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.CIVITAS_MASTER_KEY) {
    const key = Buffer.from(env.CIVITAS_MASTER_KEY, 'base64');
    if (key.length !== 32) throw new Error('CIVITAS_MASTER_KEY must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`).');
    return key;
  }
  const file = path.join(dataDir, 'master.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
  return key;
}

function unwrapAll(rows: any[], masterKey: Buffer): { keys: Map<number, Buffer>; active: number; indexKey?: Buffer } {
  const keys = new Map<number, Buffer>();
  let active = 0;
  let indexKey: Buffer | undefined;
  for (const r of rows) {
    let key: Buffer;
    try {
      key = open(masterKey, r.wrapped_key, `data-key:${r.purpose}:${r.version}`);
    } catch {
      throw new Error('The master key does not open this database\'s data keys: CIVITAS_MASTER_KEY (or data/master.key) belongs to another installation.');
    }
    if (r.purpose === 'index') indexKey = key;
    else {
      keys.set(Number(r.version), key);
      if (Number(r.active) === 1) active = Math.max(active, Number(r.version));
    }
  }
  return { keys, active, indexKey };
}

export class KeyRing {
  private constructor(
    private dataKeys: Map<number, Buffer>,
    private activeVersion: number,
    private readonly indexKey: Buffer,
    private readonly masterKey: Buffer,
  ) {}

  /** Load (creating on first use) the data keys, unwrapped with the master key. */
  static async load(db: Db, masterKey: Buffer): Promise<KeyRing> {
    let rows = await db.selectFrom('data_keys').selectAll().orderBy('version').execute();
    if (rows.length === 0) {
      const now = nowIso();
      await db.insertInto('data_keys').values([
        { version: 1, purpose: 'field', wrapped_key: seal(masterKey, randomBytes(32), 'data-key:field:1'), active: 1, created_at: now },
        { version: 0, purpose: 'index', wrapped_key: seal(masterKey, randomBytes(32), 'data-key:index:0'), active: 1, created_at: now },
      ]).onConflict((oc) => oc.doNothing()).execute();
      rows = await db.selectFrom('data_keys').selectAll().orderBy('version').execute();
    }
    const { keys, active, indexKey } = unwrapAll(rows as any[], masterKey);
    if (!indexKey || active === 0) throw new Error('data_keys is incomplete');
    return new KeyRing(keys, active, indexKey, masterKey);
  }

  /**
   * Pick up data keys added or activated since loading (key rotation): every
   * process calls this periodically, so a new key is known everywhere before
   * anything is sealed with it. The index key never changes.
   */
  async reload(db: Db): Promise<void> {
    const rows = await db.selectFrom('data_keys').selectAll().where('purpose', '=', 'field').orderBy('version').execute();
    const { keys, active } = unwrapAll(rows as any[], this.masterKey);
    if (active === 0) return;
    this.dataKeys = keys;
    this.activeVersion = active;
  }

  /** Add a new data key, known to every process at once but sealing nothing until activated. Returns its version. */
  async addDataKey(db: Db): Promise<number> {
    const max = await db.selectFrom('data_keys').select((eb) => eb.fn.max('version').as('v')).where('purpose', '=', 'field').executeTakeFirst();
    const version = Number(max?.v ?? 0) + 1;
    await db.insertInto('data_keys').values({ version, purpose: 'field', wrapped_key: seal(this.masterKey, randomBytes(32), `data-key:field:${version}`), active: 0, created_at: nowIso() }).execute();
    return version;
  }

  /** The data key that seals new values. */
  get version(): number { return this.activeVersion; }

  /** The version a sealed value names. */
  static versionOf(value: string): number | null {
    const m = /^v(\d+):/.exec(value);
    return m ? Number(m[1]) : null;
  }

  encrypt(plaintext: string, context = ''): string {
    return `v${this.activeVersion}:${seal(this.dataKeys.get(this.activeVersion)!, Buffer.from(plaintext, 'utf8'), context)}`;
  }

  decrypt(value: string, context = ''): string {
    const m = /^v(\d+):(.+)$/.exec(value);
    if (!m) throw new Error('not an encrypted field');
    const key = this.dataKeys.get(Number(m[1]));
    if (!key) throw new Error(`data key v${m[1]} is missing`);
    return open(key, m[2]!, context).toString('utf8');
  }

  encryptNullable(v: string | null | undefined, context = ''): string | null {
    return v === null || v === undefined ? null : this.encrypt(v, context);
  }

  decryptNullable(v: string | null | undefined, context = ''): string | null {
    return v === null || v === undefined ? null : this.decrypt(v, context);
  }

  /** Keyed hash for look-ups: the same input always gives the same index; nobody without the key can compute it. */
  blindIndex(purpose: string, value: string): string {
    return createHmac('sha256', this.indexKey).update(`${purpose}\0${value}`).digest('base64url');
  }
}
