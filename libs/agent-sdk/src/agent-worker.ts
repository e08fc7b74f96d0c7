import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  AGENT_NAME_PATTERN,
  AGENT_VERSION_PATTERN,
  CONSUMERS,
  DomainError,
  KV_BUCKETS,
  STREAMS,
  SUBJECTS,
  type AgentRegistration,
  type QueryReply,
  type RunSnapshot,
  type WorkItem,
} from '#contracts';
import { EventStore, LiveConsumer, decodeJson, encodeJson, ensureDurable } from '#messaging';
import { LeaseKeeper } from './lease-keeper';
import { loadConversation } from './conversation-loader';
import { AttemptContext } from './run-context';
import { RunFollower } from './run-follower';
import { RunReporter } from './run-reporter';
import type { AgentDefinition, AgentHandler, AgentRun, SdkLogger, ToolDescription } from './types';

export interface AgentWorkerOptions {
  nc: NatsConnection;
  /**
   * Agent name → its handler, or its definition (version, defaults, phases). Each agent version
   * has its own work queue, shared by every worker that serves it; a plain handler is version `1`.
   */
  agents: Record<string, AgentHandler | AgentDefinition>;
  workerId?: string;
  /** Attempts executed at once (default 100). */
  maxConcurrentRuns?: number;
  /** Lease renewal period; keep it well under the run-service's LEASE_TIMEOUT_MS (default 2 s). */
  leaseRenewMs?: number;
  /**
   * An attempt still running after this is aborted and failed by the worker (default 1 h): a
   * handler that hangs while its worker heart-beats must not hold the run forever.
   */
  attemptTimeoutMs?: number;
  /** A work item taken but not claimed within this is offered to another worker (default 30 s). */
  workAckWaitMs?: number;
  /** What the default `AvailableTools` query answers. */
  tools?: ToolDescription[];
  logger?: SdkLogger;
  /** How long one artifact request waits for its answer (default 10 s). */
  artifactTimeoutMs?: number;
  /** How long an artifact is asked again through an outage before the attempt fails (default 60 s, like reports). */
  artifactRetryForMs?: number;
}

const silent: SdkLogger = { info: () => undefined, warn: () => undefined };

type ServedAgent = AgentDefinition & { name: string; version: string };

/**
 * Runs agent handlers for work items: takes an item from the agent's queue, claims the attempt,
 * holds its lease while the handler runs, follows the run's log for stop/cancel/input/signals,
 * answers queries, and reports the result. A worker that dies simply stops renewing its leases;
 * the run-service gives the runs to other workers.
 */
export class AgentWorker {
  readonly workerId: string;
  private readonly js: JetStreamClient;
  private readonly logger: SdkLogger;
  private store: EventStore | null = null;
  private reporter!: RunReporter;
  private leases: LeaseKeeper | null = null;
  private readonly consumers: LiveConsumer[] = [];
  private readonly executing = new Map<string, { attempt: number; done: Promise<void> }>();
  private freeSlots: number;
  private slotWaiters: (() => void)[] = [];
  private readonly served: Map<string, ServedAgent>;

  constructor(private readonly options: AgentWorkerOptions) {
    this.served = new Map(
      Object.entries(options.agents).map(([name, agent]) => {
        const definition = typeof agent === 'function' ? { handler: agent } : agent;
        const version = definition.version ?? '1';
        if (!AGENT_NAME_PATTERN.test(name)) throw new Error(`agent name ${name} must match ${AGENT_NAME_PATTERN}`);
        if (!AGENT_VERSION_PATTERN.test(version)) throw new Error(`agent version ${version} must match ${AGENT_VERSION_PATTERN}`);
        return [name, { ...definition, name, version }];
      }),
    );
    this.workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.logger = options.logger ?? silent;
    this.js = jetstream(options.nc);
    this.store = new EventStore(options.nc, this.js, null as never);
    this.reporter = new RunReporter(this.store);
    this.freeSlots = options.maxConcurrentRuns ?? 100;
  }

  /** Attempts this worker is executing now. */
  get activeRuns(): number {
    return this.executing.size;
  }

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.options.nc);
    // Runstream's services create the streams and the lease bucket; a worker only waits for them.
    this.store = new EventStore(this.options.nc, this.js, jsm);
    this.reporter = new RunReporter(this.store);
    const kv = await this.waitForPlatform('lease bucket', () =>
      new Kvm(this.options.nc).open(KV_BUCKETS.leases).then(async (b: KV) => (await b.status(), b)),
    );
    await this.waitForPlatform('work stream', () => jsm.streams.info(STREAMS.work));
    const registry = await this.waitForPlatform('agents registry', () =>
      new Kvm(this.options.nc).open(KV_BUCKETS.agents).then(async (b: KV) => (await b.status(), b)),
    );
    this.leases = new LeaseKeeper(kv, this.workerId, this.options.leaseRenewMs ?? 2_000, this.logger);
    this.leases.start();
    for (const agent of this.served.values()) {
      await registry.put(`${agent.name}.${agent.version}`, encodeJson(this.registrationOf(agent)));
      // Its version's own queue, and the queue of runs bound to no version (shared by every worker of the agent).
      for (const version of [agent.version, null]) {
        const durable = CONSUMERS.workers(agent.name, version);
        await ensureDurable(jsm, STREAMS.work, {
          durable_name: durable,
          filter_subject: SUBJECTS.work(agent.name, version),
          ack_wait: nanos(this.options.workAckWaitMs ?? 30_000),
          max_deliver: -1,
          max_ack_pending: -1,
        });
        const consumer = await LiveConsumer.start({
          nc: this.options.nc,
          ordered: false,
          open: async () => (await this.js.consumers.get(STREAMS.work, durable)).consume({ max_messages: 64 }),
          onMessage: async (msg) => {
            await this.acquireSlot();
            void this.take(msg).finally(() => this.releaseSlot());
          },
        });
        this.consumers.push(consumer);
      }
    }
    const agents = [...this.served.values()].map((a) => `${a.name}@${a.version}`);
    this.logger.info({ workerId: this.workerId, agents }, 'agent worker ready');
  }

  private registrationOf(agent: ServedAgent): AgentRegistration {
    return {
      name: agent.name,
      version: agent.version,
      description: agent.description ?? null,
      tools: agent.tools ?? (this.options.tools ?? []).map((t) => t.name),
      model: agent.model ?? null,
      environment: agent.environment ?? null,
      phases: [...(agent.phases ?? [])],
      registeredAt: new Date().toISOString(),
    };
  }

  /** Stops taking work and waits up to `drainMs` for running attempts; unfinished ones are redispatched by lease expiry. */
  async stop(drainMs = 10_000): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.close()));
    const running = [...this.executing.values()].map((e) => e.done);
    await Promise.race([Promise.allSettled(running), sleep(drainMs)]);
    this.leases?.stop();
    this.store?.close();
  }

  private async take(msg: JsMsg): Promise<void> {
    const item = decodeJson<WorkItem>(msg.data);
    const agent = this.served.get(item.agent);
    const current = this.executing.get(item.runId);
    const otherVersion = item.version !== undefined && item.version !== null && item.version !== agent?.version;
    if (!agent || otherVersion || (current && current.attempt >= item.attempt)) {
      msg.ack();
      return;
    }
    let run: RunSnapshot;
    try {
      run = await this.reporter.claim({
        runId: item.runId,
        attempt: item.attempt,
        workerId: this.workerId,
        agent: item.agent,
        commandId: `${item.runId}:${item.attempt}:claim:${this.workerId}`,
      });
    } catch (error) {
      if (error instanceof DomainError) {
        // Stale (the run moved on) or another worker holds it: the item is spent.
        this.logger.info({ runId: item.runId, attempt: item.attempt, code: error.code }, 'work item not claimed');
        msg.ack();
      } else {
        this.logger.warn({ err: error, runId: item.runId }, 'claim failed; the item is offered again');
        msg.nak(1_000);
      }
      return;
    }
    msg.ack();
    const done = this.execute(item, agent, run);
    this.executing.set(item.runId, { attempt: item.attempt, done });
    await done;
  }

  private async execute(item: WorkItem, agent: ServedAgent, claimed: RunSnapshot): Promise<void> {
    const handler: AgentHandler = agent.handler;
    const conversation = this.store
      ? await loadConversation(this.store, item.runId, item.eventStreamSeq).catch((error: unknown) => {
          this.logger.warn({ err: error, runId: item.runId }, 'cannot read the conversation; the attempt gets the run input only');
          return [];
        })
      : [];
    const run: AgentRun = {
      runId: item.runId,
      attempt: item.attempt,
      agent: item.agent,
      version: claimed.agentVersion,
      triggerMessage: claimed.triggerMessage,
      input: claimed.spec.input,
      options: claimed.spec.options,
      labels: claimed.spec.labels,
      snapshotRevision: claimed.snapshotRevision,
      conversation,
    };
    const ctx = new AttemptContext(run, this.workerId, this.reporter, this.options.nc, this.options.artifactTimeoutMs ?? 10_000, this.options.artifactRetryForMs ?? 60_000);
    this.registerDefaultQueries(ctx, agent);
    // Every line about the attempt carries the run's trace (the request that created it).
    const trace = claimed.traceId ? { trace_id: claimed.traceId } : {};
    this.logger.info({ runId: item.runId, attempt: item.attempt, ...trace }, 'attempt started');
    const follower = new RunFollower(this.options.nc, this.js, item.runId, item.attempt);
    let queries: Subscription | null = null;
    // The lease and the follower start alongside the handler, not before it: the follower reads
    // from the attempt's first event, so it misses nothing by starting a few milliseconds late,
    // and the monitor gives an unleased attempt LEASE_CLAIM_TIMEOUT_MS.
    const leased = this.leases?.hold(item.runId, item.attempt);
    const following = follower
      .start(item.eventStreamSeq, {
        ended: (reason) => ctx.end(reason),
        input: (content) => ctx.receiveInput(content),
        signal: (name, payload) => ctx.receiveSignal(name, payload),
      })
      .catch((error: unknown) => this.logger.warn({ err: error, runId: item.runId }, 'cannot follow the run; stop/cancel arrive as refusals'));
    try {
      queries = this.answerQueries(ctx);
      const limitMs = this.options.attemptTimeoutMs ?? 60 * 60_000;
      const limit = setTimeout(() => ctx.timeOut(limitMs), limitMs);
      // The worker moves on when the attempt is aborted, even if the handler ignores its signal:
      // the slot frees up, and whatever the handler still reports is refused.
      const aborted = new Promise<never>((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }),
      );
      aborted.catch(() => undefined);
      let outcome: { kind: 'completed'; result: unknown } | { kind: 'failed'; errorMessage: string };
      try {
        outcome = { kind: 'completed', result: (await Promise.race([handler(run, ctx), aborted])) ?? null };
      } catch (error) {
        outcome = { kind: 'failed', errorMessage: error instanceof Error ? error.message : String(error) };
      } finally {
        clearTimeout(limit);
      }
      if (ctx.timedOut) await ctx.finish({ kind: 'failed', errorMessage: ctx.timedOut });
      else if (!ctx.signal.aborted) await ctx.finish(outcome);
    } catch (error) {
      if (!ctx.signal.aborted) this.logger.warn({ err: error, runId: item.runId }, 'attempt ended with an error');
    } finally {
      await Promise.allSettled([leased, following]);
      follower.stop();
      queries?.unsubscribe();
      await this.leases?.release(item.runId, item.attempt);
      if (this.executing.get(item.runId)?.attempt === item.attempt) this.executing.delete(item.runId);
      this.logger.info({ runId: item.runId, attempt: item.attempt, aborted: ctx.signal.aborted, ...trace }, 'attempt finished');
    }
  }

  private answerQueries(ctx: AttemptContext): Subscription {
    const prefix = SUBJECTS.query(ctx.run.runId, '');
    return this.options.nc.subscribe(`${prefix}*`, {
      callback: (error, msg) => {
        if (error) return;
        const name = msg.subject.slice(prefix.length);
        const handler = ctx.queries.get(name);
        const respond = (reply: QueryReply) => msg.respond(encodeJson(reply));
        if (!handler) {
          respond({ ok: false, error: `unknown query ${name}` });
          return;
        }
        Promise.resolve()
          .then(() => handler())
          .then(
            (result) => respond({ ok: true, result: result ?? null }),
            (failure: unknown) => respond({ ok: false, error: failure instanceof Error ? failure.message : String(failure) }),
          );
      },
    });
  }

  private registerDefaultQueries(ctx: AttemptContext, agent: ServedAgent): void {
    ctx.onQuery('AgentPlan', () => ({
      phases: agent.phases ?? [],
      completed: ctx.phases.slice(0, -1),
      current: ctx.phases.at(-1) ?? null,
    }));
    ctx.onQuery('ActiveWorkstreams', () =>
      [...ctx.openToolCalls].map(([callId, call]) => ({ callId, tool: call.name, startedAt: call.startedAt })),
    );
    ctx.onQuery('AvailableTools', () => this.options.tools ?? []);
  }

  /** Workers may start before Runstream's services: wait (and say so) rather than crash-loop. */
  private async waitForPlatform<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (tries % 40 === 0) this.logger.warn({ err: error }, `waiting for Runstream's ${what} (is a run-service up?)`);
        await sleep(250);
      }
    }
  }

  private async acquireSlot(): Promise<void> {
    while (this.freeSlots === 0) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.freeSlots--;
  }

  private releaseSlot(): void {
    this.freeSlots++;
    this.slotWaiters.shift()?.();
  }
}

