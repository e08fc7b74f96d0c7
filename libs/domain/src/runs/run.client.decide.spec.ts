import { ErrorCode } from '#contracts';
import {
  AGENT,
  ATTEMPT,
  CLAIMED,
  HISTORY,
  OTHER_USER,
  OWNER,
  SYSTEM,
  WAITING,
  artifactCreated,
  fileArtifact,
  given,
  inputProvided,
  pinArtifact,
  pinChanged,
  provideInput,
  recordArtifact,
  redispatched,
  signalRun,
  signalled,
  typedArtifact,
} from './__tests__/run.fixtures';

const TERMINAL = ['completed', 'failed', 'cancelled'] as const;
const MAX_INPUT_BYTES = 32_768;

describe('client decisions', () => {
  describe('ProvideInput', () => {
    it('answers a run waiting for input with RunInputProvided', () =>
      given(WAITING).when(provideInput('May 3 to May 10')).then([inputProvided(1, 'May 3 to May 10')]));
    it('is accepted from a system actor (not owner-checked)', () =>
      given(WAITING).when(provideInput('May', SYSTEM)).then([inputProvided(1, 'May')]));
    it('stamps the current attempt after a redispatch', () =>
      given([...CLAIMED, redispatched(2), { type: 'RunInputRequested', data: { attempt: 2, prompt: 'p', expiresAt: null } }])
        .when(provideInput('yes'))
        .then([inputProvided(2, 'yes')]));
    it('refuses a running run that is not waiting', () =>
      given(CLAIMED).when(provideInput('May')).thenThrows(ErrorCode.InvalidTransition));
    it.each(['pending', ...TERMINAL] as const)('refuses a %s run', (status) =>
      given(HISTORY[status]).when(provideInput('May')).thenThrows(ErrorCode.InvalidTransition));
    it('refuses a second answer to the same request', () =>
      given([...WAITING, inputProvided(1, 'May')]).when(provideInput('June')).thenThrows(ErrorCode.InvalidTransition));
    it('refuses empty content', () => given(WAITING).when(provideInput('')).thenThrows(ErrorCode.ValidationFailed));
    it('refuses content that is not a string', () =>
      given(WAITING).when(provideInput(null as unknown as string)).thenThrows(ErrorCode.ValidationFailed));
    it('accepts exactly 32768 ASCII bytes', () => {
      const content = 'x'.repeat(MAX_INPUT_BYTES);
      given(WAITING).when(provideInput(content)).then([inputProvided(1, content)]);
    });
    it('refuses 32769 ASCII bytes', () =>
      given(WAITING).when(provideInput('x'.repeat(MAX_INPUT_BYTES + 1))).thenThrows(ErrorCode.PayloadTooLarge));
    it('accepts exactly 32768 UTF-8 bytes of 2-byte characters (16384 chars)', () => {
      const content = 'é'.repeat(MAX_INPUT_BYTES / 2);
      given(WAITING).when(provideInput(content)).then([inputProvided(1, content)]);
    });
    it('counts UTF-8 bytes, not characters: 16385 × "é" (32770 bytes) is too large', () =>
      given(WAITING).when(provideInput('é'.repeat(MAX_INPUT_BYTES / 2 + 1))).thenThrows(ErrorCode.PayloadTooLarge));
    it('counts UTF-8 bytes, not UTF-16 units: 8193 × "😀" (32772 bytes, 16386 units) is too large', () =>
      given(WAITING).when(provideInput('😀'.repeat(MAX_INPUT_BYTES / 4 + 1))).thenThrows(ErrorCode.PayloadTooLarge));
    it("another user's run is not found", () =>
      given(WAITING).when(provideInput('May', OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
    it('a missing run is not found', () => given([]).when(provideInput('May')).thenThrows(ErrorCode.RunNotFound));
  });

  describe('SignalRun', () => {
    it('signals a running run with the payload', () =>
      given(CLAIMED).when(signalRun('pause', { seconds: 30 })).then([signalled(1, 'pause', { seconds: 30 })]));
    it.each([null, undefined, ['ok'], {}])('refuses a signal name that is not a string (%p)', (name) =>
      given(CLAIMED).when(signalRun(name as unknown as string)).thenThrows(ErrorCode.ValidationFailed));
    it('refuses a signal payload over 32 KB', () =>
      given(CLAIMED).when(signalRun('big', { text: 'x'.repeat(32 * 1024) })).thenThrows(ErrorCode.PayloadTooLarge));
    it('signals a run waiting for input', () =>
      given(WAITING).when(signalRun('nudge', 'hurry')).then([signalled(1, 'nudge', 'hurry')]));
    it('records payload null when none is given', () =>
      given(CLAIMED).when(signalRun('pause')).then([signalled(1, 'pause', null)]));
    it('stamps the current attempt after a redispatch', () =>
      given([...CLAIMED, redispatched(2)]).when(signalRun('pause')).then([signalled(2, 'pause', null)]));
    it.each(['a', 'Z', 'a_b.c-d', 'step2', 'x'.repeat(64)])('accepts the name %s', (name) =>
      given(CLAIMED).when(signalRun(name)).then([signalled(1, name, null)]));
    it.each(['', '1abc', '_x', '.x', '-x', 'a b', 'a/b', 'é', 'abc\n', 'x'.repeat(65)])('refuses the name %j', (name) =>
      given(CLAIMED).when(signalRun(name)).thenThrows(ErrorCode.ValidationFailed));
    it.each(['pending', ...TERMINAL] as const)('refuses a %s run', (status) =>
      given(HISTORY[status]).when(signalRun('pause')).thenThrows(ErrorCode.InvalidTransition));
    it("another user's run is not found", () =>
      given(CLAIMED).when(signalRun('pause', undefined, OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
  });

  describe('RecordArtifact', () => {
    const typed = typedArtifact(10);
    const file = fileArtifact(11);

    describe('by an agent (the attempt’s worker)', () => {
      it('records a typed artifact of the current attempt', () =>
        given(CLAIMED).when(recordArtifact(typed, 1)).then([artifactCreated(typed)]));
      it('records a file artifact of the current attempt', () =>
        given(CLAIMED).when(recordArtifact(file, 1)).then([artifactCreated(file)]));
      it('records while the run waits for input', () =>
        given(WAITING).when(recordArtifact(typed, 1)).then([artifactCreated(typed)]));
      it.each([0, 2, undefined])('refuses attempt %s when the run is at attempt 1', (attempt) =>
        given(CLAIMED).when(recordArtifact(typed, attempt)).thenThrows(ErrorCode.StaleAttempt));
      it('refuses the previous attempt after a redispatch', () =>
        given([...CLAIMED, redispatched(2)]).when(recordArtifact(typed, 1)).thenThrows(ErrorCode.StaleAttempt));
      it.each(TERMINAL)('refuses a %s run at its current attempt', (status) =>
        given(HISTORY[status]).when(recordArtifact(typed, ATTEMPT[status])).thenThrows(ErrorCode.InvalidTransition));
      it('refuses a pending run', () =>
        given(HISTORY.pending).when(recordArtifact(typed, 0)).thenThrows(ErrorCode.InvalidTransition));
    });

    describe('by the owner (an upload)', () => {
      it.each(['pending', 'running', 'completed', 'failed', 'cancelled'] as const)('accepts a file upload to a %s run', (status) =>
        given(HISTORY[status]).when(recordArtifact(file, undefined, OWNER)).then([artifactCreated(file)]));
      it('accepts a typed artifact on a completed run without an attempt', () =>
        given(HISTORY.completed).when(recordArtifact(typed, undefined, OWNER)).then([artifactCreated(typed)]));
      it('ignores a stale attempt number', () =>
        given(HISTORY.completed).when(recordArtifact(file, 7, OWNER)).then([artifactCreated(file)]));
      it('accepts a new upload to the path of an earlier file', () => {
        const replacement = fileArtifact(12, file.path ?? '');
        given([...HISTORY.completed, artifactCreated(file)]).when(recordArtifact(replacement, undefined, OWNER)).then([artifactCreated(replacement)]);
      });
      it("another user's run is not found", () =>
        given(HISTORY.completed).when(recordArtifact(file, undefined, OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
    });

    it.each([
      ['agent', AGENT, 1],
      ['owner', OWNER, undefined],
    ] as const)('refuses a duplicate typed id from the %s', (_who, actor, attempt) =>
      given([...CLAIMED, artifactCreated(typed)])
        .when(recordArtifact(typedArtifact(10, { artifactType: 'itinerary' }), attempt, actor))
        .thenThrows(ErrorCode.AlreadyExists));
    it('checks only typed ids: a file artifact sharing a typed id is recorded', () => {
      const sameId = fileArtifact(10);
      given([...CLAIMED, artifactCreated(typed)]).when(recordArtifact(sameId, 1)).then([artifactCreated(sameId)]);
    });
    it('accepts a second typed artifact with another id', () => {
      const second = typedArtifact(12, { artifactType: 'itinerary' });
      given([...CLAIMED, artifactCreated(typed)]).when(recordArtifact(second, 1)).then([artifactCreated(second)]);
    });
    it('a missing run is not found', () => given([]).when(recordArtifact(typed, 1)).thenThrows(ErrorCode.RunNotFound));
  });

  describe('PinArtifact', () => {
    const unpinned = [...HISTORY.completed, artifactCreated(typedArtifact(10)), artifactCreated(typedArtifact(12))];
    const pinned = [...HISTORY.completed, artifactCreated(typedArtifact(10, { isPinned: true }))];

    it('pins an unpinned typed artifact', () => given(unpinned).when(pinArtifact(12, true)).then([pinChanged(12, true)]));
    it('unpins a pinned one', () => given(pinned).when(pinArtifact(10, false)).then([pinChanged(10, false)]));
    it('pinning a pinned artifact changes nothing', () => given(pinned).when(pinArtifact(10, true)).then([]));
    it('unpinning an unpinned artifact changes nothing', () => given(unpinned).when(pinArtifact(10, false)).then([]));
    it('sees earlier pin changes', () =>
      given([...unpinned, pinChanged(10, true)]).when(pinArtifact(10, true)).then([]));
    it('works while the run is running', () =>
      given([...CLAIMED, artifactCreated(typedArtifact(10))]).when(pinArtifact(10, true)).then([pinChanged(10, true)]));
    it('an unknown id is not found', () => given(unpinned).when(pinArtifact(99, true)).thenThrows(ErrorCode.ArtifactNotFound));
    it('a file artifact is not pinnable here (not in the run’s artifacts)', () =>
      given([...HISTORY.completed, artifactCreated(fileArtifact(11))]).when(pinArtifact(11, true)).thenThrows(ErrorCode.ArtifactNotFound));
    it("another user's run is not found", () =>
      given(unpinned).when(pinArtifact(10, true, OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
  });
});
