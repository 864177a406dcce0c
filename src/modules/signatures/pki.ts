/**
 * Civitas's certificate authorities: a platform root CA, an issuing CA (more
 * after a rotation), a timestamp authority certificate, one seal certificate
 * per agency and one signing certificate per person, all created on first
 * need. Certificates rotate before they expire, can be revoked, and each CA
 * publishes a CRL at the URL its certificates name (CIVITAS_BASE_URL/pki/crl/<ca>.crl).
 */
import { sql } from 'kysely';
import type * as pkijs from 'pkijs';
import { appendAudit } from '../../platform/audit/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { dialectOf, newId, nowIso, type Db } from '../../platform/db/index.ts';
import {
  CRL_REASONS, OID, SEAL_POLICY_OID, TSA_POLICY_OID, authorityInfoAccessExt, authorityKeyIdExt, basicConstraintsExt, buildName,
  certificatePoliciesExt, crlDistributionPointsExt, extKeyUsageExt, keyUsageExt, parseCertificate, randomSerial, signCertificate, signCrl,
  subjectKeyIdExt, toPem, type NamePart,
} from './asn1.ts';
import { makeSigner, type KeyStore, type Signer } from './signer.ts';

export type CertKind = 'root' | 'issuing' | 'tsa' | 'seal' | 'signer';

export interface CertRecord {
  id: string;
  serial: string;
  kind: CertKind;
  keyId: string;
  issuerId: string | null;
  ownerType: string | null;
  ownerId: string | null;
  subject: string;
  der: Buffer;
  notBefore: string;
  notAfter: string;
  status: 'active' | 'superseded' | 'revoked';
  revokedAt: string | null;
  revocationReason: string | null;
}

const YEAR = 365 * 24 * 3600_000;
const DAY = 24 * 3600_000;
const VALIDITY: Record<CertKind, number> = { root: 20 * YEAR, issuing: 10 * YEAR, tsa: 5 * YEAR, seal: 2 * YEAR, signer: 1 * YEAR };
/** a certificate this close to expiry is replaced at its next use */
const RENEW_BEFORE_MS = 30 * DAY;
const CRL_LIFETIME_MS = 7 * DAY;
const ORG = 'Civitas';

function toRecord(r: any): CertRecord {
  return {
    id: r.id, serial: r.serial, kind: r.kind, keyId: r.key_id, issuerId: r.issuer_id, ownerType: r.owner_type, ownerId: r.owner_id,
    subject: r.subject, der: Buffer.from(r.der, 'base64'), notBefore: r.not_before, notAfter: r.not_after, status: r.status,
    revokedAt: r.revoked_at, revocationReason: r.revocation_reason,
  };
}

async function lock(trx: Db, name: string): Promise<void> {
  if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`civitas-pki:${name}`}))`.execute(trx);
}

export class Pki {
  constructor(private readonly ctx: AppContext, readonly store: KeyStore) {}

  private get db() { return this.ctx.db; }
  private url(path: string) { return `${this.ctx.config.baseUrl}${path}`; }
  crlUrl(slug: string) { return this.url(`/pki/crl/${slug}.crl`); }
  caUrl(slug: string) { return this.url(`/pki/ca/${slug}.cer`); }

  // ---- reading -----------------------------------------------------------

  async byId(id: string, db: Db = this.db): Promise<CertRecord | undefined> {
    const r = await db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  async bySerial(serial: string, db: Db = this.db): Promise<CertRecord | undefined> {
    const r = await db.selectFrom('certificates').selectAll().where('serial', '=', serial.toLowerCase()).executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  private async current(db: Db, kind: CertKind, ownerType: string | null, ownerId: string | null): Promise<CertRecord | undefined> {
    let q = db.selectFrom('certificates').selectAll().where('kind', '=', kind).where('status', '=', 'active');
    q = ownerType === null ? q.where('owner_type', 'is', null) : q.where('owner_type', '=', ownerType);
    q = ownerId === null ? q.where('owner_id', 'is', null) : q.where('owner_id', '=', ownerId);
    const r = await q.orderBy('not_before', 'desc').orderBy('created_at', 'desc').executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  async root(): Promise<CertRecord> {
    await this.ensure();
    return (await this.current(this.db, 'root', 'platform', 'root'))!;
  }

  async issuingCa(db: Db = this.db): Promise<CertRecord> {
    await this.ensure();
    return (await this.currentIssuing(db))!;
  }

  private async currentIssuing(db: Db): Promise<CertRecord | undefined> {
    const r = await db.selectFrom('certificates').selectAll().where('kind', '=', 'issuing').where('status', '=', 'active')
      .orderBy('created_at', 'desc').executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  /** Root and every issuing CA (also superseded ones, whose certificates may still be in use). */
  async caCertificates(): Promise<CertRecord[]> {
    await this.ensure();
    const rows = await this.db.selectFrom('certificates').selectAll().where('kind', 'in', ['root', 'issuing']).orderBy('created_at').execute();
    return rows.map(toRecord);
  }

  async caBySlug(slug: string): Promise<CertRecord | undefined> {
    if (!/^(root|issuing-\d{1,4})$/.test(slug)) return undefined;
    await this.ensure();
    const r = await this.db.selectFrom('certificates').selectAll().where('owner_type', '=', 'platform').where('owner_id', '=', slug)
      .where('kind', 'in', ['root', 'issuing']).orderBy('created_at', 'desc').executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  /** PEM of the current issuing CA and the root: what a PDF reader or openssl needs besides a document. */
  async chainPem(): Promise<string> {
    const issuing = await this.issuingCa();
    const root = await this.root();
    return toPem(issuing.der) + toPem(root.der);
  }

  // ---- bootstrapping -------------------------------------------------------

  private ensured = false;

  /** Create the root CA, the first issuing CA and the TSA certificate if they do not exist yet. */
  async ensure(): Promise<void> {
    if (this.ensured) return;
    await this.db.transaction().execute(async (trx) => {
      await lock(trx, 'bootstrap');
      let root = await this.current(trx, 'root', 'platform', 'root');
      if (!root) {
        const key = await this.store.create(trx);
        const name = buildName([[OID.country, 'SG'], [OID.organization, ORG], [OID.commonName, `${ORG} Root CA`]]);
        const now = this.ctx.clock();
        const derCert = await signCertificate({
          serial: randomSerial(), issuer: name, subject: name, notBefore: new Date(now.getTime() - 3600_000), notAfter: new Date(now.getTime() + VALIDITY.root),
          subjectPublicKey: key.publicKey,
          extensions: [basicConstraintsExt(true), keyUsageExt(['keyCertSign', 'cRLSign']), subjectKeyIdExt(key.publicKey)],
        }, key);
        root = await this.insert(trx, { kind: 'root', keyId: key.id, issuerId: null, ownerType: 'platform', ownerId: 'root', der: derCert });
      }
      let issuing = await this.currentIssuing(trx);
      if (!issuing) issuing = await this.createIssuingCa(trx, root);
      if (!(await this.current(trx, 'tsa', 'platform', 'tsa'))) await this.issueLeaf(trx, issuing, 'tsa', 'platform', 'tsa', [[OID.country, 'SG'], [OID.organization, ORG], [OID.commonName, `${ORG} Timestamp Authority`]]);
    });
    this.ensured = true;
  }

  private async createIssuingCa(trx: Db, root: CertRecord): Promise<CertRecord> {
    const count = await trx.selectFrom('certificates').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', 'issuing').executeTakeFirst();
    const n = Number(count?.n ?? 0) + 1;
    const slug = `issuing-${n}`;
    const key = await this.store.create(trx);
    const rootKey = await this.store.load(trx, root.keyId);
    const rootCert = parseCertificate(root.der);
    const now = this.ctx.clock();
    const derCert = await signCertificate({
      serial: randomSerial(), issuer: rootCert.subject, subject: buildName([[OID.country, 'SG'], [OID.organization, ORG], [OID.commonName, `${ORG} Issuing CA ${n}`]]),
      notBefore: new Date(now.getTime() - 3600_000), notAfter: new Date(Math.min(now.getTime() + VALIDITY.issuing, Date.parse(root.notAfter))),
      subjectPublicKey: key.publicKey,
      extensions: [
        basicConstraintsExt(true, 0), keyUsageExt(['keyCertSign', 'cRLSign']), subjectKeyIdExt(key.publicKey), authorityKeyIdExt(rootKey.publicKey),
        crlDistributionPointsExt(this.crlUrl('root')), authorityInfoAccessExt(this.caUrl('root')),
      ],
    }, rootKey);
    return this.insert(trx, { kind: 'issuing', keyId: key.id, issuerId: root.id, ownerType: 'platform', ownerId: slug, der: derCert });
  }

  private async insert(trx: Db, c: { kind: CertKind; keyId: string; issuerId: string | null; ownerType: string | null; ownerId: string | null; der: Buffer }): Promise<CertRecord> {
    const cert = parseCertificate(c.der);
    const id = newId();
    const row = {
      id, serial: Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex'), kind: c.kind, key_id: c.keyId, issuer_id: c.issuerId,
      owner_type: c.ownerType, owner_id: c.ownerId, subject: subjectString(cert), der: c.der.toString('base64'),
      not_before: nowIso(cert.notBefore.value), not_after: nowIso(cert.notAfter.value), status: 'active', revoked_at: null, revocation_reason: null,
      created_at: nowIso(this.ctx.clock()),
    };
    await trx.insertInto('certificates').values(row).execute();
    await appendAudit(trx, { stream: `certificate:${id}`, action: 'signatures.certificate_issued', actorType: 'system', agencyId: c.ownerType === 'agency' ? c.ownerId : null, subjectType: 'certificate', subjectId: id, data: { kind: c.kind, serial: row.serial, subject: c.kind === 'signer' ? null : row.subject, notAfter: row.not_after } });
    return toRecord(row);
  }

  private async issueLeaf(trx: Db, issuing: CertRecord, kind: 'tsa' | 'seal' | 'signer', ownerType: string, ownerId: string, subject: NamePart[]): Promise<CertRecord> {
    const key = await this.store.create(trx);
    const caKey = await this.store.load(trx, issuing.keyId);
    const caCert = parseCertificate(issuing.der);
    const now = this.ctx.clock();
    const notAfter = new Date(Math.min(now.getTime() + VALIDITY[kind], Date.parse(issuing.notAfter)));
    const slug = issuing.ownerId!;
    const extensions = [
      basicConstraintsExt(false),
      kind === 'tsa' ? keyUsageExt(['digitalSignature', 'nonRepudiation']) : keyUsageExt(['digitalSignature', 'nonRepudiation']),
      // pdfsig (NSS) and openssl check the purpose: a signing certificate with an EKU must include emailProtection
      kind === 'tsa' ? extKeyUsageExt([OID.ekuTimeStamping], true) : extKeyUsageExt([OID.ekuEmailProtection, OID.ekuDocumentSigning], false),
      subjectKeyIdExt(key.publicKey), authorityKeyIdExt(caKey.publicKey),
      crlDistributionPointsExt(this.crlUrl(slug)), authorityInfoAccessExt(this.caUrl(slug)),
      certificatePoliciesExt(kind === 'tsa' ? TSA_POLICY_OID : SEAL_POLICY_OID),
    ];
    const derCert = await signCertificate({
      serial: randomSerial(), issuer: caCert.subject, subject: buildName(subject), notBefore: new Date(now.getTime() - 300_000), notAfter,
      subjectPublicKey: key.publicKey, extensions,
    }, caKey);
    return this.insert(trx, { kind, keyId: key.id, issuerId: issuing.id, ownerType, ownerId, der: derCert });
  }

  private async signerFor(rec: CertRecord, db: Db = this.db): Promise<Signer> {
    const key = await this.store.load(db, rec.keyId);
    const chain: Buffer[] = [];
    let issuerId = rec.issuerId;
    while (issuerId) {
      const issuer = (await this.byId(issuerId, db))!;
      chain.push(issuer.der);
      issuerId = issuer.issuerId;
    }
    return makeSigner(key, rec.der, chain);
  }

  private usable(rec: CertRecord | undefined): boolean {
    return !!rec && Date.parse(rec.notAfter) - RENEW_BEFORE_MS > this.ctx.clock().getTime();
  }

  /** Get (or create, or renew) the owner's current certificate of this kind. */
  private async leaf(kind: 'seal' | 'signer', ownerType: 'agency' | 'account', ownerId: string, subject: NamePart[]): Promise<Signer> {
    await this.ensure();
    const wanted = subjectString({ subject: buildName(subject) } as pkijs.Certificate);
    const existing = await this.current(this.db, kind, ownerType, ownerId);
    if (existing && this.usable(existing) && existing.subject === wanted) return this.signerFor(existing);
    const rec = await this.db.transaction().execute(async (trx) => {
      await lock(trx, `${kind}:${ownerId}`);
      const again = await this.current(trx, kind, ownerType, ownerId);
      if (again && this.usable(again) && again.subject === wanted) return again;
      const issuing = (await this.currentIssuing(trx))!;
      const created = await this.issueLeaf(trx, issuing, kind, ownerType, ownerId, subject);
      if (again) await this.supersede(trx, again.id, created.id);
      return created;
    });
    return this.signerFor(rec);
  }

  private async supersede(trx: Db, oldId: string, newId: string): Promise<void> {
    await trx.updateTable('certificates').set({ status: 'superseded' }).where('id', '=', oldId).where('status', '=', 'active').execute();
    await appendAudit(trx, { stream: `certificate:${oldId}`, action: 'signatures.certificate_superseded', actorType: 'system', subjectType: 'certificate', subjectId: oldId, data: { by: newId } });
  }

  /** The agency's seal: subject is the agency itself. */
  sealSigner(agency: { id: string; name: string }): Promise<Signer> {
    return this.leaf('seal', 'agency', agency.id, [[OID.country, 'SG'], [OID.organization, agency.name], [OID.organizationalUnit, 'Document seal'], [OID.commonName, agency.name]]);
  }

  /** A person's signing certificate: subject is the person's name (serialNumber keeps namesakes apart). */
  personSigner(person: { accountId: string; name: string }): Promise<Signer> {
    return this.leaf('signer', 'account', person.accountId, [[OID.country, 'SG'], [OID.commonName, person.name], [OID.serialNumber, `CIVITAS-${person.accountId}`]]);
  }

  async tsaSigner(): Promise<Signer> {
    await this.ensure();
    let rec = await this.current(this.db, 'tsa', 'platform', 'tsa');
    if (!this.usable(rec)) {
      rec = await this.db.transaction().execute(async (trx) => {
        await lock(trx, 'tsa');
        const again = await this.current(trx, 'tsa', 'platform', 'tsa');
        if (again && this.usable(again)) return again;
        const created = await this.issueLeaf(trx, (await this.currentIssuing(trx))!, 'tsa', 'platform', 'tsa', [[OID.country, 'SG'], [OID.organization, ORG], [OID.commonName, `${ORG} Timestamp Authority`]]);
        if (again) await this.supersede(trx, again.id, created.id);
        return created;
      });
    }
    return this.signerFor(rec!);
  }

  // ---- rotation and revocation -----------------------------------------------

  /** Replace an agency's seal certificate (new key) now; documents sealed before stay valid. */
  async rotateSeal(agency: { id: string; name: string }, by: string | null = null): Promise<CertRecord> {
    await this.ensure();
    const rec = await this.db.transaction().execute(async (trx) => {
      await lock(trx, `seal:${agency.id}`);
      const old = await this.current(trx, 'seal', 'agency', agency.id);
      const created = await this.issueLeaf(trx, (await this.currentIssuing(trx))!, 'seal', 'agency', agency.id, [[OID.country, 'SG'], [OID.organization, agency.name], [OID.organizationalUnit, 'Document seal'], [OID.commonName, agency.name]]);
      if (old) await this.supersede(trx, old.id, created.id);
      await appendAudit(trx, { stream: `certificate:${created.id}`, action: 'signatures.seal_rotated', actorType: by ? 'officer' : 'system', actorId: by, agencyId: agency.id, subjectType: 'certificate', subjectId: created.id, data: { replaced: old?.id ?? null } });
      return created;
    });
    return rec;
  }

  /** Start a new issuing CA under the root; new certificates come from it, old ones stay valid. */
  async rotateIssuingCa(): Promise<CertRecord> {
    await this.ensure();
    return this.db.transaction().execute(async (trx) => {
      await lock(trx, 'bootstrap');
      const root = (await this.current(trx, 'root', 'platform', 'root'))!;
      const old = (await this.currentIssuing(trx))!;
      const created = await this.createIssuingCa(trx, root);
      await this.supersede(trx, old.id, created.id);
      return created;
    });
  }

  /** Revoke a certificate: it appears in its CA's CRL at once (the CRL is re-signed on the next request). */
  async revoke(certId: string, reason: keyof typeof CRL_REASONS, by: { actorType: 'officer' | 'system'; actorId?: string | null }): Promise<boolean> {
    const now = nowIso(this.ctx.clock());
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('certificates').set({ status: 'revoked', revoked_at: now, revocation_reason: reason })
        .where('id', '=', certId).where('status', '!=', 'revoked').where('kind', '!=', 'root').executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      const rec = (await this.byId(certId, trx))!;
      await appendAudit(trx, { stream: `certificate:${certId}`, action: 'signatures.certificate_revoked', actorType: by.actorType, actorId: by.actorId ?? null, agencyId: rec.ownerType === 'agency' ? rec.ownerId : null, subjectType: 'certificate', subjectId: certId, data: { reason, serial: rec.serial } });
      return true;
    });
  }

  /** The CA's current CRL (DER). Signed anew when a revocation happened since, or when it nears its nextUpdate. */
  async crl(slug: string): Promise<Buffer | undefined> {
    const ca = await this.caBySlug(slug);
    if (!ca) return undefined;
    const now = this.ctx.clock();
    const latest: any = await this.db.selectFrom('crls').selectAll().where('issuer_id', '=', ca.id).orderBy('number', 'desc').executeTakeFirst();
    const lastRevocation: any = await this.db.selectFrom('certificates').select((eb) => eb.fn.max('revoked_at').as('at')).where('issuer_id', '=', ca.id).where('status', '=', 'revoked').executeTakeFirst();
    const stale = !latest || (lastRevocation?.at && lastRevocation.at >= latest.this_update) || Date.parse(latest.next_update) - CRL_LIFETIME_MS / 2 < now.getTime() || Date.parse(latest.this_update) > now.getTime();
    if (!stale) return Buffer.from(latest.der, 'base64');
    const revoked = await this.db.selectFrom('certificates').select(['serial', 'revoked_at', 'revocation_reason']).where('issuer_id', '=', ca.id).where('status', '=', 'revoked').execute();
    const number = Number(latest?.number ?? 0) + 1;
    // thisUpdate a little in the past: verifiers reject a CRL from the future, and clocks drift
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
    const derCrl = await signCrl({
      issuer: parseCertificate(ca.der), issuerKey: await this.store.load(this.db, ca.keyId), number, thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + CRL_LIFETIME_MS),
      revoked: revoked.map((r: any) => ({ serial: r.serial, revokedAt: new Date(r.revoked_at), reason: CRL_REASONS[r.revocation_reason] ?? 0 })),
    });
    await this.db.insertInto('crls').values({ issuer_id: ca.id, number, this_update: nowIso(now), next_update: nowIso(new Date(thisUpdate.getTime() + CRL_LIFETIME_MS)), der: derCrl.toString('base64') })
      .onConflict((oc) => oc.columns(['issuer_id', 'number']).doNothing()).execute();
    return derCrl;
  }

  async certificatesOf(ownerType: 'agency' | 'account', ownerId: string): Promise<CertRecord[]> {
    const rows = await this.db.selectFrom('certificates').selectAll().where('owner_type', '=', ownerType).where('owner_id', '=', ownerId).orderBy('created_at', 'desc').execute();
    return rows.map(toRecord);
  }
}

export function subjectString(cert: Pick<pkijs.Certificate, 'subject'>): string {
  const labels: Record<string, string> = { [OID.commonName]: 'CN', [OID.organization]: 'O', [OID.organizationalUnit]: 'OU', [OID.country]: 'C', [OID.serialNumber]: 'serialNumber' };
  return cert.subject.typesAndValues.map((tv) => `${labels[tv.type] ?? tv.type}=${(tv.value.valueBlock as any).value}`).join(', ');
}
