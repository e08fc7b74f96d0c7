import { DomainError, ErrorCode } from '#contracts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A browser sends the session cookie with any site's request: a mutating request it carries must
 * come from this site. Fetch metadata (`Sec-Fetch-Site`) decides when the browser sends it; else
 * `Origin`, which must be the request's own origin or one of `allowedOrigins`. A request with
 * neither is not from a browser's page (curl, a back end), which no other site can make.
 */
export function assertSameOrigin(
  /** `host`: the host the client addressed (Express' `req.host`: X-Forwarded-Host behind a trusted proxy). */
  request: { method: string; headers: Record<string, string | string[] | undefined>; host?: string },
  allowedOrigins: readonly string[] = [],
): void {
  if (!MUTATING.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return;
  const origin = request.headers.origin;
  const refused = () => new DomainError(ErrorCode.Forbidden, 'a cross-site request with the session cookie is refused');
  if (typeof site === 'string') {
    if (typeof origin === 'string' && allowedOrigins.includes(origin)) return;
    throw refused();
  }
  if (origin === undefined) return;
  const host = request.host ?? request.headers.host;
  if (typeof origin === 'string' && (allowedOrigins.includes(origin) || (typeof host === 'string' && sameHost(origin, host)))) return;
  throw refused();
}

const sameHost = (origin: string, host: string) => {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
};
