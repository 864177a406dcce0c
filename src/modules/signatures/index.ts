/**
 * Signatures: Civitas's certificate authorities and timestamp authority,
 * applicants' PAdES signatures (after step-up), sealed and timestamped issued
 * documents with QR and verification codes, verification without login,
 * revocation, verifiable credentials, and the documents API.
 *
 * For casework (on approval), either
 *   - in the approval transaction: `await enqueueDocumentIssue(trx, { applicationId, approvedBy: { type: 'officer', id } })`
 *     (the job 'signatures.issue-document' then issues it: preferred, one transaction, retried), or
 *   - directly: `await issueDocument(signatures, { applicationId, approvedBy })` -> { documentId, verificationCode, already }.
 * Both are idempotent: one document per application.
 */
import type { AppContext } from '../../platform/context.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import { ISSUE_QUEUE, issueDocument, type IssueDocumentInput } from './documents.ts';
import { Signatures, type SignaturesOptions } from './service.ts';

export { Signatures, type SignaturesOptions } from './service.ts';
export { registerSignatureRoutes, documentsPanel } from './routes.ts';
export {
  issueDocument, enqueueDocumentIssue, revokeDocument, findDocument, documentPdf, documentCredential, formatCode, normaliseCode,
  ISSUE_QUEUE, ISSUABLE_STATUSES, type IssueDocumentInput, type IssuedDocumentRef, type IssuedDocument,
} from './documents.ts';
export { signApplication, signedSummaryOf } from './sign-application.ts';
export { verifyCode, verifyUpload } from './verify-document.ts';
export { verifyPdfSignature, type SignatureCheck, type TrustStore } from './verify-signature.ts';
export { PasswordStepUp, SecondFactorStepUp, type StepUp, type StepUpResult, type StepUpField } from './step-up.ts';
export type { KeyHandle, KeyStore, Signer } from './signer.ts';
export { SoftwareKeyStore } from './signer.ts';
export { agencyJwks, jwksUrl } from './credentials.ts';
export { fontReport } from './pdf/fonts.ts';

/** The journey step this module provides: services with signatureRequired may be published only when it is registered. */
export const SIGNING_STEP = 'sign';

export function createSignatures(ctx: AppContext, catalogue: Catalogue, opts: SignaturesOptions = {}): Signatures {
  return new Signatures(ctx, catalogue, { tsaUrl: ctx.config.tsaUrl, ...opts });
}

/** The job that issues a document queued by enqueueDocumentIssue (idempotent: safe to run twice). */
export function issueDocumentJob(s: Signatures): JobDefinition<IssueDocumentInput> {
  return { queue: ISSUE_QUEUE, async handle(payload) { await issueDocument(s, payload); } };
}
export { SIGNATURES_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
