/**
 * Verify a signed PDF with Civitas's own code (no external tool): the CMS over
 * the byte ranges, the signer's certificate chain up to the Civitas root, the
 * revocation status of every certificate in it, and the RFC 3161 signature
 * timestamp (its imprint, its signature and its TSA's chain).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  OID, essCertHash, extensionOf, isSignedBy, parseCertificate, serialHex, sha256, spkiOf, toAB, verifyWithSpki,
} from './asn1.ts';
import { attribute, parseCms, signedAttributesBytes, signerCertificate, type ParsedCms } from './cms.ts';
import { subjectString, type CertRecord } from './pki.ts';

export type Problem =
  | 'not_pdf' | 'no_signature' | 'not_whole_document' | 'bad_cms' | 'digest_mismatch' | 'bad_signature' | 'signer_certificate_mismatch'
  | 'untrusted_chain' | 'certificate_revoked' | 'certificate_expired' | 'timestamp_invalid';

export interface TrustStore {
  /** the Civitas root certificate (DER) */
  root: Buffer;
  /** CA certificates Civitas issued (root and issuing CAs, current and superseded) */
  cas: Buffer[];
  /** what Civitas knows of a certificate it issued */
  lookup(serial: string): Promise<CertRecord | undefined>;
}

export interface SignatureCheck {
  ok: boolean;
  problems: Problem[];
  sha256: string;
  subFilter?: string;
  signer?: { subject: string; serial: string };
  /** when the signature was made, from its timestamp */
  timestampedAt?: Date;
  tsa?: string;
}

/** Locate the (last) signature: its byte ranges and the CMS bytes. */
export function locateSignature(pdf: Buffer): { byteRange: number[]; cms: Buffer; subFilter?: string } | undefined {
  const at = pdf.lastIndexOf('/ByteRange');
  if (at < 0) return undefined;
  const m = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1', at, at + 120));
  if (!m) return undefined;
  const byteRange = m.slice(1, 5).map(Number);
  const [a, b, c] = byteRange as [number, number, number, number];
  if (a !== 0 || c <= b || c > pdf.length) return undefined;
  const gap = pdf.toString('latin1', b, c);
  const hex = /^<([0-9a-fA-F\s]*)>$/.exec(gap);
  if (!hex) return undefined;
  const dictStart = pdf.lastIndexOf('<<', at);
  const sub = /\/SubFilter\s*\/([\w.]+)/.exec(pdf.toString('latin1', Math.max(0, dictStart), Math.min(pdf.length, c + 600)));
  return { byteRange, cms: Buffer.from(hex[1]!.replace(/\s+/g, ''), 'hex'), subFilter: sub?.[1] };
}

function validAt(cert: pkijs.Certificate, at: Date): boolean {
  return cert.notBefore.value.getTime() <= at.getTime() && at.getTime() <= cert.notAfter.value.getTime();
}

/** Build the chain from `leaf` to the trusted root; undefined when it does not lead there. */
function chainToRoot(leaf: pkijs.Certificate, pool: pkijs.Certificate[], root: Buffer): pkijs.Certificate[] | undefined {
  const chain = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 5; depth++) {
    if (Buffer.from(current.toSchema().toBER(false)).equals(root)) return chain;
    const issuer = pool.find((c) => c.subject.isEqual(current.issuer) && isSignedBy(current, c));
    if (!issuer) return undefined;
    if (issuer !== current) {
      const bc = extensionOf(issuer, OID.basicConstraints)?.parsedValue as pkijs.BasicConstraints | undefined;
      if (!bc?.cA) return undefined;
    }
    if (issuer === current) return Buffer.from(issuer.toSchema().toBER(false)).equals(root) ? chain : undefined;
    chain.push(issuer);
    current = issuer;
  }
  return undefined;
}

async function checkChain(cert: pkijs.Certificate, extra: pkijs.Certificate[], trust: TrustStore, at: Date, problems: Set<Problem>): Promise<void> {
  const pool = [...trust.cas.map((d) => parseCertificate(d)), ...extra];
  const chain = chainToRoot(cert, pool, trust.root);
  if (!chain) { problems.add('untrusted_chain'); return; }
  for (const c of chain) {
    if (!validAt(c, at)) problems.add('certificate_expired');
    if (Buffer.from(c.toSchema().toBER(false)).equals(trust.root)) continue;
    const rec = await trust.lookup(serialHex(c));
    if (!rec) problems.add('untrusted_chain');
    else if (rec.status === 'revoked') problems.add('certificate_revoked');
  }
}

/** Check a CMS SignerInfo's signature and its messageDigest against `contentDigest`. */
function checkSignerInfo(cms: ParsedCms, signer: pkijs.Certificate, contentDigest: Buffer, problems: Set<Problem>, prefix: 'sig' | 'tst'): void {
  const si = cms.signerInfo;
  const md = attribute(si.signedAttrs, OID.messageDigest);
  if (!md || !si.signedAttrs) { problems.add(prefix === 'sig' ? 'bad_cms' : 'timestamp_invalid'); return; }
  const mdValue = Buffer.from((md.values[0] as asn1js.OctetString).valueBlock.valueHexView);
  if (!mdValue.equals(contentDigest)) problems.add(prefix === 'sig' ? 'digest_mismatch' : 'timestamp_invalid');
  const algorithm = si.signatureAlgorithm.algorithmId === OID.ecPublicKey ? OID.ecdsaWithSha256 : si.signatureAlgorithm.algorithmId;
  if (!verifyWithSpki(spkiOf(signer), algorithm, signedAttributesBytes(si.signedAttrs), si.signature.valueBlock.valueHexView)) problems.add(prefix === 'sig' ? 'bad_signature' : 'timestamp_invalid');
  const ess = essCertHash(attribute(si.signedAttrs, OID.signingCertificateV2));
  if (ess && ess.alg === OID.sha256 && !ess.hash.equals(sha256(Buffer.from(signer.toSchema().toBER(false))))) problems.add(prefix === 'sig' ? 'signer_certificate_mismatch' : 'timestamp_invalid');
  if (prefix === 'sig' && !ess) problems.add('signer_certificate_mismatch');
}

export async function verifyPdfSignature(pdf: Buffer, trust: TrustStore, now: Date): Promise<SignatureCheck> {
  const result: SignatureCheck = { ok: false, problems: [], sha256: sha256(pdf).toString('hex') };
  const problems = new Set<Problem>();
  const done = () => { result.problems = [...problems]; result.ok = problems.size === 0; return result; };
  if (pdf.toString('latin1', 0, 5) !== '%PDF-') { problems.add('not_pdf'); return done(); }
  const sig = locateSignature(pdf);
  if (!sig) { problems.add('no_signature'); return done(); }
  result.subFilter = sig.subFilter;
  const [, b, c, d] = sig.byteRange as [number, number, number, number];
  if (c + d !== pdf.length) problems.add('not_whole_document');
  const signedBytes = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, Math.min(pdf.length, c + d))]);

  let cms: ParsedCms;
  try { cms = parseCms(sig.cms); } catch { problems.add('bad_cms'); return done(); }
  const signer = signerCertificate(cms);
  if (!signer) { problems.add('bad_cms'); return done(); }
  result.signer = { subject: subjectString(signer), serial: serialHex(signer) };
  checkSignerInfo(cms, signer, sha256(signedBytes), problems, 'sig');

  // the signature timestamp: when the signature existed
  let at = now;
  const tsAttr = attribute(cms.signerInfo.unsignedAttrs, OID.signatureTimeStampToken);
  if (tsAttr) {
    try {
      const token = Buffer.from(tsAttr.values[0]!.toBER(false));
      const tst = parseCms(token);
      const info = pkijs.TSTInfo.fromBER(toAB(Buffer.from(tst.signedData.encapContentInfo.eContent!.getValue())));
      const imprint = Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView);
      if (info.messageImprint.hashAlgorithm.algorithmId !== OID.sha256 || !imprint.equals(sha256(cms.signerInfo.signature.valueBlock.valueHexView))) problems.add('timestamp_invalid');
      const tsaCert = signerCertificate(tst);
      if (!tsaCert) problems.add('timestamp_invalid');
      else {
        checkSignerInfo(tst, tsaCert, sha256(Buffer.from(tst.signedData.encapContentInfo.eContent!.getValue())), problems, 'tst');
        const eku = extensionOf(tsaCert, OID.extKeyUsage);
        if (!eku?.critical || !(eku.parsedValue as pkijs.ExtKeyUsage).keyPurposes.includes(OID.ekuTimeStamping)) problems.add('timestamp_invalid');
        const tsaProblems = new Set<Problem>();
        await checkChain(tsaCert, [...tst.certificates, ...cms.certificates], trust, info.genTime, tsaProblems);
        if (tsaProblems.size) problems.add('timestamp_invalid');
        at = info.genTime;
        result.timestampedAt = info.genTime;
        result.tsa = subjectString(tsaCert);
      }
    } catch {
      problems.add('timestamp_invalid');
    }
  }
  await checkChain(signer, cms.certificates, trust, at, problems);
  return done();
}
