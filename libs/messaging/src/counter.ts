import type { KV } from '@nats-io/kv';
import { decodeJson, encodeJson } from './connection';

/**
 * The next value of a compare-and-set counter in a KV bucket (1, 2, 3 …): integers that are unique
 * across every replica of every service, without a lock service.
 */
export async function nextCounterValue(kv: KV, key: string): Promise<number> {
  for (;;) {
    const entry = await kv.get(key);
    try {
      if (!entry || entry.operation !== 'PUT') {
        await kv.create(key, encodeJson(1));
        return 1;
      }
      const next = decodeJson<number>(entry.value) + 1;
      await kv.update(key, encodeJson(next), entry.revision);
      return next;
    } catch {
      // Another writer won the race: read again.
    }
  }
}
