import { EMPTY_USAGE, type RunSnapshot } from '#contracts';
import { evolveRun } from './run';
import type { RunEventDraft } from './run.rules';
import {
  CLAIMED,
  EXPIRES_AT,
  HISTORY,
  OTHER_WORKER,
  WORKER,
  artifactCreated,
  at,
  cancelled,
  claimed,
  failed,
  fileArtifact,
  fold,
  inputExpiring,
  inputProvided,
  inputRequested,
  messageDelta,
  pinChanged,
  redispatched,
  retried,
  signalled,
  started,
  toEvents,
  toolCallCompleted,
  toolCalled,
  typedArtifact,
  usageRecorded,
  moved,
} from './__tests__/run.fixtures';

const snapshot = (drafts: RunEventDraft[]) => fold(drafts) as RunSnapshot;
/** The snapshot after `history` plus `event`, next to the one before it. */
const step = (history: RunEventDraft[], event: RunEventDraft) => ({ before: snapshot(history), after: snapshot([...history, event]) });

describe('evolveRun: execution', () => {
  describe('usage', () => {
    it('RunUsageRecorded adds the increment and changes nothing else', () => {
      const { before, after } = step(CLAIMED, usageRecorded(1, { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, costUsd: 0.25, credits: 3, model: 'm1' }));
      expect(after).toEqual({
        ...before,
        usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, costUsd: 0.25, credits: 3, model: 'm1' },
        ...moved(5),
      });
    });
    it('totals are the exact sum of every report', () =>
      expect(
        snapshot([
          ...CLAIMED,
          usageRecorded(1, { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, costUsd: 0.1, credits: 1 }),
          usageRecorded(1, { inputTokens: 250, outputTokens: 5, cachedInputTokens: 0, costUsd: 0.2, credits: 4 }),
          usageRecorded(1, { inputTokens: 1, outputTokens: 0, cachedInputTokens: 1, costUsd: 0, credits: 0 }),
        ]).usage,
      ).toEqual({ inputTokens: 351, outputTokens: 25, cachedInputTokens: 61, costUsd: 0.3, credits: 5, model: null }));
    it('costUsd 0.1 + 0.2 is exactly 0.3 (not 0.30000000000000004)', () =>
      expect(snapshot([...CLAIMED, usageRecorded(1, { costUsd: 0.1 }), usageRecorded(1, { costUsd: 0.2 })]).usage.costUsd).toBe(0.3));
    it('ten costs of 0.1 add up to exactly 1', () =>
      expect(snapshot([...CLAIMED, ...Array.from({ length: 10 }, () => usageRecorded(1, { costUsd: 0.1 }))]).usage.costUsd).toBe(1));
    it('a cost of six decimals survives', () =>
      expect(snapshot([...CLAIMED, usageRecorded(1, { costUsd: 0.000123 }), usageRecorded(1, { costUsd: 0.000456 })]).usage.costUsd).toBe(0.000579));
    it('sub-micro-dollar costs add up instead of rounding away', () =>
      expect(snapshot([...CLAIMED, ...Array.from({ length: 10 }, () => usageRecorded(1, { costUsd: 0.0000004 }))]).usage.costUsd).toBe(0.000004));
    it('credits 0.1 + 0.2 are exactly 0.3', () =>
      expect(snapshot([...CLAIMED, usageRecorded(1, { credits: 0.1 }), usageRecorded(1, { credits: 0.2 })]).usage.credits).toBe(0.3));
    it('the model is the one of the latest report that named one', () =>
      expect(
        snapshot([
          ...CLAIMED,
          usageRecorded(1, { model: 'm1' }),
          usageRecorded(1, { model: null }),
          usageRecorded(1, { model: 'm2' }),
          usageRecorded(1, { model: null }),
        ]).usage.model,
      ).toBe('m2'));
    it('the model stays null while no report named one', () =>
      expect(snapshot([...CLAIMED, usageRecorded(1, { inputTokens: 3 })]).usage).toEqual({ ...EMPTY_USAGE, inputTokens: 3 }));
    it('totals cover every attempt (a retry or a redispatch does not reset them)', () =>
      expect(
        snapshot([
          ...CLAIMED,
          usageRecorded(1, { inputTokens: 10, costUsd: 0.1 }),
          redispatched(2),
          usageRecorded(2, { inputTokens: 20, costUsd: 0.2 }),
          failed(2),
          retried(3),
          usageRecorded(3, { inputTokens: 30, costUsd: 0.4 }),
        ]).usage,
      ).toEqual({ ...EMPTY_USAGE, inputTokens: 60, costUsd: 0.7 }));
    it('does not mutate the shared EMPTY_USAGE', () => {
      snapshot([...CLAIMED, usageRecorded(1, { inputTokens: 5, model: 'm1' })]);
      expect(EMPTY_USAGE).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0, credits: 0, model: null });
    });
  });

  describe('claims and redispatches', () => {
    it('RunClaimed sets workerId and nothing else', () => {
      const { before, after } = step(HISTORY.running, claimed(1, WORKER));
      expect(after).toEqual({ ...before, workerId: WORKER, ...moved(4) });
    });
    it('RunRedispatched runs the new attempt, increments redispatches, keeps startedAt and clears workerId', () => {
      const { before, after } = step([...CLAIMED, { type: 'RunPhaseStarted', data: { phase: 'act', attempt: 1 } }], redispatched(2));
      expect(after).toEqual({
        ...before,
        status: 'running',
        phase: null,
        attempt: 2,
        workerId: null,
        redispatches: 1,
        startedAt: at(2),
        ...moved(6),
      });
    });
    it('each redispatch counts', () => {
      const run = snapshot([...CLAIMED, redispatched(2), claimed(2, OTHER_WORKER), redispatched(3, OTHER_WORKER)]);
      expect([run.attempt, run.redispatches, run.workerId, run.startedAt]).toEqual([3, 2, null, at(2)]);
    });
    it('RunRedispatched while waiting for input runs again and drops the request', () => {
      const run = snapshot([...CLAIMED, inputRequested(1), redispatched(2)]);
      expect([run.status, run.inputRequest, run.redispatches]).toEqual(['running', null, 1]);
    });
    it('RunRetried resets redispatches to 0 and clears workerId', () => {
      const run = snapshot([...CLAIMED, redispatched(2), redispatched(3, null), failed(3), retried(4)]);
      expect([run.attempt, run.redispatches, run.workerId, run.startedAt]).toEqual([4, 0, null, at(8)]);
    });
    it('RunStarted resets redispatches to 0 and clears workerId', () => {
      const dirty: RunSnapshot = { ...snapshot(HISTORY.pending), redispatches: 2, workerId: WORKER };
      const event = toEvents([...HISTORY.pending, started(1)])[1];
      const run = evolveRun(dirty, event) as RunSnapshot;
      expect([run.status, run.redispatches, run.workerId, run.startedAt]).toEqual(['running', 0, null, at(2)]);
    });
  });

  describe('input', () => {
    it('RunInputRequested waits for input with the request (not yet warned)', () => {
      const { before, after } = step(CLAIMED, inputRequested(1, EXPIRES_AT, 'Which dates?'));
      expect(after).toEqual({
        ...before,
        status: 'waiting_for_input',
        inputRequest: { prompt: 'Which dates?', expiresAt: EXPIRES_AT, expiryWarned: false },
        ...moved(5),
      });
    });
    it('RunInputRequested without a deadline keeps expiresAt null', () =>
      expect(snapshot([...CLAIMED, inputRequested(1, null, 'p')]).inputRequest).toEqual({ prompt: 'p', expiresAt: null, expiryWarned: false }));
    it('RunInputExpiring marks the request warned', () =>
      expect(snapshot([...CLAIMED, inputRequested(1), inputExpiring(1)]).inputRequest).toEqual({
        prompt: 'Which dates?',
        expiresAt: EXPIRES_AT,
        expiryWarned: true,
      }));
    it('RunInputExpiring without a request changes nothing but the sequence', () => {
      const { before, after } = step(CLAIMED, inputExpiring(1));
      expect(after).toEqual({ ...before, ...moved(5) });
    });
    it('RunInputProvided runs again and clears the request', () => {
      const history = [...CLAIMED, inputRequested(1), inputExpiring(1)];
      const { before, after } = step(history, inputProvided(1, 'May'));
      expect(after).toEqual({ ...before, status: 'running', inputRequest: null, ...moved(7) });
    });
    it.each<[string, RunEventDraft]>([
      ['RunFailed', failed(1, 'gave up')],
      ['RunCancelled', cancelled('bored')],
    ])('%s while waiting clears the request', (_name, ending) =>
      expect(snapshot([...CLAIMED, inputRequested(1), ending]).inputRequest).toBeNull());
  });

  describe('artifacts', () => {
    it('a typed RunArtifactCreated is listed as a summary, in creation order', () =>
      expect(
        snapshot([
          ...CLAIMED,
          artifactCreated(typedArtifact(10)),
          artifactCreated(typedArtifact(12, { artifactType: 'itinerary', isPinned: true })),
        ]).artifacts,
      ).toEqual([
        { id: 10, artifactType: 'candidates', isPinned: false },
        { id: 12, artifactType: 'itinerary', isPinned: true },
      ]));
    it('a file RunArtifactCreated is not listed (only the sequence moves)', () => {
      const { before, after } = step([...CLAIMED, artifactCreated(typedArtifact(10))], artifactCreated(fileArtifact(11)));
      expect(after).toEqual({ ...before, ...moved(6) });
      expect(after.artifacts).toEqual([{ id: 10, artifactType: 'candidates', isPinned: false }]);
    });
    it('RunArtifactPinChanged flips isPinned of that artifact only', () =>
      expect(
        snapshot([...CLAIMED, artifactCreated(typedArtifact(10)), artifactCreated(typedArtifact(12)), pinChanged(12, true)]).artifacts,
      ).toEqual([
        { id: 10, artifactType: 'candidates', isPinned: false },
        { id: 12, artifactType: 'candidates', isPinned: true },
      ]));
    it('RunArtifactPinChanged can unpin', () =>
      expect(snapshot([...CLAIMED, artifactCreated(typedArtifact(10, { isPinned: true })), pinChanged(10, false)]).artifacts).toEqual([
        { id: 10, artifactType: 'candidates', isPinned: false },
      ]));
    it('RunArtifactPinChanged for an unknown id leaves the artifacts as they are', () =>
      expect(snapshot([...CLAIMED, artifactCreated(typedArtifact(10)), pinChanged(99, true)]).artifacts).toEqual([
        { id: 10, artifactType: 'candidates', isPinned: false },
      ]));
  });

  describe('stream-only events', () => {
    it.each<[string, RunEventDraft]>([
      ['RunMessageDelta', messageDelta(1, 'm', 'hi')],
      ['RunToolCalled', toolCalled(1, 'c', 'search', {})],
      ['RunToolCallCompleted', toolCallCompleted(1, 'c', 'ok', false)],
      ['RunSignalled', signalled(1, 'pause')],
    ])('%s only moves the sequence', (_name, event) => {
      const { before, after } = step(CLAIMED, event);
      expect(after).toEqual({ ...before, ...moved(5) });
    });
  });
});
