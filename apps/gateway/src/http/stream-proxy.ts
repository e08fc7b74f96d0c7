import type { RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { Agent, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ARTIFACT_PATH, STREAM_PATH } from '#dialects';

/**
 * SSE requests pass through to the stream-service untouched and unbuffered (it authenticates and
 * checks ownership itself); a deployment with an ingress can route them there directly instead.
 */
export function streamProxy(target: string, logger: Logger): RequestHandler {
  return createProxyMiddleware({
    target,
    pathFilter: (path) => STREAM_PATH.test(path.split('?')[0] ?? ''),
    proxyTimeout: 0,
    on: {
      // An upstream that dies mid-stream never ends the piped response: end it, so the client's
      // EventSource notices and reconnects (to a stream-service that is up).
      proxyRes: (proxyRes, _req, res) => {
        proxyRes.on('close', () => {
          if (!proxyRes.complete) (res as ServerResponse).destroy();
        });
      },
      error: (error, _req, res) => {
        logger.warn({ err: error }, 'stream-service unreachable');
        const response = res as ServerResponse;
        if (response.headersSent) return void response.end();
        response.writeHead(502, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: 'the stream service is unavailable; retry' }));
      },
    },
  });
}

/**
 * Artifact routes go to the artifact-service, which authenticates and checks ownership itself.
 * Mounted before any body parser, so uploads and downloads stream through in both directions.
 */
export function artifactProxy(target: string, logger: Logger): RequestHandler {
  return createProxyMiddleware({
    target,
    pathFilter: (path) => ARTIFACT_PATH.test(path.split('?')[0] ?? ''),
    proxyTimeout: 0,
    // X-Forwarded-Host/Proto: signed URLs the artifact-service makes point back at this gateway.
    xfwd: true,
    // Without an agent the proxy sends `Connection: close`: the artifact-service would then close
    // right after an early answer (413) while the body is still being forwarded, and the gateway
    // would see EPIPE instead of the answer. Kept-alive, it reads and discards the rest.
    agent: new Agent({ keepAlive: true }),
    on: {
      // The proxy's URL joining collapses `//`; the artifact-service must see the path as sent to refuse it.
      proxyReq: (proxyReq, req) => {
        proxyReq.path = (req as { originalUrl?: string }).originalUrl ?? proxyReq.path;
        // The artifact-service builds signed URLs on these: the gateway's view, never the client's own headers.
        const incoming = req as { protocol?: string; headers: Record<string, string | string[] | undefined> };
        proxyReq.setHeader('x-forwarded-host', String(incoming.headers.host ?? ''));
        proxyReq.setHeader('x-forwarded-proto', incoming.protocol ?? 'http');
      },
      error: (error, _req, res) => {
        const response = res as ServerResponse;
        // An early answer (413) closes the upstream while the body is still coming: already sent, not an outage.
        if (response.writableEnded) return;
        logger.warn({ err: error }, 'artifact-service unreachable');
        if (response.headersSent) return void response.destroy();
        response.writeHead(502, { 'Content-Type': 'application/json', Connection: 'close' });
        response.end(JSON.stringify({ error: 'the artifact service is unavailable; retry' }));
      },
    },
  });
}
