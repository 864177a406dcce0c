/**
 * Verification without signing in: by code (what the document says about
 * itself) or by uploading the PDF (the signature is checked cryptographically
 * and the file's hash must be the one Civitas issued).
 */
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { findDocument, formatCode, normaliseCode, type IssuedDocument } from './documents.ts';
import type { Signatures } from './service.ts';
import { verifyPdfSignature, type SignatureCheck } from './verify-signature.ts';

export type DocumentStatus = 'valid' | 'revoked' | 'unknown';

export interface DocumentVerification {
  status: DocumentStatus;
  code: string | null;
  issuer?: { id: string; name: string };
  type?: string;
  title?: string;
  issuedAt?: string;
  validUntil?: string | null;
  expired?: boolean;
  revokedAt?: string | null;
  document?: IssuedDocument;
}

export async function describe(s: Signatures, d: IssuedDocument, lang: Lang): Promise<DocumentVerification> {
  const service = s.catalogue.get(d.serviceId);
  const cert = await s.pki.byId(d.certificateId);
  const revoked = d.status === 'revoked' || cert?.status === 'revoked';
  return {
    status: revoked ? 'revoked' : 'valid', code: formatCode(d.verificationCode),
    issuer: { id: d.agencyId, name: s.agencyName(d.agencyId, lang) }, type: d.type,
    title: service?.definition.output ? localize(service.definition.output.title, lang) : d.type,
    issuedAt: d.issuedAt, validUntil: d.validUntil, expired: !!d.validUntil && Date.parse(d.validUntil) < s.ctx.clock().getTime(),
    revokedAt: d.revokedAt ?? cert?.revokedAt ?? null, document: d,
  };
}

export async function verifyCode(s: Signatures, input: string, lang: Lang): Promise<DocumentVerification> {
  const code = normaliseCode(input);
  if (!code) return { status: 'unknown', code: null };
  const d = await findDocument(s.ctx.db, { code });
  return d ? describe(s, d, lang) : { status: 'unknown', code: formatCode(code) };
}

export type UploadOutcome = 'valid' | 'revoked' | 'invalid_signature' | 'not_issued';

export interface UploadVerification { outcome: UploadOutcome; signature: SignatureCheck; document?: DocumentVerification }

export async function verifyUpload(s: Signatures, pdf: Buffer, lang: Lang): Promise<UploadVerification> {
  const signature = await verifyPdfSignature(pdf, await s.trustStore(), s.ctx.clock());
  const issued = await findDocument(s.ctx.db, { sha256: signature.sha256 });
  const document = issued ? await describe(s, issued, lang) : undefined;
  const revokedCert = signature.problems.includes('certificate_revoked');
  const otherProblems = signature.problems.filter((p) => p !== 'certificate_revoked');
  if (otherProblems.length) return { outcome: 'invalid_signature', signature, document };
  if (revokedCert || document?.status === 'revoked') return { outcome: 'revoked', signature, document };
  if (!document) return { outcome: 'not_issued', signature };
  return { outcome: 'valid', signature, document };
}
