import type { JetStreamManager } from '@nats-io/jetstream';
import { LogCapacity, StorageFull, isStorageFull } from './log-capacity';

/** A stream's info as the server would answer it; `reads` counts the looks. */
function streamWith(config: { max_bytes: number; max_msgs: number }, state: { bytes: number; messages: number }) {
  const stream = { config, state, reads: 0 };
  const jsm = {
    streams: {
      info: async () => {
        stream.reads++;
        return { config: { ...stream.config }, state: { ...stream.state } };
      },
    },
  } as unknown as JetStreamManager;
  return { stream, jsm };
}

describe('LogCapacity', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('given no limits, when a batch of any size is admitted, then it fits', async () => {
    const { jsm } = streamWith({ max_bytes: -1, max_msgs: -1 }, { bytes: 10 ** 12, messages: 10 ** 9 });
    await expect(new LogCapacity(jsm, 'S', clock).admit(10 ** 9, 10 ** 6)).resolves.toBeUndefined();
  });

  it('given a byte limit, when the batch and the 1% reserve do not fit, then the whole batch is refused', async () => {
    const { jsm } = streamWith({ max_bytes: 100_000, max_msgs: -1 }, { bytes: 90_000, messages: 10 });
    const capacity = new LogCapacity(jsm, 'S', clock);
    await expect(capacity.admit(9_000, 3)).resolves.toBeUndefined(); // 90,000 + 9,000 + 1,000 = the limit
    await expect(capacity.admit(9_001, 3)).rejects.toBeInstanceOf(StorageFull);
  });

  it('given a message limit, when the batch would pass it, then it is refused', async () => {
    const { jsm } = streamWith({ max_bytes: -1, max_msgs: 10_000 }, { bytes: 0, messages: 9_980 });
    const capacity = new LogCapacity(jsm, 'S', clock);
    await expect(capacity.admit(1, 10)).resolves.toBeUndefined(); // 9,980 + 10 + reserve 10
    await expect(capacity.admit(1, 11)).rejects.toThrow(/storage is full/);
  });

  it('given appends since the last look, when the next batch is admitted, then they count against the room', async () => {
    const { stream, jsm } = streamWith({ max_bytes: 10_000, max_msgs: -1 }, { bytes: 0, messages: 0 });
    const capacity = new LogCapacity(jsm, 'S', clock);
    await capacity.admit(5_000, 1);
    capacity.appended(5_000);
    now += 10; // within the refresh interval: the copy is reused, the local count keeps it exact
    await expect(capacity.admit(4_901, 1)).rejects.toBeInstanceOf(StorageFull);
    expect(stream.reads).toBe(1);
  });

  it('given a refusal on an old copy, when the operator has raised the limit, then it looks again and admits', async () => {
    const { stream, jsm } = streamWith({ max_bytes: 10_000, max_msgs: -1 }, { bytes: 9_950, messages: 100 });
    const capacity = new LogCapacity(jsm, 'S', clock);
    await expect(capacity.admit(100, 1)).rejects.toBeInstanceOf(StorageFull);
    stream.config.max_bytes = -1;
    now += 50; // a fresh refusal is not looked at again at once
    await expect(capacity.admit(100, 1)).rejects.toBeInstanceOf(StorageFull);
    now += 100;
    await expect(capacity.admit(100, 1)).resolves.toBeUndefined();
    expect(stream.reads).toBe(2);
  });

  it('given stale limits, when admitting, then the stream is read again', async () => {
    const { stream, jsm } = streamWith({ max_bytes: 1_000_000, max_msgs: -1 }, { bytes: 0, messages: 0 });
    const capacity = new LogCapacity(jsm, 'S', clock);
    await capacity.admit(1, 1);
    now += 1_001;
    stream.state.bytes = 995_000;
    await expect(capacity.admit(1, 1)).rejects.toBeInstanceOf(StorageFull);
  });

  it('recognises JetStream\u2019s own refusals of a full stream, and nothing else', () => {
    const apiError = (code: number, message: string) => Object.assign(new Error(message), { name: 'JetStreamApiError', code });
    expect(isStorageFull(apiError(10077, 'maximum bytes exceeded'))).toBe(true);
    expect(isStorageFull(apiError(10077, 'maximum messages exceeded'))).toBe(true);
    expect(isStorageFull(apiError(10047, 'insufficient resources'))).toBe(true);
    expect(isStorageFull(new StorageFull('S'))).toBe(true);
    expect(isStorageFull(apiError(10077, 'some other store failure'))).toBe(false);
    expect(isStorageFull(apiError(10071, 'wrong last sequence'))).toBe(false);
    expect(isStorageFull(new Error('maximum bytes exceeded'))).toBe(false);
    expect(isStorageFull(null)).toBe(false);
  });
});
