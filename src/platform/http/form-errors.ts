import type { FastifyRequest } from 'fastify';
import type { FieldError } from '../errors/index.ts';

/** Field errors as the error summary (list with links) and per-field messages. */
export function formErrors(request: FastifyRequest, errors: FieldError[]) {
  const byField: Record<string, { text: string }> = {};
  const list = errors.map((e) => {
    const text = request.t(e.message, e.params);
    byField[e.field] ??= { text };
    return { text, href: `#${e.field}` };
  });
  return { errors: list, errorFor: byField };
}
