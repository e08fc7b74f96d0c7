/**
 * What the read model can store, checked before anything reaches the log: an event the projector
 * cannot write would stall it. Postgres refuses NUL (`\u0000`) anywhere in text or JSON, text that
 * is not Unicode (a lone UTF-16 surrogate, which JSON can spell as `"\ud800"`), and very deep
 * JSON; JavaScript gives `__proto__`, `constructor` and `prototype` keys a meaning no
 * request means.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_KEY_LENGTH = 256;
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as text, or null. */
function badText(s: string): string | null {
  if (s.includes('\u0000')) return 'a NUL character';
  if (LONE_SURROGATE.test(s)) return 'text that is not valid Unicode';
  return null;
}

/**
 * Why `value` cannot be stored, or null. Iterative, so input nested thousands deep cannot overflow
 * the stack; the reason names no part of the input (error messages do not echo what was sent).
 */
export function unstorable(value: unknown, what = 'the request'): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return `${what} contains ${bad}`;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `${what} is nested more than ${MAX_JSON_DEPTH} deep`;
    for (const key of Object.keys(v)) {
      const bad = badText(key);
      if (bad) return `${what} has a key with ${bad}`;
      if (key.length > MAX_KEY_LENGTH) return `${what} has a key longer than ${MAX_KEY_LENGTH} characters`;
      if (FORBIDDEN_KEYS.has(key)) return `${what} has the key ${key}, which is not allowed`;
      stack.push([(v as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}
