/**
 * Development tokens:
 *   npm run token -- --user usr_1 --org org_1 [--project p] [--scope "workflow:run"] [--name alice] [--email a@x.io] [--ttl 12h]
 * Signs HS256 with JWT_SECRET (the services' development default when unset).
 */
import { SignJWT } from 'jose';
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET } from '../libs/platform/src/config';

const USAGE =
  'usage: npm run token -- --user <user id> [--org <org>] [--project <project>] [--scope "<scopes>"] [--name <name>] [--email <email>] [--ttl 12h]\n';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      org: { type: 'string' },
      project: { type: 'string' },
      scope: { type: 'string', default: 'workflow:run' },
      name: { type: 'string' },
      email: { type: 'string' },
      ttl: { type: 'string', default: '12h' },
    },
  });
  if (!values.user) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const claims = Object.fromEntries(
    Object.entries({ org: values.org, project: values.project, scope: values.scope, name: values.name, email: values.email }).filter(
      ([, v]) => v !== undefined && v !== '',
    ),
  );
  const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? DEV_JWT_SECRET);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(values.user)
    .setIssuedAt()
    .setExpirationTime(values.ttl as string)
    .sign(secret);
  process.stdout.write(`${token}\n`);
}

void main();
