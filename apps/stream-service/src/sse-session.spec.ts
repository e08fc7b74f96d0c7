import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import type { RunEvent, RunSnapshot } from '#contracts';
import { threadRuns, travelmode, vertesia, type SseCodec } from '#dialects';
import { evolveRun } from '#domain';
import { SseSession, type SessionDeps } from './sse-session';

const RUN = '9f2a1c7e-0000-4000-8000-000000000001';
const T0 = Date.parse('2030-01-01T10:00:00.000Z');

/** A run's log: created, started, deltas in one millisecond, completed. */
function log(): RunEvent[] {
  const drafts: Pick<RunEvent, 'type' | 'data'>[] = [
    {
      type: 'RunCreatedV2',
      data: {
        runId: RUN, threadId: 1, userId: 'u', org: 'o', project: 'default', visibility: 'private', agent: { name: 'a', version: '1' },
        snapshotRevision: 1, traceId: null,
        spec: {
          input: { message: 'hi', data: null }, options: { model: null, environment: null, tools: null, route: null, interactive: true, settings: {} },
          labels: { tags: [], categories: [], properties: {} }, createdBy: { name: null, email: null }, phases: [], conversation: null, forkedFrom: null,
        },
      },
    },
    { type: 'RunStartedV2', data: { attempt: 1, snapshotRevision: 1, agent: { name: 'a', version: '1' } } },
    { type: 'RunClaimed', data: { attempt: 1, workerId: 'w' } },
    { type: 'RunMessageDelta', data: { attempt: 1, messageId: 'm', text: 'Hel' } },
    { type: 'RunMessageDelta', data: { attempt: 1, messageId: 'm', text: 'lo' } },
    { type: 'RunFailed', data: { attempt: 1, errorMessage: 'model timeout' } },
  ];
  return drafts.map((d, i) => ({
    ...d,
    metadata: {
      eventId: `e${i}`, streamId: RUN, sequence: i, createdAt: new Date(T0 + (i < 3 ? i : 3)).toISOString(), commandId: 'c', correlationId: 'c',
      causationId: 'c', actor: { kind: 'system', id: 's' }, batch: { index: 0, count: 1 },
    },
  })) as RunEvent[];
}

/**
 * One stream over a real HTTP connection in this process, fed from an in-memory log: `since`
 * events are history, the rest arrive live once the stream is open.
 */
async function stream(codec: SseCodec, since: number, liveFrom: number): Promise<{ text: string; frames: { id?: string; data: any }[] }> {
  const events = log();
  // What the read model showed when the stream opened: never ahead of the log.
  const current = events.slice(0, liveFrom).reduce<RunSnapshot | null>((s, e) => evolveRun(s, e), null) as RunSnapshot;
  let live: ((event: RunEvent) => void) | null = null;
  const deps: SessionDeps = {
    codec,
    startAfter: async () => since,
    page: async (after, limit) => events.filter((e) => e.metadata.sequence > after && e.metadata.sequence < liveFrom).slice(0, limit).map((event) => ({ event, streamSeq: event.metadata.sequence })),
    lastSequence: async () => liveFrom - 1,
    projected: async () => undefined,
    clockAt: async (sequence) => events.slice(0, sequence + 1).reduce((clock, e) => Math.max(Date.parse(e.metadata.createdAt), clock + 1), 0),
    listen: async (onEvent) => {
      live = onEvent;
      return () => (live = null);
    },
    retryMs: 1000,
    maxBufferedBytes: 1 << 20,
    maxPendingEvents: 100,
    onClosed: () => undefined,
  };
  const server: Server = createServer((_req, res) => void new SseSession(res as unknown as Response, current, since, deps).start());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const reader = res.body!.getReader();
  const deliverLive = setInterval(() => {
    if (!live) return;
    clearInterval(deliverLive);
    for (const e of events.filter((e) => e.metadata.sequence >= liveFrom)) live(e);
  }, 5);
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  clearInterval(deliverLive);
  server.close();
  const frames = text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((b) => ({ id: /^id: (.*)$/m.exec(b)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) }));
  return { text, frames };
}

describe('the SSE session with each dialect codec (in process)', () => {
  it("Travelmode: connected, run_event per event with id = sequence (history then live), run_finished", async () => {
    const { frames } = await stream(travelmode.sse, 0, 3);
    expect(frames.map((f) => f.data.type)).toEqual(['connected', 'run_event', 'run_event', 'run_event', 'run_event', 'run_event', 'run_finished']);
    expect(frames.filter((f) => f.data.type === 'run_event').map((f) => [f.id, f.data.event.eventType])).toEqual([
      ['1', 'RUN_STARTED'], ['2', 'WORKER_ASSIGNED'], ['3', 'MESSAGE_DELTA'], ['4', 'MESSAGE_DELTA'], ['5', 'RUN_FAILED'],
    ]);
    expect(frames.at(-1)!.data).toEqual({ type: 'run_finished', status: 'failed', lastEventSequence: 5 });
  });

  it('seed 003: only { seq, type, data, created_at } frames after since, closed after the terminal event', async () => {
    const { frames, text } = await stream(threadRuns.sse, 2, 4);
    expect(frames.map((f) => [f.id, f.data.seq, f.data.type])).toEqual([['3', 3, 'message.delta'], ['4', 4, 'message.delta'], ['5', 5, 'run.failed']]);
    expect(frames[2]!.data.data).toEqual({ error: 'model timeout' });
    expect(text).toMatch(/^retry: 1000\n\n/);
  });

  it('Vertesia: no frame for a worker claim, a failure ends as terminated with its error, timestamps strictly increasing', async () => {
    const { frames } = await stream(vertesia.sse, 0, 2);
    expect(frames.map((f) => [f.id, f.data.type, f.data.t])).toEqual([
      ['1', 'system', 0], ['3', 'streaming_chunk', 12], ['4', 'streaming_chunk', 12], ['5', 'terminated', 11],
    ]);
    expect(frames[3]!.data.message).toBe('model timeout');
    const stamps = frames.map((f) => f.data.timestamp as number);
    // Events 3-5 were stored in the same millisecond: the run's event clock tells them apart.
    expect(stamps.slice(0, 4)).toEqual([T0 + 1, T0 + 3, T0 + 4, T0 + 5]);
    expect(frames.every((f) => f.data.workflow_run_id === RUN)).toBe(true);
  });
});
