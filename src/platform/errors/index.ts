/**
 * One error type for everything a user or client can cause.
 * Each code maps to an HTTP status; pages show the message (a message key)
 * in a GOV.UK error summary, the API returns { code, message, details }.
 */

export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  /** the form field (or JSON path) the error belongs to */
  field: string;
  /** message key (pages translate it) */
  message: string;
  /** values for the message's {placeholders} */
  params?: Record<string, string | number>;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldError[]; [k: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what = 'errors.notFound') => new AppError('not_found', what);
export const forbidden = (why = 'errors.forbidden') => new AppError('forbidden', why);
export const conflict = (why: string) => new AppError('conflict', why);
export const badRequest = (why: string) => new AppError('bad_request', why);
export const validationFailed = (fields: FieldError[]) => new AppError('validation_failed', 'errors.validationFailed', { fields });

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
