/**
 * Read a question page's submission: url-encoded, or multipart when the page
 * has a file question. Uploaded files are checked (type by content, size) and
 * stored; their problems come back as answer errors, never as a lost page.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { checkUpload, FILE_KINDS, QUESTION_TYPE_IMPLS, sniff, type AnswerError, type FormBody, type Page } from '../forms/index.ts';
import { insertFile, type Application } from './repository.ts';

export interface ReadResult { body: FormBody; uploadErrors: AnswerError[] }

export async function readPageSubmission(ctx: AppContext, request: FastifyRequest, app: Application, page: Page): Promise<ReadResult> {
  if (!request.isMultipart()) return { body: (request.body ?? {}) as FormBody, uploadErrors: [] };
  const body: FormBody = {};
  const files = new Map<string, { filename: string; bytes: Buffer; truncated: boolean }>();
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (bytes.length > 0 || part.filename) files.set(part.fieldname, { filename: part.filename, bytes, truncated: part.file.truncated });
    } else {
      const v = typeof part.value === 'string' ? part.value : String(part.value ?? '');
      const prev = body[part.fieldname];
      body[part.fieldname] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev as string, v];
    }
  }
  const uploadErrors: AnswerError[] = [];
  const current = app.answers;
  for (const q of page.questions.filter((x) => x.type === 'file')) {
    const f = files.get(q.id);
    if (!f || (f.bytes.length === 0 && !f.filename)) {
      body[q.id] = current[q.id]; // nothing chosen: keep what was uploaded before
      continue;
    }
    const check = checkUpload(q, { size: f.bytes.length, bytes: f.bytes, truncated: f.truncated });
    if ('error' in check) {
      uploadErrors.push({ ...check.error, focus: q.id, pageId: page.id, questionId: q.id, name: q.errorName, defaultName: QUESTION_TYPE_IMPLS.file.defaultName });
      body[q.id] = current[q.id];
      continue;
    }
    const name = (f.filename || `upload.${check.kind}`).replace(/[\\/\u0000-\u001f]/g, '_').slice(0, 200);
    const type = FILE_KINDS[sniff(f.bytes)!].mime;
    const fileId = await insertFile(ctx.db, ctx.keys, {
      applicationId: app.id, questionId: q.id, name, type, size: f.bytes.length,
      sha256: createHash('sha256').update(f.bytes).digest('hex'), content: f.bytes, uploadedBy: request.principal!.id,
    });
    body[q.id] = { fileId, name, size: f.bytes.length, type };
  }
  return { body, uploadErrors };
}
