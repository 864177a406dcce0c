/**
 * Issued documents (licences, permits, certificates, approval letters):
 * issueDocument() draws the service's output from its template in the
 * applicant's language, seals it with the agency's certificate and an RFC 3161
 * timestamp, prints a QR code and a verification code on it, and signs a W3C
 * Verifiable Credential of it. Issuing twice returns the first document.
 */
import { randomInt } from 'node:crypto';
import { appendAudit } from '../../platform/audit/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { isLang, localize, type Lang } from '../../platform/i18n/index.ts';
import { formatDate } from '../../platform/views/index.ts';
import { findApplication, formatReference } from '../applications/index.ts';
import { accountProfile } from '../identity/index.ts';
import { recordTransactionFact } from '../kpi/index.ts';
import { summarize, translator } from '../forms/index.ts';
import { notify } from '../notifications/index.ts';
import { parseCertificate, serialHex, sha256 } from './asn1.ts';
import { signCredential } from './credentials.ts';
import { BRAND, MUTED, PdfCanvas } from './pdf/canvas.ts';
import { signPdf } from './pades.ts';
import type { Signatures } from './service.ts';

export const CODE_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXY23456789';
export const newVerificationCode = (): string => Array.from({ length: 10 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
export const formatCode = (c: string): string => `${c.slice(0, 5)}-${c.slice(5)}`;
/** What a person typed (any case, spaces, dashes) as the stored code, or null. */
export function normaliseCode(input: string): string | null {
  const c = input.toUpperCase().replace(/[\s-]+/g, '');
  return new RegExp(`^[${CODE_ALPHABET}]{10}$`).test(c) ? c : null;
}

/** Statuses in which a document may be issued: casework's approval queues it. */
export const ISSUABLE_STATUSES = ['approved'];

export interface IssueDocumentInput {
  applicationId: string;
  /** who approved: an officer's account id, an API key id, or the system */
  approvedBy: { type: 'officer' | 'api' | 'system'; id: string | null };
  requestId?: string;
}
export interface IssuedDocumentRef { documentId: string; verificationCode: string; already: boolean }

export interface IssuedDocument {
  id: string; applicationId: string; agencyId: string; serviceId: string; type: string; holderAccountId: string; lang: Lang;
  verificationCode: string; certificateId: string; sha256: string; issuedAt: string; validUntil: string | null;
  status: 'valid' | 'revoked'; revokedAt: string | null; revocationReason: string | null; approvedBy: string | null;
}

function toDoc(r: any): IssuedDocument {
  return {
    id: r.id, applicationId: r.application_id, agencyId: r.agency_id, serviceId: r.service_id, type: r.type, holderAccountId: r.holder_account_id,
    lang: isLang(r.lang) ? r.lang : 'en', verificationCode: r.verification_code, certificateId: r.certificate_id, sha256: r.pdf_sha256,
    issuedAt: r.issued_at, validUntil: r.valid_until, status: r.status, revokedAt: r.revoked_at, revocationReason: r.revocation_reason, approvedBy: r.approved_by,
  };
}

export async function findDocument(db: Db, by: { id?: string; code?: string; applicationId?: string; sha256?: string }): Promise<IssuedDocument | undefined> {
  let q = db.selectFrom('issued_documents').selectAll();
  if (by.id) q = q.where('id', '=', by.id);
  else if (by.code) q = q.where('verification_code', '=', by.code);
  else if (by.applicationId) q = q.where('application_id', '=', by.applicationId);
  else if (by.sha256) q = q.where('pdf_sha256', '=', by.sha256);
  else return undefined;
  const r = await q.executeTakeFirst();
  return r ? toDoc(r) : undefined;
}

export async function listAgencyDocuments(db: Db, agencyId: string, limit = 200): Promise<IssuedDocument[]> {
  const rows = await db.selectFrom('issued_documents').selectAll().where('agency_id', '=', agencyId).orderBy('issued_at', 'desc').limit(limit).execute();
  return rows.map(toDoc);
}

export async function documentPdf(s: Signatures, d: IssuedDocument): Promise<Buffer> {
  const r: any = await s.ctx.db.selectFrom('issued_documents').select('pdf_enc').where('id', '=', d.id).executeTakeFirstOrThrow();
  return Buffer.from(s.ctx.keys.decrypt(r.pdf_enc, `document:${d.id}`), 'base64');
}

export async function documentCredential(s: Signatures, d: IssuedDocument): Promise<string> {
  const r: any = await s.ctx.db.selectFrom('issued_documents').select('credential_enc').where('id', '=', d.id).executeTakeFirstOrThrow();
  return s.ctx.keys.decrypt(r.credential_enc, `document:${d.id}`);
}

/** For casework: queue the issue in the approval's own transaction (outbox); the job calls issueDocument. */
export const ISSUE_QUEUE = 'signatures.issue-document';
export async function enqueueDocumentIssue(trx: Db, input: IssueDocumentInput): Promise<void> {
  await enqueue(trx, ISSUE_QUEUE, input, { dedupeKey: `issue-document:${input.applicationId}` });
}

const addMonths = (d: Date, months: number) => { const x = new Date(d); x.setUTCMonth(x.getUTCMonth() + months); x.setUTCDate(x.getUTCDate() - 1); return x; };

export async function issueDocument(s: Signatures, input: IssueDocumentInput): Promise<IssuedDocumentRef> {
  const { ctx } = s;
  const existing = await findDocument(ctx.db, { applicationId: input.applicationId });
  if (existing) return { documentId: existing.id, verificationCode: existing.verificationCode, already: true };
  const a = await findApplication(ctx.db, ctx.keys, input.applicationId);
  if (!a) throw notFound('applications.errors.unknownApplication');
  if (!ISSUABLE_STATUSES.includes(a.status)) throw new AppError('conflict', 'signatures.errors.notApproved', { status: a.status });
  const service = await s.catalogue.getVersion(a.serviceId, a.serviceVersion);
  const output = service?.definition.output;
  if (!service || !output || output.type === 'none') throw new AppError('conflict', 'signatures.errors.noOutput');
  const holder = await accountProfile(ctx, a.applicantId);
  if (!holder) throw notFound('applications.errors.unknownApplication');
  const lang: Lang = isLang(a.lang) ? a.lang : 'en';
  const t = (k: string, p?: Record<string, string>) => ctx.messages.t(lang, k, p);

  let code = newVerificationCode();
  while (await findDocument(ctx.db, { code })) code = newVerificationCode();
  const id = newId();
  const issuedAt = ctx.clock();
  const validUntil = output.validityMonths ? addMonths(issuedAt, output.validityMonths) : null;
  const agencyName = s.agencyName(service.definition.agency, lang);
  const title = localize(output.title, lang);
  const reference = a.reference ? formatReference(a.reference) : a.id;
  const verifyUrl = `${ctx.config.baseUrl}/verify/${formatCode(code)}`;
  const holderName = a.actingForUen ? `${holder.name} (UEN ${a.actingForUen})` : holder.name;

  // the template: fixed wording per output type, in the applicant's language
  const c = await PdfCanvas.create({ title, author: agencyName, subject: localize(service.definition.title, lang), lang, created: issuedAt });
  c.paragraph(agencyName, { size: 12, weight: 'bold', color: BRAND, after: 2 });
  c.rule(2, BRAND);
  c.y -= 18;
  c.paragraph(title, { size: 24, weight: 'bold', after: 10 });
  c.paragraph(t(`signatures.document.statement.${output.type}`, { holder: holderName, service: localize(service.definition.title, lang), reference, agency: agencyName }), { size: 11.5, after: 12 });
  c.row(t('signatures.document.holder'), holderName);
  c.row(t('signatures.document.reference'), reference);
  c.row(t('signatures.document.code'), formatCode(code));
  c.row(t('signatures.document.issuedOn'), formatDate(issuedAt.toISOString(), lang));
  if (validUntil) c.row(t('signatures.document.validUntil'), formatDate(validUntil.toISOString(), lang));
  c.row(t('signatures.document.issuedBy'), agencyName);
  const fields = output.fields ?? [];
  if (fields.length) {
    const tr = translator(lang, (l, k, p) => ctx.messages.t(l, k, p));
    const rows = summarize(service.definition.form, a.answers, tr).flatMap((sec) => sec.rows).filter((r) => fields.includes(r.questionId));
    if (rows.length) {
      c.y -= 8;
      c.heading(t('signatures.document.details'), 13);
      for (const r of rows) c.row(r.key, r.value);
    }
  }
  c.ensureSpace(150);
  c.y -= 16;
  const top = c.y;
  c.qr(verifyUrl, c.margin - 8, top, 118);
  const textX = c.margin + 124;
  c.y = top;
  c.paragraph(t('signatures.document.verifyHeading'), { x: textX, size: 12, weight: 'bold', after: 2 });
  c.paragraph(t('signatures.document.verifyText', { url: `${ctx.config.baseUrl}/verify`, code: formatCode(code) }), { x: textX, size: 10, after: 4 });
  c.paragraph(t('signatures.document.sealText', { agency: agencyName }), { x: textX, size: 9, color: MUTED });
  c.y = Math.min(c.y, top - 124);
  c.footer = (_p, n) => c.text(`${title} · ${formatCode(code)} · ${n}/${c.doc.getPageCount()}`, c.margin, 30, { size: 8, color: MUTED });
  const doc = c.finish();

  const sealer = await s.sealSigner(service.definition.agency);
  const pdf = await signPdf(doc, { signer: sealer, tsa: s.tsa, signingTime: issuedAt, name: s.agencyName(service.definition.agency, 'en'), location: 'Singapore', contactInfo: verifyUrl, reason: `${localize(output.title, 'en')} ${formatCode(code)}` });
  const digest = sha256(pdf).toString('hex');
  const credential = await signCredential(s, sealer, {
    id, agencyId: service.definition.agency, type: output.type, title: localize(output.title, 'en'), holderName: holder.name, holderUen: a.actingForUen,
    reference, code, sha256: digest, issuedAt, validUntil,
  });
  const certificate = await s.pki.bySerial(serialHex(parseCertificate(sealer.certificate)));

  const inserted = await ctx.db.transaction().execute(async (trx) => {
    const r = await trx.insertInto('issued_documents').values({
      id, application_id: a.id, agency_id: service.definition.agency, service_id: a.serviceId, type: output.type, holder_account_id: a.applicantId, lang,
      verification_code: code, certificate_id: certificate!.id, pdf_enc: ctx.keys.encrypt(pdf.toString('base64'), `document:${id}`), pdf_sha256: digest,
      credential_enc: ctx.keys.encrypt(credential, `document:${id}`), approved_by: input.approvedBy.id, issued_at: nowIso(issuedAt),
      valid_until: validUntil ? nowIso(validUntil) : null, status: 'valid', revoked_at: null, revoked_by: null, revocation_reason: null,
    }).onConflict((oc) => oc.column('application_id').doNothing()).executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
    await recordTransactionFact(trx, a.id, {
      agencyId: a.agencyId, serviceId: a.serviceId, channel: a.channel, audience: a.actingForUen ? 'business' : 'citizen', outputIssuedDigitally: true, at: nowIso(issuedAt),
    });
    await appendAudit(trx, {
      stream: `application:${a.id}`, action: 'signatures.document_issued', actorType: input.approvedBy.type, actorId: input.approvedBy.id, agencyId: a.agencyId,
      subjectType: 'document', subjectId: id, requestId: input.requestId, data: { type: output.type, code, sha256: digest, certificate: certificate!.serial },
    });
    // the holder hears in their inbox (and by email or SMS as they chose), in their language
    await notify(trx, {
      event: 'document_issued', applicationId: a.id, dedupeKey: `document:${id}`,
      personalisation: { document: (l) => localize(output.title, l), code: formatCode(code), verify_link: verifyUrl },
    });
    return true;
  });
  if (!inserted) {
    const winner = (await findDocument(ctx.db, { applicationId: a.id }))!;
    return { documentId: winner.id, verificationCode: winner.verificationCode, already: true };
  }
  return { documentId: id, verificationCode: code, already: false };
}

/** An agency administrator revokes a document of their agency; verification says so at once. */
export async function revokeDocument(s: Signatures, input: { documentId: string; reason: string; by: Principal; requestId?: string }): Promise<IssuedDocument> {
  const d = await findDocument(s.ctx.db, { id: input.documentId });
  if (!d || d.agencyId !== input.by.agencyId || !input.by.roles.includes('agency_admin')) throw notFound('signatures.errors.unknownDocument');
  if (d.status === 'revoked') return d;
  const now = nowIso(s.ctx.clock());
  await s.ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('issued_documents').set({ status: 'revoked', revoked_at: now, revoked_by: input.by.id, revocation_reason: input.reason })
      .where('id', '=', d.id).where('status', '=', 'valid').execute();
    await appendAudit(trx, {
      stream: `application:${d.applicationId}`, action: 'signatures.document_revoked', actorType: 'officer', actorId: input.by.id, agencyId: d.agencyId,
      subjectType: 'document', subjectId: d.id, requestId: input.requestId, data: { reason: input.reason, code: d.verificationCode },
    });
  });
  return (await findDocument(s.ctx.db, { id: d.id }))!;
}
