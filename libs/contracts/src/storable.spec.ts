import { MAX_JSON_DEPTH, MAX_KEY_LENGTH, unstorable } from './storable';

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

describe('what the read model can store', () => {
  it.each<[string, unknown]>([
    ['plain JSON', { title: 'Rome', tags: ['a', 'b'], n: 1, ok: true, none: null }],
    ['nesting at the limit', nested(MAX_JSON_DEPTH)],
    ['unicode', { t: 'café — 東京 🚆' }],
    ['a surrogate pair (an emoji) in a key', { ['🚆']: '\ud83d\ude86' }],
  ])('takes %s', (_name, value) => expect(unstorable(value)).toBeNull());

  it.each<[string, unknown, string]>([
    ['a NUL in a string', { title: 'a\u0000b' }, 'contains a NUL character'],
    ['a NUL deep in an array', { a: [{ b: ['x', 'y\u0000'] }] }, 'contains a NUL character'],
    ['a NUL in a key', { ['k\u0000']: 1 }, 'a key with a NUL character'],
    ['a lone high surrogate', { title: 'a\ud800b' }, 'not valid Unicode'],
    ['a lone high surrogate at the end', { t: ['x', 'y\udbff'] }, 'not valid Unicode'],
    ['a lone low surrogate', { title: '\udc00' }, 'not valid Unicode'],
    ['two high surrogates', { title: '\ud83d\ud83d\ude86' }, 'not valid Unicode'],
    ['a lone surrogate in a key', { ['k\ud800']: 1 }, 'a key with text that is not valid Unicode'],
    ['a key of 257 characters', { ['k'.repeat(257)]: 1 }, 'longer than 256'],
    ['__proto__', JSON.parse('{"__proto__": {"x": 1}}'), 'the key __proto__'],
    ['constructor', { constructor: 1 }, 'the key constructor'],
    ['prototype deep down', { a: { prototype: {} } }, 'the key prototype'],
    ['nesting one past the limit', nested(MAX_JSON_DEPTH + 1), `more than ${MAX_JSON_DEPTH} deep`],
  ])('refuses %s', (_name, value, reason) => expect(unstorable(value)).toContain(reason));

  it('walks 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(unstorable(deep)).toContain('nested more than');
  });
  it('never echoes the input in its reason', () => expect(unstorable({ secret: 'pass\u0000word' })).not.toContain('pass'));
});

describe('what the read model can store, at its edges', () => {
  const nestedAround = (leaf: unknown, depth: number): unknown => {
    let v = leaf;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  };
  it.each<[string, unknown]>([
    ['a number', 7],
    ['a boolean', false],
    ['null', null],
  ])('takes %s at the deepest level', (_name, leaf) => expect(unstorable(nestedAround(leaf, MAX_JSON_DEPTH))).toBeNull());
  it('refuses an empty object at that level (an object there is one level too deep)', () =>
    expect(unstorable(nestedAround({}, MAX_JSON_DEPTH))).toContain(`more than ${MAX_JSON_DEPTH} deep`));
  it('takes a key of exactly the limit', () => expect(unstorable({ ['k'.repeat(MAX_KEY_LENGTH)]: 1 })).toBeNull());
});
