import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * An error as it may be logged: its kind, code and where it was thrown. A database or driver
 * error's message and fields (the SQL, its parameters, the row) carry the user's data, so they
 * are left out; Runstream's own errors keep their messages, which name no input.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const e = error as Error & { code?: unknown; driverError?: { code?: unknown } };
  const code = e.code ?? e.driverError?.code;
  const own = e.name === 'DomainError' || e.name === 'ConfigError' || e.name === 'AbortError';
  const frames = e.stack?.split('\n').slice(1).join('\n');
  return { type: e.name, ...(code === undefined ? {} : { code: String(code) }), ...(own ? { message: e.message } : {}), ...(frames ? { stack: frames } : {}) };
}

/** JSON logs on stdout, one line per entry, with the service name on each; errors without user data. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: loggableError },
  });
}

/** Routes NestJS's own log calls into pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
