import { CumulativeAcks } from './cumulative-acks';

const msgs = (acked: number[]) => (seq: number) => ({ seq, ack: () => acked.push(seq) });

describe('CumulativeAcks', () => {
  it('acks the highest handled message once per flush', () => {
    const acked: number[] = [];
    const m = msgs(acked);
    const acks = new CumulativeAcks(1_000);
    [1, 2, 3].forEach((s) => acks.done(m(s)));
    acks.flush();
    acks.flush();
    expect(acked).toEqual([3]);
  });

  it('acks by itself every `batch` handled messages', () => {
    const acked: number[] = [];
    const m = msgs(acked);
    const acks = new CumulativeAcks(2);
    [1, 2, 3, 4, 5].forEach((s) => acks.done(m(s)));
    expect(acked).toEqual([2, 4]);
  });

  it('never acks past a message still in flight', () => {
    const acked: number[] = [];
    const m = msgs(acked);
    const acks = new CumulativeAcks(1_000);
    acks.done(m(1));
    const slow = m(2);
    acks.begin(slow);
    acks.done(m(3));
    acks.done(m(4));
    acks.flush();
    expect(acked).toEqual([1]);
    acks.done(slow);
    acks.flush();
    expect(acked).toEqual([1, 4]);
    expect(acks.pending).toBe(0);
  });

  it('holds back a later message when a redelivery of a lower sequence is still in flight', () => {
    const acked: number[] = [];
    const m = msgs(acked);
    const acks = new CumulativeAcks(1_000);
    acks.done(m(10));
    const redelivered = m(5);
    acks.begin(redelivered);
    acks.done(m(11));
    acks.flush();
    // 10 was handled before the redelivery of 5 arrived; acking it would ack 5: not yet.
    expect(acked).toEqual([]);
    acks.done(redelivered);
    acks.flush();
    expect(acked).toEqual([11]);
  });

  it('holds every ack until the hold ends, so a redelivery of what the lost connection took comes first', () => {
    const acked: number[] = [];
    const m = msgs(acked);
    let now = 0;
    const acks = new CumulativeAcks(2, () => now);
    acks.hold(1_000);
    [5, 6, 7].forEach((s) => acks.done(m(s)));
    now = 999;
    acks.flush();
    expect(acked).toEqual([]);
    // Sequence 4 was sent to the lost connection: redelivered during the hold, it holds the ack below it.
    const redelivered = m(4);
    acks.begin(redelivered);
    now = 1_000;
    acks.flush();
    expect(acked).toEqual([]);
    acks.done(redelivered);
    acks.flush();
    expect(acked).toEqual([7]);
  });

  describe('at its edges (found by the mutation run)', () => {
    it('a message begun with no ack pending holds nothing back', () => {
      const acked: number[] = [];
      const m = msgs(acked);
      const acks = new CumulativeAcks(1_000);
      const first = m(1);
      acks.begin(first);
      acks.done(first);
      acks.flush();
      expect(acked).toEqual([1]);
    });

    it('a message begun above the pending ack does not hold that ack back', () => {
      const acked: number[] = [];
      const m = msgs(acked);
      const acks = new CumulativeAcks(1_000);
      acks.done(m(1));
      acks.begin(m(2));
      acks.flush();
      expect(acked).toEqual([1]);
    });

    it('a redelivery of the very message whose ack is pending does not hold it back (that message was finished)', () => {
      const acked: number[] = [];
      const m = msgs(acked);
      const acks = new CumulativeAcks(1_000);
      acks.done(m(5));
      acks.begin(m(5));
      acks.flush();
      expect(acked).toEqual([5]);
    });

    it('acks nothing at or above the lowest of several messages in flight', () => {
      const acked: number[] = [];
      const m = msgs(acked);
      const acks = new CumulativeAcks(1_000);
      const [two, five] = [m(2), m(5)];
      acks.begin(two);
      acks.begin(five);
      acks.done(m(3));
      acks.flush();
      expect(acked).toEqual([]);
      acks.done(two);
      acks.flush();
      expect(acked).toEqual([3]);
    });

    it('a handled message waiting behind an in-flight one is held while its own redelivery is in flight', () => {
      const acked: number[] = [];
      const m = msgs(acked);
      const acks = new CumulativeAcks(1_000);
      const [three, redelivered] = [m(3), m(5)];
      acks.begin(three);
      acks.done(m(5));
      acks.begin(redelivered);
      acks.done(three);
      acks.flush();
      expect(acked).toEqual([3]);
      acks.done(redelivered);
      acks.flush();
      expect(acked).toEqual([3, 5]);
    });

    it('a redelivery of what is already acked is not acked again', () => {
      const acked: number[] = [];
      const m = msgs(acked);
      const acks = new CumulativeAcks(1_000);
      acks.done(m(5));
      acks.flush();
      const redelivered = m(5);
      acks.begin(redelivered);
      acks.done(redelivered);
      acks.flush();
      expect(acked).toEqual([5]);
    });

    it('counts as pending both what is in flight and what waits behind it', () => {
      const m = msgs([]);
      const acks = new CumulativeAcks(1_000);
      acks.begin(m(1));
      acks.done(m(2));
      acks.done(m(3));
      expect(acks.pending).toBe(3);
    });
  });
});
