import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** W3C Trace Context: `traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

const store = new AsyncLocalStorage<{ traceId: string }>();

/** The trace id of the request being handled (undefined outside one). */
export const currentTraceId = (): string | undefined => store.getStore()?.traceId;

export type TracedRequest = Request & { traceId?: string };

/**
 * Every request runs in a trace: the caller's (a valid `traceparent`) or a new one. Commands it
 * sends carry the trace id as their correlation id, runs it creates keep it as their `trace_id`,
 * and every service logs it as `trace_id`. The response names it in `traceparent`.
 */
export function traceContext(req: TracedRequest, res: Response, next: NextFunction): void {
  const given = req.headers.traceparent;
  const match = typeof given === 'string' ? TRACEPARENT.exec(given) : null;
  const traceId = match && !/^0+$/.test(match[1] as string) ? (match[1] as string) : randomBytes(16).toString('hex');
  req.traceId = traceId;
  res.setHeader('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  store.run({ traceId }, next);
}
