import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

/** Query parameters that carry credentials (Vertesia's stream token, signed URLs): never logged. */
const SECRET_PARAMS = ['access_token', 'sig'];

/** A request's URL as it may be logged: credential parameters masked. */
export function loggableUrl(url: string | undefined): string | undefined {
  if (!url || !url.includes('?')) return url;
  const [path, query] = url.split('?', 2) as [string, string];
  const params = new URLSearchParams(query);
  for (const name of SECRET_PARAMS) if (params.has(name)) params.set(name, '[redacted]');
  return `${path}?${params.toString()}`;
}

/**
 * One JSON line per request: id, method, path, status and time. No credentials (Authorization,
 * cookies, token parameters) and no bodies reach the log.
 */
export function requestLogger(logger: Logger, options: { requestIds?: boolean } = {}): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      if (!options.requestIds) return randomUUID();
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && given.length <= 128 && /^[\x21-\x7e]+$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customProps: (req: IncomingMessage) => {
      const traceId = (req as IncomingMessage & { traceId?: string }).traceId;
      return traceId ? { trace_id: traceId } : {};
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
  });
}
