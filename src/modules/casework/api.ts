/**
 * The API for agency systems: send an application received by another
 * channel (validated exactly like the web journey), read an application and
 * its case, and act on it as the API key's officer role. Creates and actions
 * take an Idempotency-Key; actions take the case version they expect
 * (If-Match or "version"), so two systems acting at once cannot both succeed.
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/index.ts';
import { AppError, isAppError, notFound, type FieldError } from '../../platform/errors/index.ts';
import { isValidNric, isValidUen, normaliseId } from '../../platform/identifiers/index.ts';
import { LANGUAGES, localize, type Lang } from '../../platform/i18n/index.ts';
import type { Db } from '../../platform/db/index.ts';
import { allQuestions, errorMessage, normaliseEmail, translator } from '../forms/index.ts';
import { businessOwner, createSubmittedApplication, findApplication, InvalidAnswers } from '../applications/index.ts';
import { accountForNric } from '../identity/index.ts';
import { actorOfApi, type Casework } from './casework.ts';
import { actOnCase } from './act-on-case.ts';
import { loadCase, viewCase, type CaseView } from './case-view.ts';
import { checkIdempotencyKey, withIdempotency } from './idempotency.ts';
import { openCase } from './open-case.ts';
import { CASE_ACTIONS, type CaseAction } from './workflow.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const CreateBody = Type.Object({
  channel: Type.Union([Type.Literal('api'), Type.Literal('counter'), Type.Literal('paper')], { description: 'how the application was received' }),
  applicant: Type.Object({
    nric: Type.Optional(Type.String({ description: 'the NRIC/FIN of the person applying' })),
    uen: Type.Optional(Type.String({ description: 'the UEN of the business applying' })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ maxLength: 254, description: 'where to send updates if the person has no account email' })),
  }, { additionalProperties: false, description: 'at least one of nric and uen' }),
  answers: Type.Record(Type.String(), Type.Unknown(), { description: 'question id -> answer, as in the service definition (GET /api/v1/services); a repeating page is a list of objects; a file question takes { name, contentBase64 }' }),
  lang: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)), { description: 'the language to write to the applicant in (default en)' })),
}, { additionalProperties: false });

export const ActionBody = Type.Object({
  action: Type.Union(CASE_ACTIONS.map((a) => Type.Literal(a))),
  comment: Type.Optional(Type.String({ maxLength: 5000, description: 'for officers only (needed to return, refer or answer a referral)' })),
  message: Type.Optional(Type.String({ maxLength: 5000, description: 'for the applicant: the information needed, the reasons for a rejection, or (provide_information) their answer' })),
  toAgency: Type.Optional(Type.String({ description: 'refer: the agency to refer the case to' })),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'the case version the action is based on (or send If-Match)' })),
}, { additionalProperties: false });

const HistoryItem = Type.Object({
  seq: Type.Integer(), type: Type.String(), at: Type.String(), actorType: Type.String(), actorId: Nullable(Type.String()), actorAgency: Nullable(Type.String()),
  stepId: Nullable(Type.String()), status: Nullable(Type.String()), message: Nullable(Type.String()), comment: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const ApplicationResource = Type.Object({
  id: Type.String(), reference: Type.String(), serviceId: Type.String(), serviceVersion: Type.Integer(), agency: Type.String(),
  channel: Type.String(), status: Type.String(), lang: Type.String(), submittedAt: Type.String(),
  applicant: Type.Object({ uen: Nullable(Type.String()), name: Nullable(Type.String()) }),
  answers: Type.Record(Type.String(), Type.Unknown()),
  answerSources: Type.Record(Type.String(), Type.String(), { description: 'question id -> typed | verified' }),
  files: Type.Array(Type.Object({ id: Type.String(), questionId: Type.String(), name: Type.String(), type: Type.String(), size: Type.Integer() })),
  case: Type.Object({
    state: Type.String({ description: 'queued | with_applicant | referred | closed' }),
    version: Type.Integer({ description: 'send it back as If-Match (or "version") with an action' }),
    step: Type.Object({ id: Type.String(), index: Type.Integer(), name: Type.String(), role: Type.String(), slaWorkingDays: Type.Integer(), fourEyes: Type.Boolean() }),
    holdingAgency: Type.String(), assigneeId: Nullable(Type.String()), dueDate: Nullable(Type.String()), workingDaysLeft: Nullable(Type.Integer()),
    deadlineStatus: Type.String({ description: 'on_time | due_soon | overdue | paused | none' }), escalated: Type.Boolean(),
    decision: Nullable(Type.String()), allowedActions: Type.Array(Type.String(), { description: 'what this API key may do now' }),
  }),
  history: Type.Array(HistoryItem),
});

export type ApplicationJson = Type.Static<typeof ApplicationResource>;

export function toResource(v: CaseView): ApplicationJson {
  const c = v.case;
  return {
    id: c.applicationId, reference: c.reference, serviceId: c.serviceId, serviceVersion: c.serviceVersion, agency: c.agencyId, channel: c.channel,
    status: v.application.status, lang: v.application.lang, submittedAt: c.submittedAt,
    applicant: { uen: c.applicantUen, name: c.applicantName },
    answers: v.application.answers as Record<string, unknown>,
    answerSources: Object.fromEntries(allQuestions(v.service.definition.form).filter(({ question }) => v.application.answers[question.id] !== undefined)
      .map(({ question }) => [question.id, v.application.answerSources[question.id]?.source ?? 'typed'])),
    files: v.files.map((f) => ({ id: f.id, questionId: f.questionId, name: f.name, type: f.type, size: f.size })),
    case: {
      state: c.state, version: c.version,
      step: { id: v.step.id, index: c.stepIndex, name: localize(v.step.name as any, 'en'), role: v.step.role, slaWorkingDays: v.step.slaWorkingDays, fourEyes: !!v.step.fourEyes },
      holdingAgency: c.queueAgencyId, assigneeId: c.assigneeId, dueDate: v.deadline.dueDate, workingDaysLeft: v.deadline.daysLeft, deadlineStatus: v.deadline.status,
      escalated: c.escalated, decision: c.decision, allowedActions: v.allowed,
    },
    history: v.history.map((e) => ({
      seq: e.seq, type: e.type, at: e.at, actorType: e.actorType, actorId: e.actorId, actorAgency: e.actorAgencyId, stepId: e.stepId, status: e.to,
      message: e.message, comment: e.comment, data: e.data,
    })),
  };
}

/** API errors name fields with their messages in English. */
function inEnglish(cw: Casework, e: unknown): unknown {
  if (!isAppError(e) || !e.details.fields) return e;
  const fields = e.details.fields.map((f) => ({ ...f, message: cw.ctx.messages.t('en', f.message, f.params) }));
  return new AppError(e.code, e.message, { ...e.details, fields });
}

function answerErrors(cw: Casework, e: InvalidAnswers): FieldError[] {
  const tr = translator('en', (l, k, p) => cw.ctx.messages.t(l, k, p));
  return [
    ...e.check.errors.map((x) => ({ field: x.item !== undefined ? `answers.${x.pageId}[${x.item}].${x.questionId}` : `answers.${x.questionId}`, message: errorMessage(x, tr) })),
    ...e.check.countErrors.map((x) => ({ field: `answers.${x.pageId}`, message: cw.ctx.messages.t('en', x.key, x.params) })),
  ];
}

const ETAG = /^(?:W\/)?"(\d+)"$/;

function expectedVersion(request: FastifyRequest, bodyVersion: number | undefined): number | null {
  const ifMatch = request.headers['if-match'];
  if (typeof ifMatch === 'string' && ifMatch.trim() !== '*') {
    const m = ETAG.exec(ifMatch.trim());
    if (!m) throw new AppError('bad_request', 'casework.api.errors.ifMatch');
    return Number(m[1]);
  }
  return bodyVersion ?? null;
}

export function registerCaseworkApi(app: App, cw: Casework): void {
  const { ctx } = cw;
  const security = [{ apiKey: [] }];
  const errors = { 400: Type.Any(), 401: Type.Any(), 403: Type.Any(), 404: Type.Any(), 409: Type.Any(), 412: Type.Any(), 422: Type.Any() };

  async function resource(request: FastifyRequest, applicationId: string, db?: Db): Promise<ApplicationJson> {
    return toResource(await viewCase(cw, { applicationId, actor: actorOfApi(request.apiClient!), lang: 'en', requestId: request.id, db, purpose: 'api' }));
  }
  const send = (reply: FastifyReply, status: number, body: ApplicationJson, replayed: boolean) => {
    reply.header('etag', `"${body.case.version}"`);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(status).send(body);
  };

  app.post('/api/v1/services/:serviceId/applications', {
    config: { access: { apiScope: 'applications:write' } },
    bodyLimit: 60 * 1024 * 1024,
    schema: {
      summary: 'Send an application received by another channel',
      description: 'Records an application received through an agency system, at a counter or on paper, for the API key\'s own agency\'s service. '
        + 'The answers are validated exactly as the web journey validates them (422 with the field and message for each problem). '
        + 'Send an `Idempotency-Key` header to make retries safe: the same key and body return the first response (header `idempotent-replayed: true`).',
      tags: ['casework'], security,
      params: Type.Object({ serviceId: Type.String() }),
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
      body: CreateBody,
      response: { 201: ApplicationResource, ...errors },
    },
  }, async (request, reply) => {
    const client = request.apiClient!;
    const { serviceId } = request.params;
    const body = request.body;
    const service = cw.catalogue.get(serviceId);
    if (!service || service.definition.agency !== client.agencyId) throw notFound('catalogue.errors.unknownService');
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    const fields: FieldError[] = [];
    const nric = body.applicant.nric ? normaliseId(body.applicant.nric) : '';
    const uen = body.applicant.uen ? normaliseId(body.applicant.uen) : '';
    if (nric && !isValidNric(nric)) fields.push({ field: 'applicant.nric', message: 'casework.record.errors.nric' });
    if (uen && !isValidUen(uen)) fields.push({ field: 'applicant.uen', message: 'casework.record.errors.uen' });
    if (!nric && !uen) fields.push({ field: 'applicant', message: 'casework.record.errors.identify' });
    const email = body.applicant.email ? normaliseEmail(body.applicant.email) : null;
    if (body.applicant.email && !email) fields.push({ field: 'applicant.email', message: 'casework.record.errors.email' });
    const uploads: Record<string, { name: string; bytes: Buffer }> = {};
    for (const { question: q } of allQuestions(service.definition.form)) {
      if (q.type !== 'file' || body.answers[q.id] === undefined) continue;
      const v = body.answers[q.id] as { name?: unknown; contentBase64?: unknown };
      if (!v || typeof v !== 'object' || typeof v.name !== 'string' || typeof v.contentBase64 !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(v.contentBase64)) {
        fields.push({ field: `answers.${q.id}`, message: 'casework.api.errors.fileAnswer' });
        continue;
      }
      uploads[q.id] = { name: v.name, bytes: Buffer.from(v.contentBase64, 'base64') };
    }
    if (fields.length) throw inEnglish(cw, new AppError('validation_failed', 'errors.validationFailed', { fields }));
    try {
      const result = await withIdempotency(ctx.db, { clientId: client.keyId, key, operation: `POST /api/v1/services/${serviceId}/applications`, body, now: ctx.clock() }, async (trx) => {
        const by = { type: 'api' as const, id: client.keyId, agencyId: client.agencyId };
        const applicantId = nric ? (await accountForNric(ctx, trx, { nric, name: body.applicant.name ?? null, by })).id : businessOwner(uen);
        const { id } = await createSubmittedApplication(ctx, trx, {
          service, channel: body.channel, applicantId, actingForUen: uen || null, contactEmail: email, lang: (body.lang ?? 'en') as Lang,
          answers: body.answers, uploads, by, requestId: request.id,
        });
        const created = (await findApplication(trx, ctx.keys, id))!;
        await openCase(cw, trx, created, { nrics: nric ? [nric] : [], uens: uen ? [uen] : [], names: body.applicant.name ? [body.applicant.name] : [] });
        return { status: 201, body: await resource(request, id, trx) };
      });
      return send(reply, result.status, result.body as ApplicationJson, result.replayed);
    } catch (e) {
      if (e instanceof InvalidAnswers) throw new AppError('validation_failed', 'errors.validationFailed', { fields: answerErrors(cw, e) });
      throw inEnglish(cw, e);
    }
  });

  app.get('/api/v1/applications/:id', {
    config: { access: { apiScope: 'applications:read' } },
    schema: {
      summary: 'Read an application and its case',
      description: 'The answers, documents, history and case (step, deadline in working days, version, the actions this key may take). '
        + 'Only the agency that owns it (or that it is referred to) can read it; each read is recorded in the audit log. The ETag is the case version.',
      tags: ['casework'], security,
      params: Type.Object({ id: Type.String() }),
      response: { 200: ApplicationResource, ...errors },
    },
  }, async (request, reply) => send(reply, 200, await resource(request, request.params.id), false));

  app.post('/api/v1/applications/:id/actions', {
    config: { access: { apiScope: 'casework:act' } },
    schema: {
      summary: 'Act on a case as the API key\'s officer role',
      description: 'Performs a workflow action (complete_step, return, request_information, refer, approve, reject, answer_referral, or provide_information for the applicant) '
        + 'with the rules an officer has: the step must allow it, the key\'s officer role must be the step\'s role, and four eyes applies (a key that acted at an earlier step cannot act at a four-eyes step). '
        + 'Send the case version you read as `If-Match: "<version>"` (or `version`): if the case moved on, the answer is 412 (409 for `version`) and nothing changes. Supports `Idempotency-Key`.',
      tags: ['casework'], security,
      params: Type.Object({ id: Type.String() }),
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })), 'if-match': Type.Optional(Type.String()) }),
      body: ActionBody,
      response: { 200: ApplicationResource, ...errors },
    },
  }, async (request, reply) => {
    const client = request.apiClient!;
    const id = request.params.id;
    const body = request.body;
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    const fromHeader = typeof request.headers['if-match'] === 'string';
    const version = expectedVersion(request, body.version);
    try {
      // an unknown or foreign case is a 404 whatever the key
      await loadCase(cw, id, actorOfApi(client));
      const result = await withIdempotency(ctx.db, { clientId: client.keyId, key, operation: `POST /api/v1/applications/${id}/actions`, body: { ...body, version }, now: ctx.clock() }, async (trx) => {
        await actOnCase(cw, {
          applicationId: id, actor: actorOfApi(client), action: body.action as CaseAction, version, comment: body.comment, message: body.message,
          toAgencyId: body.toAgency, requestId: request.id,
        }, trx);
        return { status: 200, body: await resource(request, id, trx) };
      });
      return send(reply, result.status, result.body as ApplicationJson, result.replayed);
    } catch (e) {
      if (isAppError(e) && e.message === 'casework.errors.stale' && fromHeader) throw new AppError('precondition_failed', 'casework.errors.stale', e.details);
      throw inEnglish(cw, e);
    }
  });
}
