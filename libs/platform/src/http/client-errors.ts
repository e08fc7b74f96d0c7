import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser refusals, as the status a client should see. */
const STATUS_OF: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADERS_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * Requests Node refuses before any handler runs (a URL or headers past the limit, malformed
 * framing, a request that took too long) get the same JSON `{ error }` as every other refusal,
 * not Node's bare status line.
 */
export function answerClientErrorsInJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, reason] = STATUS_OF[error.code ?? ''] ?? [400, 'Bad Request'];
    const body = JSON.stringify({ error: status === 400 ? 'malformed HTTP request' : reason.toLowerCase() });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
