import type { RunEvent, RunEventType } from '#contracts';
import { RUN_EVENT_TYPES } from '#contracts';
import { THREAD_RUNS_EVENTS } from './thread-runs/events';
import { TRAVELMODE_EVENTS } from './travelmode/events';
import { VERTESIA_MESSAGES } from './vertesia/messages';

/** Any field of any event data reads as a placeholder: enough to see what a table entry shows. */
const anyData = new Proxy({} as Record<string, unknown>, {
  get: (_t, key) => (key === 'agent' ? { name: 'agent', version: '1' } : key === 'spec' ? { input: { message: 'm' } } : typeof key === 'string' ? key : undefined),
});
const row = <T>(table: Record<RunEventType, (data: never, event: never) => T>, type: RunEventType): T =>
  (table[type] as (data: unknown, event: unknown) => T)(anyData, { type, data: anyData, metadata: { sequence: 1, createdAt: '' } } as unknown as RunEvent);
const keys = (value: unknown) => (value && typeof value === 'object' ? Object.keys(value).map((k) => `\`${k}\``).join(', ') : '');

/**
 * docs/dialects.md, derived from the dialects' tables (`npm run docs:dialects` writes it; a unit
 * spec fails while it is stale): what each internal event is called, and carries, in each dialect.
 */
export function dialectsDocument(): string {
  const lines = [
    '# The dialects\' event tables',
    '',
    'Generated from `libs/dialects` by `npm run docs:dialects`; do not edit. Each internal event (`libs/contracts/src/events.ts`)',
    'as each dialect shows it: Travelmode\'s `eventType` and `payload` keys (events page and `run_event` frames), seed 003\'s',
    '`type` and `data` keys (`GET /v1/runs/{id}/events`), and Vertesia\'s message type (`/updates`, `/stream`; none: the event',
    'shows no message; each message also carries the compact form `t`, `m`, `d`, `ts`). Sequence 0 (the creation record) is never streamed.',
    '',
    '| internal event | Travelmode | seed 003 | Vertesia messages |',
    '| --- | --- | --- | --- |',
  ];
  for (const type of RUN_EVENT_TYPES) {
    const t = row(TRAVELMODE_EVENTS, type);
    const r = row(THREAD_RUNS_EVENTS, type);
    const v = row(VERTESIA_MESSAGES, type);
    const messages = v === null ? 'none' : `\`${v.type}\``;
    lines.push(`| \`${type}\` | \`${t.eventType}\` (${keys(t.payload)}) | \`${r.type}\` (${keys(r.data)}) | ${messages} |`);
  }
  return `${lines.join('\n')}\n`;
}
