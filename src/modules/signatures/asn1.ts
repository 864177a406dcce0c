/**
 * ASN.1 building blocks for certificates, CRLs and CMS (pkijs + asn1js).
 * Nothing here holds a private key: whatever must be signed goes through a
 * KeyHandle (signer.ts), which may be software, an HSM or a cloud KMS.
 */
import { createHash, createPublicKey, verify as nodeVerify, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { KeyHandle } from './signer.ts';

export const OID = {
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  organizationIdentifier: '2.5.4.97',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecPublicKey: '1.2.840.10045.2.1',
  sha256: '2.16.840.1.101.3.4.2.1',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  certificatePolicies: '2.5.29.32',
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  ekuEmailProtection: '1.3.6.1.5.5.7.3.4',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
  ekuDocumentSigning: '1.3.6.1.4.1.311.10.3.12',
} as const;

/**
 * Policy OIDs under the UUID arc 2.25 (ITU-T X.667): globally unique without a
 * registered enterprise number. One for the timestamp authority, one for document seals.
 */
export const TSA_POLICY_OID = '2.25.238164420183587352540216187452633473641';
export const SEAL_POLICY_OID = '2.25.307346512117045036733513429810870003862';

export const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
export const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();
export const toAB = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
export const der = (o: { toSchema(): any }): Buffer => Buffer.from(o.toSchema().toBER(false));

export type NamePart = [oid: string, value: string];

export function buildName(parts: NamePart[]): pkijs.RelativeDistinguishedNames {
  // one attribute per RDN (C=SG, O=..., CN=...), as CAs write names
  const seq = new asn1js.Sequence({
    value: parts.map(([type, value]) => new asn1js.Set({
      value: [new pkijs.AttributeTypeAndValue({ type, value: type === OID.country ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }) }).toSchema()],
    })),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(seq.toBER(false));
}

const NAME_LABELS: Record<string, string> = { [OID.commonName]: 'CN', [OID.organization]: 'O', [OID.organizationalUnit]: 'OU', [OID.country]: 'C', [OID.serialNumber]: 'serialNumber', [OID.organizationIdentifier]: 'organizationIdentifier' };

/** "CN=..., O=..., C=SG" for display. */
export function nameToString(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${NAME_LABELS[tv.type] ?? tv.type}=${(tv.value.valueBlock as any).value}`).join(', ');
}

export function nameValue(name: pkijs.RelativeDistinguishedNames, oid: string): string | undefined {
  const tv = name.typesAndValues.find((x) => x.type === oid);
  return tv ? String((tv.value.valueBlock as any).value) : undefined;
}

/** A positive random serial number (16 bytes, top bit clear). */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b;
}

export const ecdsaSha256 = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 });
export const sha256Alg = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });

// ---- extensions ---------------------------------------------------------

const ext = (extnID: string, critical: boolean, value: asn1js.BaseBlock<any>) =>
  new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });

export function basicConstraintsExt(ca: boolean, pathLen?: number) {
  return ext(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: ca, ...(ca && pathLen !== undefined ? { pathLenConstraint: pathLen } : {}) }).toSchema());
}

const KEY_USAGE_BITS = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;
export type KeyUsage = keyof typeof KEY_USAGE_BITS;

export function keyUsageExt(usages: KeyUsage[]) {
  let value = 0;
  let highest = 0;
  for (const u of usages) { value |= 0x80 >> KEY_USAGE_BITS[u]; highest = Math.max(highest, KEY_USAGE_BITS[u]); }
  return ext(OID.keyUsage, true, new asn1js.BitString({ valueHex: new Uint8Array([value]).buffer, unusedBits: 7 - highest }));
}

export function extKeyUsageExt(oids: string[], critical: boolean) {
  return ext(OID.extKeyUsage, critical, new pkijs.ExtKeyUsage({ keyPurposes: oids }).toSchema());
}

export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  const spki = pkijs.PublicKeyInfo.fromBER(toAB(spkiDer));
  return sha1(spki.subjectPublicKey.valueBlock.valueHexView);
}

export function subjectKeyIdExt(spkiDer: Uint8Array) {
  return ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: toAB(keyIdentifier(spkiDer)) }));
}

export function authorityKeyIdExt(issuerSpkiDer: Uint8Array) {
  return ext(OID.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toAB(keyIdentifier(issuerSpkiDer)) }) }).toSchema());
}

export function crlDistributionPointsExt(url: string) {
  return ext(OID.crlDistributionPoints, false, new pkijs.CRLDistributionPoints({
    distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: [new pkijs.GeneralName({ type: 6, value: url })] })],
  }).toSchema());
}

export function authorityInfoAccessExt(caIssuersUrl: string) {
  return ext(OID.authorityInfoAccess, false, new pkijs.InfoAccess({
    accessDescriptions: [new pkijs.AccessDescription({ accessMethod: OID.caIssuers, accessLocation: new pkijs.GeneralName({ type: 6, value: caIssuersUrl }) })],
  }).toSchema());
}

export function certificatePoliciesExt(policyOid: string) {
  return ext(OID.certificatePolicies, false, new pkijs.CertificatePolicies({ certificatePolicies: [new pkijs.PolicyInformation({ policyIdentifier: policyOid })] }).toSchema());
}

// ---- certificates and CRLs ----------------------------------------------

export interface CertificateSpec {
  serial: Uint8Array;
  issuer: pkijs.RelativeDistinguishedNames;
  subject: pkijs.RelativeDistinguishedNames;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: Uint8Array; // SPKI DER
  extensions: pkijs.Extension[];
}

/** Encode and sign a certificate with the issuer's key handle (ECDSA P-256, SHA-256). */
export async function signCertificate(spec: CertificateSpec, issuerKey: KeyHandle): Promise<Buffer> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: toAB(spec.serial) });
  cert.signature = ecdsaSha256();
  cert.signatureAlgorithm = ecdsaSha256();
  cert.issuer = spec.issuer;
  cert.subject = spec.subject;
  cert.notBefore = new pkijs.Time({ type: spec.notBefore.getUTCFullYear() < 2050 ? 0 : 1, value: spec.notBefore });
  cert.notAfter = new pkijs.Time({ type: spec.notAfter.getUTCFullYear() < 2050 ? 0 : 1, value: spec.notAfter });
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(toAB(spec.subjectPublicKey));
  cert.extensions = spec.extensions;
  const tbs = Buffer.from(cert.encodeTBS().toBER(false));
  const signature = await issuerKey.sign(sha256(tbs), tbs);
  cert.tbsView = new Uint8Array(tbs);
  cert.signatureValue = new asn1js.BitString({ valueHex: toAB(signature) });
  return der(cert);
}

export const parseCertificate = (d: Uint8Array): pkijs.Certificate => pkijs.Certificate.fromBER(toAB(d));

export const serialHex = (cert: pkijs.Certificate): string => Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex');

export function spkiOf(cert: pkijs.Certificate): Buffer {
  return der(cert.subjectPublicKeyInfo);
}

export function extensionOf(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

/** Verify a signature made with the key in an SPKI (ECDSA or RSA; SHA-256 family as named by the algorithm). */
export function verifyWithSpki(spkiDer: Uint8Array, algorithmOid: string, data: Uint8Array, signature: Uint8Array): boolean {
  const hash = ({
    '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
    '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
    '1.2.840.10045.2.1': 'sha256', '1.2.840.113549.1.1.1': 'sha256',
  } as Record<string, string>)[algorithmOid];
  if (!hash) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    return nodeVerify(hash, data, key, signature);
  } catch {
    return false;
  }
}

/** Is `cert` signed by the key of `issuer`? */
export function isSignedBy(cert: pkijs.Certificate, issuer: pkijs.Certificate): boolean {
  return verifyWithSpki(spkiOf(issuer), cert.signatureAlgorithm.algorithmId, new Uint8Array(cert.tbsView), cert.signatureValue.valueBlock.valueHexView);
}

export interface RevokedEntry { serial: string; revokedAt: Date; reason: number }

export const CRL_REASONS: Record<string, number> = { unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4, cessationOfOperation: 5 };

export async function signCrl(input: { issuer: pkijs.Certificate; issuerKey: KeyHandle; number: number; thisUpdate: Date; nextUpdate: Date; revoked: RevokedEntry[] }): Promise<Buffer> {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.signature = ecdsaSha256();
  crl.signatureAlgorithm = ecdsaSha256();
  crl.issuer = input.issuer.subject;
  crl.thisUpdate = new pkijs.Time({ type: 0, value: input.thisUpdate });
  crl.nextUpdate = new pkijs.Time({ type: 0, value: input.nextUpdate });
  if (input.revoked.length) {
    crl.revokedCertificates = input.revoked.map((r) => new pkijs.RevokedCertificate({
      userCertificate: new asn1js.Integer({ valueHex: toAB(Buffer.from(r.serial, 'hex')) }),
      revocationDate: new pkijs.Time({ type: 0, value: r.revokedAt }),
      crlEntryExtensions: new pkijs.Extensions({ extensions: [ext(OID.cRLReason, false, new asn1js.Enumerated({ value: r.reason }))] }),
    }));
  }
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      authorityKeyIdExt(spkiOf(input.issuer)),
      ext(OID.cRLNumber, false, new asn1js.Integer({ value: input.number })),
    ],
  });
  const tbs = Buffer.from((crl as any).encodeTBS().toBER(false));
  const signature = await input.issuerKey.sign(sha256(tbs), tbs);
  crl.tbsView = new Uint8Array(tbs);
  crl.signatureValue = new asn1js.BitString({ valueHex: toAB(signature) });
  return der(crl);
}

export function toPem(derBytes: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(derBytes).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

// ---- CMS attributes -----------------------------------------------------

/** signingCertificateV2 (RFC 5035): ESSCertIDv2 with the SHA-256 hash of the signer's certificate and its issuer/serial. */
export function signingCertificateV2Attr(certDer: Uint8Array): pkijs.Attribute {
  const cert = parseCertificate(certDer);
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })] }),
      new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView.slice().buffer }),
    ],
  });
  // hashAlgorithm DEFAULT sha256 is omitted (DER)
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: toAB(sha256(certDer)) }), issuerSerial] });
  const signingCertificateV2 = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
  return new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2] });
}

/** The certificate hash inside a signingCertificateV2 attribute (first ESSCertIDv2), if present. */
export function essCertHash(attr: pkijs.Attribute | undefined): { alg: string; hash: Buffer } | undefined {
  if (!attr) return undefined;
  const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const first = certs.valueBlock.value[0] as asn1js.Sequence;
  const items = first.valueBlock.value;
  let alg: string = OID.sha256;
  let i = 0;
  if (items[0] instanceof asn1js.Sequence) { alg = new pkijs.AlgorithmIdentifier({ schema: items[0] }).algorithmId; i = 1; }
  return { alg, hash: Buffer.from((items[i] as asn1js.OctetString).valueBlock.valueHexView) };
}

/** ECDSA signature: DER (SEQUENCE of r, s) to the fixed-width r||s that JOSE uses. */
export function ecdsaDerToJose(sig: Uint8Array, size = 32): Buffer {
  const seq = asn1js.fromBER(toAB(sig)).result as asn1js.Sequence;
  const [r, s] = seq.valueBlock.value as asn1js.Integer[];
  const fix = (v: Uint8Array) => {
    let b = Buffer.from(v);
    while (b.length > size && b[0] === 0) b = b.subarray(1);
    return Buffer.concat([Buffer.alloc(size - b.length), b]);
  };
  return Buffer.concat([fix(r!.valueBlock.valueHexView), fix(s!.valueBlock.valueHexView)]);
}

export const decodeTime = (t: pkijs.Time): Date => t.value;
