import type { ArtifactDescriptor, RunEvent } from '#contracts';
import { independentArtifactWrites, type RunArtifactEvents } from './artifact-rows';

const RUN_A = '00000000-0000-4000-8000-00000000000a';
const RUN_B = '00000000-0000-4000-8000-00000000000b';
let sequence = 0;

const metadata = (runId: string) => ({
  eventId: `e${++sequence}`,
  streamId: runId,
  sequence,
  createdAt: '2026-11-26T10:00:00.000Z',
  commandId: `c${sequence}`,
  correlationId: `c${sequence}`,
  causationId: `c${sequence}`,
  actor: { kind: 'user' as const, id: 'usr_1' },
  batch: { index: 0, count: 1 },
});

const created = (runId: string, id: number, path: string | null): RunEvent => {
  const artifact: ArtifactDescriptor = {
    id,
    kind: path === null ? 'typed' : 'file',
    artifactType: path === null ? 'candidates' : 'file',
    title: null,
    path,
    objectName: `runs/${runId}/${id}`,
    contentType: 'application/json',
    size: 2,
    sha256: 'ab',
    isPinned: false,
  };
  return { type: 'RunArtifactCreated', data: artifact, metadata: metadata(runId) };
};

const pinned = (runId: string, artifactId: number): RunEvent => ({
  type: 'RunArtifactPinChanged',
  data: { artifactId, isPinned: true },
  metadata: metadata(runId),
});

/**
 * Artifact rows share the batch's one statement only when no write depends on another's effect:
 * inside one statement every part sees the rows as they were before it.
 */
describe('independentArtifactWrites', () => {
  it('given creations of distinct artifacts at distinct paths, when batched, then gives one write each', () => {
    const batch: RunArtifactEvents[] = [
      { runId: RUN_A, events: [created(RUN_A, 1, 'a.txt'), created(RUN_A, 2, 'b.txt'), created(RUN_A, 3, null)] },
      // The same path in another run is another row.
      { runId: RUN_B, events: [created(RUN_B, 4, 'a.txt'), created(RUN_B, 5, null)] },
    ];
    const writes = independentArtifactWrites(batch);
    expect(writes).toHaveLength(5);
    // Files take over their path; typed artifacts are keyed by id.
    expect(writes?.[0]?.sql).toContain(`ON CONFLICT (run_id, path) WHERE kind = 'file' DO UPDATE`);
    expect(writes?.[2]?.sql).toContain('ON CONFLICT (id) DO UPDATE');
  });

  it('given two uploads to one path of a run, when batched, then they go one by one', () => {
    expect(independentArtifactWrites([{ runId: RUN_A, events: [created(RUN_A, 1, 'a.txt'), created(RUN_A, 2, 'a.txt')] }])).toBeNull();
  });

  it('given a creation and a pin of it, when batched, then they go one by one', () => {
    expect(independentArtifactWrites([{ runId: RUN_A, events: [created(RUN_A, 1, null), pinned(RUN_A, 1)] }])).toBeNull();
  });

  it('given one artifact id twice, when batched, then they go one by one', () => {
    expect(independentArtifactWrites([{ runId: RUN_A, events: [created(RUN_A, 7, null)] }, { runId: RUN_B, events: [created(RUN_B, 7, null)] }])).toBeNull();
  });

  it('given no artifact events, when batched, then there is nothing to write', () => {
    expect(independentArtifactWrites([])).toEqual([]);
  });
});
