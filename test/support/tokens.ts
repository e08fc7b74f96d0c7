import { createHmac } from 'node:crypto';

/** The gateway's development default; tests sign their own tokens independently of the gateway's code. */
export const TEST_JWT_SECRET = 'runstream-test-secret';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function signToken(
  claims: { sub?: string; org?: string; scope?: string; exp?: number; [k: string]: unknown },
  secret = TEST_JWT_SECRET,
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: now, exp: now + 3600, ...claims }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export const tokenFor = (user: string, org = 'org_test') => signToken({ sub: user, org, scope: 'workflow:run' });
