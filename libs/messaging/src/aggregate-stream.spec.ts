import type { EventMetadata } from '#contracts';
import { AggregateStream } from './aggregate-stream';
import type { AnyEvent, StoredEvent } from './event-store';

const stored = (sequence: number, streamSeq: number, commandId: string, index = 0, count = 1): StoredEvent => ({
  event: { type: 'Counted', data: sequence, metadata: { sequence, commandId, batch: { index, count }, createdAt: '2026-01-01T00:00:00.000Z' } as EventMetadata },
  streamSeq,
});

const stream = () => new AggregateStream<number[], AnyEvent>('a', 'subject.a', [], (state, e) => [...state, e.data as number], 0);

describe('AggregateStream', () => {
  it('given a unit (events sharing one stream sequence), when applied, then every event of it is folded once', () => {
    const s = stream();
    [stored(0, 5, 'c1'), stored(1, 9, 'c2', 0, 3), stored(2, 9, 'c2', 1, 3), stored(3, 9, 'c2', 2, 3)].forEach((e) => s.apply(e));
    expect(s.state).toEqual([0, 1, 2, 3]);
    expect({ version: s.version, sequence: s.sequence, open: s.openBatch }).toEqual({ version: 9, sequence: 3, open: null });
    expect(s.commands.get('c2')).toEqual({ stored: 3, count: 3 });
  });

  it('given a unit already folded, when it is delivered again (an append and a catch-up), then nothing changes', () => {
    const s = stream();
    const unit = [stored(0, 9, 'c1', 0, 2), stored(1, 9, 'c1', 1, 2)];
    unit.forEach((e) => s.apply(e));
    unit.forEach((e) => s.apply(e));
    s.apply(stored(0, 5, 'c0'));
    expect(s.state).toEqual([0, 1]);
  });

  it('given single events, when one arrives at or below the version, then it is skipped', () => {
    const s = stream();
    s.apply(stored(0, 3, 'c1'));
    s.apply(stored(1, 7, 'c2'));
    s.apply(stored(1, 7, 'c2'));
    s.apply(stored(0, 3, 'c1'));
    expect(s.state).toEqual([0, 1]);
  });
});
