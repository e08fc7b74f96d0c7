import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError, ErrorCode } from '#contracts';
import { toHttpError } from './http-error';

/**
 * A request body must arrive within `ms` of its headers: a client that announces more bytes than
 * it sends (a false `Content-Length`, a stalled upload of JSON) gets a 408 `{ error }` and its
 * connection closed, instead of holding a socket and a parser until Node's own five minutes.
 */
export function bodyReadDeadline(ms: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (ms === 0 || req.complete) return next();
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      const { status, body } = toHttpError(new DomainError(ErrorCode.RequestTimeout, `the request body did not arrive within ${ms} ms`), req.originalUrl);
      res.status(status).set('Connection', 'close').json(body);
      res.on('finish', () => req.socket.destroy());
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.on('end', clear);
    res.on('close', clear);
    next();
  };
}
