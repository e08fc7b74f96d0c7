import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BIN } from './nats-server';
import { freePort, waitFor } from './ports';
import { canConnect, killChild } from './processes';

interface Node {
  name: string;
  port: number;
  clusterPort: number;
  storeDir: string;
  child: ChildProcess | null;
}

/** Three local nats-servers routed into one JetStream cluster (R3 streams), each killable alone. */
export class NatsCluster {
  private constructor(private readonly nodes: Node[]) {}

  static async start(size = 3): Promise<NatsCluster> {
    const nodes: Node[] = [];
    for (let i = 1; i <= size; i++)
      nodes.push({ name: `n${i}`, port: await freePort(), clusterPort: await freePort(), storeDir: mkdtempSync(join(tmpdir(), `runstream-nats-n${i}-`)), child: null });
    const cluster = new NatsCluster(nodes);
    try {
      for (const node of nodes) cluster.spawn(node);
      for (const node of nodes) await waitFor(`nats-server ${node.name} on ${node.port}`, () => canConnect(node.port));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Every node, comma-separated (what NATS_URL takes). */
  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  get servers(): string[] {
    return this.url.split(',');
  }

  /** kill -9 of one node (by server name); its store survives for `restartNode`. */
  async killNode(name: string): Promise<void> {
    const node = this.node(name);
    const child = node.child;
    node.child = null;
    await killChild(child);
  }

  async restartNode(name: string): Promise<void> {
    const node = this.node(name);
    await this.killNode(name);
    this.spawn(node);
    await waitFor(`nats-server ${name} back`, () => canConnect(node.port));
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) {
      await this.killNode(node.name);
      rmSync(node.storeDir, { recursive: true, force: true });
    }
  }

  private node(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  private spawn(node: Node): void {
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(',');
    node.child = spawn(
      NATS_SERVER_BIN,
      ['-a', '127.0.0.1', '-p', String(node.port), '-js', '-sd', node.storeDir, '--server_name', node.name, '--cluster_name', 'runstream', '--cluster', `nats://127.0.0.1:${node.clusterPort}`, '--routes', routes],
      { stdio: 'ignore' },
    );
  }
}
