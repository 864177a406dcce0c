/**
 * HTTP: the PKI's public files (root, chain, CRLs, agency keys) and the
 * timestamp authority; the "Sign and send" step; verification without login
 * (page and JSON); the holder's documents and credentials; the agency's
 * revocation pages; and the API for agency systems.
 */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { MAX_UPLOAD_BYTES, verifyCsrf, type App } from '../../platform/http/index.ts';
import { isAppError } from '../../platform/errors/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import { loadOwnApplication, type Application, type ApplicationPanel } from '../applications/index.ts';
import { errorMessage, findPage, firstIncompletePage, todayInSingapore, translator } from '../forms/index.ts';
import { toPem } from './asn1.ts';
import { agencyJwks, issuerUrl, jwksUrl } from './credentials.ts';
import { documentCredential, documentPdf, findDocument, formatCode, listAgencyDocuments, revokeDocument } from './documents.ts';
import type { Signatures } from './service.ts';
import { signApplication, signedSummaryOf } from './sign-application.ts';
import { applicationSummary } from './summary.ts';
import { answerTimestampQuery } from './tsa.ts';
import { verifyCode, verifyUpload, type DocumentVerification } from './verify-document.ts';

const V = (name: string) => `modules/signatures/views/${name}.njk`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function verificationJson(v: DocumentVerification) {
  return {
    status: v.status, code: v.code,
    issuer: v.issuer ? { id: v.issuer.id, name: v.issuer.name } : null,
    type: v.type ?? null, title: v.title ?? null, issued_at: v.issuedAt ?? null, valid_until: v.validUntil ?? null,
    expired: v.expired ?? null, revoked_at: v.status === 'revoked' ? (v.revokedAt ?? null) : null,
  };
}

export function registerSignatureRoutes(app: App, s: Signatures): void {
  const { ctx } = s;

  // ---- public key infrastructure -----------------------------------------------------

  app.get('/pki/root.pem', { config: { access: 'public' } }, async (_r, reply) =>
    reply.header('content-type', 'application/x-pem-file').header('content-disposition', 'attachment; filename="civitas-root.pem"').header('cache-control', 'public, max-age=3600').send(toPem((await s.pki.root()).der)));
  app.get('/pki/root.cer', { config: { access: 'public' } }, async (_r, reply) =>
    reply.header('content-type', 'application/pkix-cert').header('content-disposition', 'attachment; filename="civitas-root.cer"').header('cache-control', 'public, max-age=3600').send((await s.pki.root()).der));
  app.get('/pki/chain.pem', { config: { access: 'public' } }, async (_r, reply) =>
    reply.header('content-type', 'application/x-pem-file').header('content-disposition', 'attachment; filename="civitas-chain.pem"').header('cache-control', 'public, max-age=3600').send(await s.pki.chainPem()));
  app.get('/pki/ca/:file', { config: { access: 'public' } }, async (request, reply) => {
    const m = /^([\w-]+)\.(cer|pem)$/.exec((request.params as { file: string }).file);
    const ca = m ? await s.pki.caBySlug(m[1]!) : undefined;
    if (!ca) throw notFound();
    reply.header('cache-control', 'public, max-age=3600');
    return m![2] === 'pem' ? reply.header('content-type', 'application/x-pem-file').send(toPem(ca.der)) : reply.header('content-type', 'application/pkix-cert').send(ca.der);
  });
  app.get('/pki/crl/:file', { config: { access: 'public' } }, async (request, reply) => {
    const m = /^([\w-]+)\.crl$/.exec((request.params as { file: string }).file);
    const crl = m ? await s.pki.crl(m[1]!) : undefined;
    if (!crl) throw notFound();
    return reply.header('content-type', 'application/pkix-crl').header('cache-control', 'public, max-age=300').send(crl);
  });

  app.addContentTypeParser('application/timestamp-query', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
  app.post('/pki/tsa', { config: { access: 'public', csrf: 'none' } }, async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) throw new AppError('unsupported_media_type', 'errors.unsupportedMediaType');
    const resp = await answerTimestampQuery(() => s.pki.tsaSigner(), request.body, ctx.clock());
    return reply.header('content-type', 'application/timestamp-reply').send(resp);
  });

  app.get('/pki/agencies/:agencyId', { config: { access: 'public' } }, async (request) => {
    const { agencyId } = request.params as { agencyId: string };
    const agency = s.catalogue.agency(agencyId);
    if (!agency) throw notFound();
    return { id: issuerUrl(s, agencyId), name: localize(agency.name, 'en'), jwks_uri: jwksUrl(s, agencyId) };
  });
  app.get('/pki/agencies/:agencyId/jwks.json', { config: { access: 'public' } }, async (request, reply) => {
    const { agencyId } = request.params as { agencyId: string };
    if (!s.catalogue.agency(agencyId)) throw notFound();
    await s.sealSigner(agencyId); // an agency that has issued nothing yet still publishes its key
    return reply.header('content-type', 'application/jwk-set+json').header('cache-control', 'public, max-age=300').send(await agencyJwks(s, agencyId));
  });

  // ---- sign and send ---------------------------------------------------------------------

  async function loadForSigning(request: FastifyRequest) {
    const { app: a, service } = await loadOwnApplication(ctx, s.catalogue, request.principal!, (request.params as { id: string }).id);
    if (!service.definition.signatureRequired) throw notFound();
    return { a, service };
  }
  const signPage = async (request: FastifyRequest, reply: any, a: Application, service: any, errors: { text: string; href: string }[] = []) => {
    const summary = applicationSummary(s, a, service, request.principal!, request.lang);
    const demoCode = ctx.config.demo ? await s.stepUp.demoHint?.(request.principal!) : null;
    // with a fee, signing is followed by the payment (payments module), which sends the application
    const payNext = s.payment ? await s.payment.needed(a, service) : false;
    return reply.page(V('sign'), {
      title: request.t('signatures.sign.title'), summary, errors, fields: s.stepUp.fields, action: `/applications/${a.id}/sign`, demoCode, payNext,
      backHref: `/applications/${a.id}/check`,
    }, errors.length ? 422 : undefined);
  };

  app.get('/applications/:id/sign', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { a, service } = await loadForSigning(request);
    if (a.status !== 'draft') return reply.redirect(`/applications/${a.id}`);
    const incomplete = firstIncompletePage(service.definition.form, a.answers, { today: todayInSingapore(ctx.clock()) });
    if (incomplete) return reply.redirect(`/applications/${a.id}/pages/${incomplete.pageId}`);
    return signPage(request, reply, a, service);
  });

  app.post('/applications/:id/sign', { config: { access: 'signedIn', csrf: 'handler' } }, async (request, reply) => {
    const { a, service } = await loadForSigning(request);
    if (a.status !== 'draft') return reply.redirect(`/applications/${a.id}/confirmation`, 303);
    const body = (request.body ?? {}) as Record<string, unknown>;
    try { verifyCsrf(request, body._csrf); } catch (e) {
      if (!isAppError(e)) throw e;
      return signPage(request, reply, a, service, [{ text: request.t('applications.errors.formExpired'), href: '#main-content' }]);
    }
    // step-up, in the very request that signs
    const step = await s.stepUp.verify(request.principal!, { body, requestId: request.id });
    if (!step.ok) return signPage(request, reply, a, service, [{ text: request.t(step.error), href: `#${s.stepUp.fields[0]?.name ?? 'main-content'}` }]);
    const result = await signApplication(s, { application: a, service, principal: request.principal!, lang: request.lang, stepUpMethod: step.method, requestId: request.id });
    if (!result.ok) {
      const first = result.check.errors[0];
      if (first) {
        const page = findPage(service.definition.form, first.pageId);
        if (page) return reply.redirect(`/applications/${a.id}/pages/${page.id}?returnTo=check`, 303);
      }
      const t = translator(request.lang, (l, k, p) => ctx.messages.t(l, k, p));
      return signPage(request, reply, a, service, [{ text: first ? errorMessage(first, t) : request.t('applications.errors.incomplete'), href: '#main-content' }]);
    }
    if (result.next) return reply.redirect(result.next, 303);
    return reply.redirect(`/applications/${a.id}/confirmation`, 303);
  });

  app.get('/applications/:id/signed.pdf', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a } = await loadOwnApplication(ctx, s.catalogue, request.principal!, (request.params as { id: string }).id);
    const signed = await signedSummaryOf(s, a.id);
    if (!signed) throw notFound();
    return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="application-${a.reference ?? a.id}-signed.pdf"`).send(signed.pdf);
  });

  // ---- the holder's documents ---------------------------------------------------------

  async function holderDocument(request: FastifyRequest) {
    const { id } = request.params as { id: string };
    const d = UUID.test(id) ? await findDocument(ctx.db, { id }) : undefined;
    if (!d || d.holderAccountId !== request.principal!.id) throw notFound('signatures.errors.unknownDocument');
    return d;
  }
  app.get('/documents/:id/pdf', { config: { access: 'signedIn' } }, async (request, reply) => {
    const d = await holderDocument(request);
    return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${d.type}-${formatCode(d.verificationCode)}.pdf"`).send(await documentPdf(s, d));
  });
  app.get('/documents/:id/credential', { config: { access: 'signedIn' } }, async (request, reply) => {
    const d = await holderDocument(request);
    return reply.header('content-type', 'application/vc+jwt').header('content-disposition', `attachment; filename="${d.type}-${formatCode(d.verificationCode)}.vc.jwt"`).send(await documentCredential(s, d));
  });

  // ---- verification without login -------------------------------------------------------

  app.get('/verify', { config: { access: 'public' } }, async (request, reply) => {
    const code = (request.query as { code?: string }).code;
    if (typeof code === 'string' && code.trim()) return reply.redirect(`/verify/${encodeURIComponent(code.trim().slice(0, 40))}`, 303);
    return reply.page(V('verify'), { title: request.t('signatures.verify.title') });
  });

  app.get('/verify/:code', { config: { access: 'public' } }, async (request, reply) => {
    const v = await verifyCode(s, (request.params as { code: string }).code.slice(0, 40), request.lang);
    return reply.page(V('verify-result'), { title: request.t(`signatures.verify.status.${v.status}`), v, backHref: '/verify' }, v.status === 'unknown' ? 404 : undefined);
  });

  app.post('/verify', { config: { access: 'public', csrf: 'none' } }, async (request, reply) => {
    let pdf: Buffer | undefined;
    if (request.isMultipart()) {
      for await (const part of request.parts({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } })) {
        if (part.type === 'file') { const b = await part.toBuffer(); if (part.file.truncated) throw new AppError('payload_too_large', 'errors.payloadTooLarge'); if (b.length) pdf = b; }
      }
    }
    if (!pdf) return reply.page(V('verify'), { title: request.t('signatures.verify.title'), errors: [{ text: request.t('signatures.verify.errorNoFile'), href: '#document' }], fileError: request.t('signatures.verify.errorNoFile') }, 422);
    const result = await verifyUpload(s, pdf, request.lang);
    return reply.page(V('verify-upload'), { title: request.t(`signatures.verify.upload.${result.outcome}`), result, backHref: '/verify' });
  });

  app.get('/api/v1/verify/:code', {
    config: { access: 'public' },
    schema: {
      summary: 'Check an issued document by its verification code', tags: ['documents'],
      description: 'No key needed. status is valid, revoked or unknown; issuer, type and issue date describe the document (no personal data).',
      params: Type.Object({ code: Type.String({ maxLength: 40 }) }),
      response: { 200: Type.Object({ status: Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('unknown')]), code: Type.Union([Type.String(), Type.Null()]), issuer: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]), type: Type.Union([Type.String(), Type.Null()]), title: Type.Union([Type.String(), Type.Null()]), issued_at: Type.Union([Type.String(), Type.Null()]), valid_until: Type.Union([Type.String(), Type.Null()]), expired: Type.Union([Type.Boolean(), Type.Null()]), revoked_at: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request) => verificationJson(await verifyCode(s, (request.params as { code: string }).code, 'en')));

  // ---- agency administrators: issued documents and revocation ------------------------------

  app.get('/agency/documents', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => {
    const docs = await listAgencyDocuments(ctx.db, request.principal!.agencyId ?? '');
    return reply.page(V('agency-documents'), { title: request.t('signatures.agency.title'), docs: docs.map((d) => ({ ...d, code: formatCode(d.verificationCode) })) });
  });

  async function agencyDocument(request: FastifyRequest) {
    const { id } = request.params as { id: string };
    const d = UUID.test(id) ? await findDocument(ctx.db, { id }) : undefined;
    if (!d || d.agencyId !== request.principal!.agencyId) throw notFound('signatures.errors.unknownDocument');
    return d;
  }
  app.get('/agency/documents/:id', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => {
    const d = await agencyDocument(request);
    return reply.page(V('agency-document'), { title: request.t('signatures.agency.revokeTitle'), d: { ...d, code: formatCode(d.verificationCode) }, backHref: '/agency/documents' });
  });
  app.post('/agency/documents/:id/revoke', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => {
    const d = await agencyDocument(request);
    const reason = String((request.body as Record<string, unknown> | undefined)?.reason ?? '').trim();
    if (!reason || reason.length > 500) {
      const text = request.t(reason ? 'signatures.agency.errorReasonLong' : 'signatures.agency.errorReason');
      return reply.page(V('agency-document'), { title: request.t('signatures.agency.revokeTitle'), d: { ...d, code: formatCode(d.verificationCode) }, errors: [{ text, href: '#reason' }], reasonError: text, reason, backHref: '/agency/documents' }, 422);
    }
    await revokeDocument(s, { documentId: d.id, reason, by: request.principal!, requestId: request.id });
    return reply.redirect(`/agency/documents/${d.id}`, 303);
  });

  // ---- agency systems ---------------------------------------------------------------------

  const DocumentItem = Type.Object({ id: Type.String(), type: Type.String(), verification_code: Type.String(), pdf_url: Type.String(), status: Type.String(), issued_at: Type.String() });
  app.get('/api/v1/applications/:id/documents', {
    config: { access: { apiScope: 'documents:read' } },
    schema: {
      summary: "An application's issued documents", tags: ['documents'], security: [{ apiKey: [] }],
      description: "Needs the documents:read scope; the key's agency must own the application's service.",
      params: Type.Object({ id: Type.String() }), response: { 200: Type.Array(DocumentItem) },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const d = UUID.test(id) ? await findDocument(ctx.db, { applicationId: id }) : undefined;
    if (d && d.agencyId !== request.apiClient!.agencyId) throw notFound('applications.errors.unknownApplication');
    if (!d) {
      // no document yet: an empty list for the agency's own application, 404 for any other
      const row: any = UUID.test(id) ? await ctx.db.selectFrom('applications').select('agency_id').where('id', '=', id).executeTakeFirst() : undefined;
      if (!row || row.agency_id !== request.apiClient!.agencyId) throw notFound('applications.errors.unknownApplication');
      return [];
    }
    return [{ id: d.id, type: d.type, verification_code: formatCode(d.verificationCode), pdf_url: `${ctx.config.baseUrl}/api/v1/documents/${d.id}/pdf`, status: d.status, issued_at: d.issuedAt }];
  });
  app.get('/api/v1/documents/:id/pdf', {
    config: { access: { apiScope: 'documents:read' } },
    schema: { summary: 'An issued document as PDF', tags: ['documents'], security: [{ apiKey: [] }], params: Type.Object({ id: Type.String() }) },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const d = UUID.test(id) ? await findDocument(ctx.db, { id }) : undefined;
    if (!d || d.agencyId !== request.apiClient!.agencyId) throw notFound('signatures.errors.unknownDocument');
    return reply.header('content-type', 'application/pdf').send(await documentPdf(s, d));
  });
}

/** The documents part of an application's page (for the holder). */
export function documentsPanel(s: Signatures): ApplicationPanel {
  return async (request, a) => {
    const d = await findDocument(s.ctx.db, { applicationId: a.id });
    const signed = await signedSummaryOf(s, a.id);
    if (!d && !signed) return null;
    const lang = request.lang;
    const t = (k: string, p?: Record<string, string>) => s.ctx.messages.t(lang, k, p);
    return s.ctx.views.render(V('panel'), { t, lang, d: d ? { ...d, code: formatCode(d.verificationCode) } : null, signed, applicationId: a.id });
  };
}
