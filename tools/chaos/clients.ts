import { EventSource } from 'eventsource';

/**
 * A browser's EventSource on a run's Travelmode stream (cookie, `retry:`, `Last-Event-ID` on
 * every reconnect, done at `run_finished`), recording every sequence it was sent.
 */
export class BrowserClient {
  readonly received: number[] = [];
  reconnects = 0;
  finished = false;
  private source: EventSource | null = null;

  constructor(
    readonly runId: string,
    /** The stream's URL without a query. */
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Opens the stream after `since` (a page resuming from what it has shown). */
  open(since = 0): void {
    const cookie = `session_token=${this.token}`;
    const source = new EventSource(`${this.url}?since=${since}`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie } }),
    });
    source.onmessage = (message) => {
      const frame = JSON.parse(message.data) as { type: string; event?: { sequence: number } };
      if (frame.type === 'run_event' && frame.event) this.received.push(frame.event.sequence);
      if (frame.type === 'run_finished') {
        this.finished = true;
        source.close();
      }
    };
    // A dropped connection is retried by the EventSource itself (after `retry:`, with
    // Last-Event-ID); an answer that is not a stream (a 502 while a service is down) closes it,
    // and the page opens a new one from the last event it showed.
    source.onerror = () => {
      this.reconnects++;
      if (source.readyState === EventSource.CLOSED && !this.finished) setTimeout(() => this.finished || this.open(this.received.at(-1) ?? 0), 1_000);
    };
    this.source = source;
  }

  close(): void {
    this.source?.close();
  }

  /** Sequences missing from 1..n, and those received more than once. */
  tally(n: number): { lost: number; duplicated: number } {
    const seen = new Map<number, number>();
    for (const s of this.received) seen.set(s, (seen.get(s) ?? 0) + 1);
    let lost = 0;
    for (let s = 1; s <= n; s++) if (!seen.has(s)) lost++;
    const duplicated = [...seen.values()].reduce((sum, c) => sum + (c - 1), 0) + [...seen.keys()].filter((s) => s < 1 || s > n).length;
    return { lost, duplicated };
  }
}
