/**
 * Keys and signers. Private keys never leave this module: the rest of Civitas
 * (and the rest of this module) sees a KeyHandle that signs a digest.
 *
 *  - KeyStore creates and loads keys. SoftwareKeyStore keeps them in the
 *    database, encrypted with the platform key ring (context signing-key:<id>).
 *    An HSM (PKCS#11) or cloud KMS replaces it by implementing the same two
 *    methods: `create()` returns the new key's id and public key, `load(id)`
 *    returns a handle whose sign() calls the device with the digest.
 *  - A Signer is a KeyHandle plus its certificate chain: what CMS, timestamps
 *    and credentials need.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import { sha256 } from './asn1.ts';

export type SignatureAlgorithm = 'ecdsa-p256-sha256';

export interface KeyHandle {
  readonly id: string;
  readonly algorithm: SignatureAlgorithm;
  /** SubjectPublicKeyInfo, DER */
  readonly publicKey: Uint8Array;
  /**
   * Sign a SHA-256 digest; returns the signature as CMS and X.509 carry it
   * (ECDSA: DER SEQUENCE of r and s). `message` is the data the digest was
   * computed over: a device that signs digests (HSM, KMS) ignores it; the
   * software key signs the message, because Node's crypto has no pre-hashed
   * ECDSA, after checking that it matches the digest.
   */
  sign(digest: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
}

export interface Signer extends KeyHandle {
  /** the signer's certificate, DER */
  readonly certificate: Uint8Array;
  /** the issuers, nearest first, up to and including the root, DER */
  readonly chain: Uint8Array[];
}

export interface KeyStore {
  create(db: Db): Promise<KeyHandle>;
  load(db: Db, id: string): Promise<KeyHandle>;
}

class SoftwareKey implements KeyHandle {
  readonly algorithm = 'ecdsa-p256-sha256' as const;
  constructor(readonly id: string, readonly publicKey: Uint8Array, private readonly key: KeyObject) {}
  async sign(digest: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
    if (!sha256(message).equals(Buffer.from(digest))) throw new Error('the digest does not match the message to sign');
    return nodeSign('sha256', message, { key: this.key, dsaEncoding: 'der' });
  }
}

/** Keys generated here and kept in `pki_keys`, encrypted at rest with the platform key ring. */
export class SoftwareKeyStore implements KeyStore {
  private readonly cache = new Map<string, SoftwareKey>();
  constructor(private readonly keys: KeyRing) {}

  async create(db: Db): Promise<KeyHandle> {
    const id = newId();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    await db.insertInto('pki_keys').values({
      id, algorithm: 'ecdsa-p256-sha256', public_key: spki.toString('base64'),
      private_key_enc: this.keys.encrypt(pkcs8.toString('base64'), `signing-key:${id}`), key_ref: null, created_at: nowIso(),
    }).execute();
    const handle = new SoftwareKey(id, spki, privateKey);
    this.cache.set(id, handle);
    return handle;
  }

  async load(db: Db, id: string): Promise<KeyHandle> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row: any = await db.selectFrom('pki_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row?.private_key_enc) throw new Error(`signing key ${id} is not held by the software key store`);
    const pkcs8 = Buffer.from(this.keys.decrypt(row.private_key_enc, `signing-key:${id}`), 'base64');
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    const handle = new SoftwareKey(id, spki, key);
    this.cache.set(id, handle);
    return handle;
  }
}

export function makeSigner(key: KeyHandle, certificate: Uint8Array, chain: Uint8Array[]): Signer {
  return { id: key.id, algorithm: key.algorithm, publicKey: key.publicKey, sign: (d, m) => key.sign(d, m), certificate, chain };
}
