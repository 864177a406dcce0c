/**
 * Structured logs (pino). Nothing personal: request logs carry method, route,
 * status, timing and the request id; query strings (which may hold tokens)
 * and bodies are never logged; cookies and authorization headers are redacted.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'civitas' },
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'headers.cookie', 'headers.authorization', 'password', '*.password'], censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string; id?: string; routeOptions?: { url?: string } }) {
        return { method: req.method, path: req.url.split('?')[0], route: req.routeOptions?.url, id: req.id };
      },
      res(res: { statusCode: number }) {
        return { status: res.statusCode };
      },
      err: pino.stdSerializers.err,
    },
  }, destination);
}
