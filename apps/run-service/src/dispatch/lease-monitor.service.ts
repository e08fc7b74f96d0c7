import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import type { InputRequest, LeaseRecord, RunCommand, RunStatus } from '#contracts';
import { CONFIG, LOGGER } from '#platform';
import type { RunServiceConfig } from '../config';
import { CommandHandlers } from '../commands/command-handlers';
import { LEASE_BUCKET } from './lease-bucket';
import { judgeRun, type ActiveRun, type LeaseSighting, type MonitorVerdict } from './lease-judgement';

/**
 * Stall detection. Workers renew a lease per run in RUNSTREAM_LEASES; this watches the bucket and
 * every LEASE_CHECK_INTERVAL_MS looks at the active runs of the read model. A run whose attempt
 * has no live lease gets ExpireLease (redispatch, or failure after MAX_REDISPATCHES); an input
 * request past its deadline gets ExpireInput. Every replica may run this: the commands carry the
 * attempt, so the second replica's copy is refused as stale and changes nothing.
 */
@Injectable()
export class LeaseMonitorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly leases = new Map<string, LeaseSighting>();
  /** When this replica first saw an active attempt without a lease (its claim clock). */
  private readonly unleasedSince = new Map<string, number>();
  /** Commands sent recently, so a lagging read model does not make us resend every tick. */
  private readonly sent = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private watching: Promise<void> | null = null;
  private stopWatch: (() => void) | null = null;
  private checking = false;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(LEASE_BUCKET) private readonly kv: KV,
    private readonly dataSource: DataSource,
    private readonly handlers: CommandHandlers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const entries = await this.kv.watch();
    this.stopWatch = () => entries.stop();
    this.watching = (async () => {
      for await (const entry of entries) {
        if (entry.operation !== 'PUT') {
          this.leases.delete(entry.key);
          continue;
        }
        const lease = entry.json<LeaseRecord>();
        // The server's timestamp of the renewal, not the worker's clock.
        this.leases.set(entry.key, { attempt: lease.attempt, workerId: lease.workerId, renewedAt: entry.created.getTime() });
      }
    })();
    this.timer = setInterval(() => void this.check(), this.config.LEASE_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopWatch?.();
    await this.watching?.catch(() => undefined);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const rows: { id: string; attempt: number; status: RunStatus; input_request: InputRequest | null }[] =
        await this.dataSource.query(
          `SELECT id, attempt, status, input_request FROM runs WHERE status IN ('running', 'waiting_for_input')`,
        );
      const now = Date.now();
      const seen = new Set<string>();
      for (const row of rows) {
        const run: ActiveRun = { id: row.id, attempt: row.attempt, status: row.status, inputRequest: row.input_request };
        const key = `${run.id}:${run.attempt}`;
        seen.add(key);
        const lease = this.leases.get(run.id);
        const leased = lease !== undefined && lease.attempt === run.attempt;
        if (!leased && !this.unleasedSince.has(key)) this.unleasedSince.set(key, now);
        if (leased) this.unleasedSince.delete(key);
        const verdict = judgeRun(run, leased ? lease : null, this.unleasedSince.get(key) ?? now, now, {
          leaseTimeoutMs: this.config.LEASE_TIMEOUT_MS,
          claimTimeoutMs: this.config.LEASE_CLAIM_TIMEOUT_MS,
          inputWarningMs: this.config.INPUT_EXPIRY_WARNING_MS,
        });
        if (verdict) await this.act(run, verdict, now);
      }
      for (const key of this.unleasedSince.keys()) if (!seen.has(key)) this.unleasedSince.delete(key);
      for (const [key, at] of this.sent) if (now - at > 60_000) this.sent.delete(key);
    } catch (error) {
      this.logger.warn({ err: error }, 'lease check failed');
    } finally {
      this.checking = false;
    }
  }

  private async act(run: ActiveRun, verdict: MonitorVerdict, now: number): Promise<void> {
    const key = `${run.id}:${run.attempt}:${verdict.kind}:${verdict.kind === 'expire_input' ? verdict.stage : verdict.reason}`;
    const last = this.sent.get(key);
    if (last !== undefined && now - last < this.config.LEASE_TIMEOUT_MS) return;
    this.sent.set(key, now);
    const metadata = {
      commandId: randomUUID(),
      correlationId: run.id,
      actor: { kind: 'system' as const, id: 'lease-monitor' },
      issuedAt: new Date(now).toISOString(),
    };
    const command: RunCommand =
      verdict.kind === 'expire_lease'
        ? { type: 'ExpireLease', data: { runId: run.id, attempt: run.attempt, reason: verdict.reason }, metadata }
        : { type: 'ExpireInput', data: { runId: run.id, attempt: run.attempt, stage: verdict.stage }, metadata };
    const outcome = await this.handlers.handle({ kind: 'run', command });
    const applied = outcome.kind === 'answered' && outcome.reply.ok;
    this.logger.info({ runId: run.id, attempt: run.attempt, verdict, applied }, 'lease monitor acted');
  }
}
