import type { Logger } from 'pino';
import { ConfigError } from './config';

/** A started service: a Nest application, or a worker. */
export interface Closable {
  close(): Promise<unknown>;
}

/**
 * Runs a service's start-up: a configuration error prints one line naming the variable and exits 1;
 * SIGTERM/SIGINT close the app (NestJS shutdown hooks drain NATS and the HTTP server) and exit 0.
 */
export async function runService(
  service: string,
  logger: Logger,
  start: () => Promise<Closable>,
): Promise<void> {
  let app: Closable;
  try {
    app = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}
