import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a sampled frame's code lives: an npm package, our own source tree, Node itself, or the VM. */
export function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/dist\/((?:apps|libs)\/[^/]+)/.exec(url);
  return own ? `runstream ${own[1]}` : url;
}

/**
 * Self time per owner, in ms and as a share of the busy (non-idle) time, largest first. `window`
 * keeps the samples of a span before the profile's end (ms): `from` → `to` ago, so start-up and
 * shutdown are left out.
 */
export function selfTimeByOwner(profile: CpuProfile, window?: { fromMsBeforeEnd: number; toMsBeforeEnd: number }): { owner: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Node's own and native frames are charged to the nearest package (or our code) that called them.
  const charged = (id: number): string => {
    const own = ownerOf((byId.get(id) as ProfileNode).callFrame);
    if (own.startsWith('(') && !own.startsWith('(native)')) return own;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const owner = ownerOf((byId.get(at) as ProfileNode).callFrame);
      if (!owner.startsWith('node:') && !owner.startsWith('(')) return owner;
    }
    return own;
  };
  const totals = new Map<string, number>();
  const first = window ? profile.endTime - window.fromMsBeforeEnd * 1000 : -Infinity;
  const last = window ? profile.endTime - window.toMsBeforeEnd * 1000 : Infinity;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || at < first || at > last) return;
    const owner = charged(id);
    totals.set(owner, (totals.get(owner) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  totals.delete('(idle)');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals.entries()].map(([owner, ms]) => ({ owner, ms, share: ms / busy })).sort((a, b) => b.ms - a.ms);
}

/** The newest .cpuprofile in a directory (what `node --cpu-prof --cpu-prof-dir` wrote at exit). */
export function readNewestProfile(dir: string): CpuProfile {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .pop();
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}
