/**
 * Sign and send: after step-up, Civitas draws the summary the person saw,
 * signs it as PAdES (ETSI.CAdES.detached) with the person's own certificate
 * (subject: their name; a business role is recorded and printed), timestamps
 * it, and stores the signature and submits the application in one transaction.
 */
import { appendAudit } from '../../platform/audit/index.ts';
import { newId, nowIso } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { submitApplication, findApplication, transitionApplication, type Application } from '../applications/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import { todayInSingapore, validateAnswers, type FormCheck } from '../forms/index.ts';
import { parseCertificate, serialHex, sha256 } from './asn1.ts';
import { signPdf } from './pades.ts';
import type { Signatures } from './service.ts';
import { applicationSummary, renderSummaryPdf } from './summary.ts';

/** reference null: signed, and the fee is to be paid before it is sent (`next`: the payment step). */
export type SignResult = { ok: true; signatureId: string; reference: string | null; next?: string } | { ok: false; check: FormCheck };

export async function signApplication(s: Signatures, input: { application: Application; service: ServiceVersion; principal: Principal; lang: Lang; stepUpMethod: string; requestId?: string }): Promise<SignResult> {
  const { application: a, service, principal } = input;
  if (!service.definition.signatureRequired) throw new AppError('conflict', 'signatures.errors.notRequired');
  if (a.status !== 'draft') {
    const existing = await s.ctx.db.selectFrom('application_signatures').select('id').where('application_id', '=', a.id).executeTakeFirst();
    if (existing && a.reference) return { ok: true, signatureId: existing.id as string, reference: a.reference };
    throw new AppError('conflict', 'applications.errors.alreadySubmitted', { reference: a.reference ?? '' });
  }
  const check = validateAnswers(service.definition.form, a.answers, { today: todayInSingapore(s.ctx.clock()) });
  if (check.errors.length || check.countErrors.length) return { ok: false, check };

  const signedAt = s.ctx.clock();
  const summary = applicationSummary(s, { ...a, answers: check.answers }, service, principal, input.lang);
  const doc = await renderSummaryPdf(s, summary, signedAt);
  const signer = await s.pki.personSigner({ accountId: principal.id, name: principal.displayName });
  const role = principal.actingFor ? `${principal.actingFor.role}, ${principal.actingFor.name} (UEN ${principal.actingFor.uen})` : null;
  const pdf = await signPdf(doc, {
    signer, tsa: s.tsa, signingTime: signedAt, name: principal.displayName, location: 'Singapore', contactInfo: s.ctx.config.baseUrl,
    reason: role ? `Application ${a.id}, signed as ${role}` : `Application ${a.id}`,
  });
  const cert = await s.pki.bySerial(serialHex(parseCertificate(signer.certificate)));
  const signatureId = newId();
  // with a fee, signing stores the signature and the payment step sends the application
  const payFirst = s.payment ? await s.payment.needed(a, service) : false;
  return s.ctx.db.transaction().execute(async (trx) => {
    const current = await findApplication(trx, s.ctx.keys, a.id);
    if (!current || current.status !== 'draft' || current.rev !== a.rev) throw new AppError('conflict', 'applications.errors.busy');
    // signed again (the answers changed before paying): the new signature replaces the one on the draft
    if (payFirst) await trx.deleteFrom('application_signatures').where('application_id', '=', a.id).execute();
    await trx.insertInto('application_signatures').values({
      id: signatureId, application_id: a.id, account_id: principal.id, certificate_id: cert!.id, acting_for_uen: principal.actingFor?.uen ?? null,
      role: principal.actingFor?.role ?? null, step_up_method: input.stepUpMethod, pdf_enc: s.ctx.keys.encrypt(pdf.toString('base64'), `signature:${signatureId}`),
      pdf_sha256: sha256(pdf).toString('hex'), signed_at: nowIso(signedAt),
    }).execute();
    await appendAudit(trx, {
      stream: `application:${a.id}`, action: 'signatures.application_signed', actorType: principal.kind, actorId: principal.id, onBehalfOf: principal.actingFor?.uen ?? null,
      agencyId: a.agencyId, subjectType: 'application', subjectId: a.id, requestId: input.requestId,
      data: { signatureId, certificate: cert!.serial, stepUp: input.stepUpMethod, role: principal.actingFor?.role ?? null, sha256: sha256(pdf).toString('hex') },
    });
    if (payFirst) {
      await transitionApplication(trx, s.ctx.keys, { applicationId: a.id, type: 'signed', statusEvent: null, actor: { type: principal.kind, id: principal.id }, data: { signatureId }, at: nowIso(signedAt) });
      return { ok: true as const, signatureId, reference: null, next: s.payment!.url(a.id) };
    }
    const submitted = await submitApplication(s.ctx, service, { applicationId: a.id, by: principal, requestId: input.requestId, trx, signatureId });
    if (!submitted.ok) throw new AppError('conflict', 'applications.errors.incomplete');
    return { ok: true as const, signatureId, reference: submitted.reference };
  });
}

export async function signedSummaryOf(s: Signatures, applicationId: string): Promise<{ id: string; pdf: Buffer; signedAt: string; sha256: string } | undefined> {
  const r: any = await s.ctx.db.selectFrom('application_signatures').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
  if (!r) return undefined;
  return { id: r.id, pdf: Buffer.from(s.ctx.keys.decrypt(r.pdf_enc, `signature:${r.id}`), 'base64'), signedAt: r.signed_at, sha256: r.pdf_sha256 };
}
