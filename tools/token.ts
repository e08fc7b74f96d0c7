/**
 * Development tokens: `npm run token -- --user usr_1 --org org_1 [--scope "workflow:run"] [--ttl 12h]`.
 * Signs HS256 with JWT_SECRET (the gateway's development default when unset).
 */
import { SignJWT } from 'jose';
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET } from '../libs/platform/src/config';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      org: { type: 'string' },
      scope: { type: 'string', default: 'workflow:run' },
      ttl: { type: 'string', default: '12h' },
    },
  });
  if (!values.user) {
    process.stderr.write('usage: npm run token -- --user <user id> [--org <org>] [--scope "<scopes>"] [--ttl 12h]\n');
    process.exit(2);
  }
  const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? DEV_JWT_SECRET);
  const token = await new SignJWT({ org: values.org, scope: values.scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(values.user)
    .setIssuedAt()
    .setExpirationTime(values.ttl as string)
    .sign(secret);
  process.stdout.write(`${token}\n`);
}

void main();
