import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { AgentRegistration } from '#contracts';
import { decodeJson, openAgentsBucket } from '#messaging';
import { CONFIG, LOGGER, NATS_CONNECTION } from '#platform';

const NUMBERED = /^\d+$/;

/** What a run is bound to: the agent, the version, and what that version declared. */
export interface ResolvedAgent {
  name: string;
  version: string | null;
  registration: AgentRegistration | null;
}

/**
 * The agents workers announced (KV RUNSTREAM_AGENTS), watched live. `name@version` picks that
 * version; a bare name picks the latest numbered one.
 */
@Injectable()
export class AgentCatalog implements OnModuleInit, OnApplicationShutdown {
  private kv!: KV;
  private readonly agents = new Map<string, Map<string, AgentRegistration>>();
  private stopWatch: (() => void) | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: { STREAM_REPLICAS: number },
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kv = await openAgentsBucket(this.nc, this.config.STREAM_REPLICAS);
    const watch = await this.kv.watch({ key: '>' });
    this.stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation === 'PUT') this.remember(decodeJson<AgentRegistration>(entry.value));
      }
    })().catch((error: unknown) => this.logger.warn({ err: error }, 'agents watch ended'));
  }

  onApplicationShutdown(): void {
    this.stopWatch?.();
  }

  /** Every registered agent version, by name then version. */
  list(): AgentRegistration[] {
    return [...this.agents.values()].flatMap((versions) => [...versions.values()]).sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version));
  }

  /** The registration of `name@version`, or of the latest numbered version when `version` is null. */
  async find(name: string, version: string | null): Promise<AgentRegistration | null> {
    const known = this.pick(name, version);
    if (known) return known;
    // Announced a moment ago and not yet seen by the watch: ask the bucket itself.
    for await (const key of await this.kv.keys(`${name}.*`)) {
      const entry = await this.kv.get(key);
      if (entry?.operation === 'PUT') this.remember(decodeJson<AgentRegistration>(entry.value));
    }
    return this.pick(name, version);
  }

  /**
   * Resolves an agent for a new run. Unregistered and asked without a version, `lenient` binds the
   * run to no version (any worker of the agent takes it: runs created before their workers start);
   * otherwise an unknown agent or version is null.
   */
  async resolve(name: string, version: string | null, lenient: boolean): Promise<ResolvedAgent | null> {
    const registration = await this.find(name, version);
    if (registration) return { name, version: registration.version, registration };
    return lenient && version === null ? { name, version: null, registration: null } : null;
  }

  private pick(name: string, version: string | null): AgentRegistration | null {
    const versions = this.agents.get(name);
    if (!versions) return null;
    if (version !== null) return versions.get(version) ?? null;
    const numbered = [...versions.values()].filter((r) => NUMBERED.test(r.version)).sort((a, b) => compareVersions(b.version, a.version));
    return numbered[0] ?? null;
  }

  private remember(registration: AgentRegistration): void {
    let versions = this.agents.get(registration.name);
    if (!versions) this.agents.set(registration.name, (versions = new Map()));
    versions.set(registration.version, registration);
  }
}

/** Numbered versions in numeric order, before labels in alphabetical order. */
function compareVersions(a: string, b: string): number {
  const [na, nb] = [NUMBERED.test(a), NUMBERED.test(b)];
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a.localeCompare(b);
}
