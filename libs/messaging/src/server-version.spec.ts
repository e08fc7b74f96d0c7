import { serializableWhenReplicated } from './server-version';

describe('serializableWhenReplicated', () => {
  it.each([
    ['2.9.10', false],
    ['2.9.20', false],
    ['2.9.21', true],
    ['2.9.25', true],
    ['2.10.0', true],
    ['2.12.1', true],
    ['3.0.0', true],
    ['v2.9.21', true],
    ['2.8.4', false],
    ['1.99.99', false],
    ['2.11.0-beta.1', true],
    ['', false],
    ['nonsense', false],
  ])('given nats-server %s, then %s', (version, expected) => {
    expect(serializableWhenReplicated(version)).toBe(expected);
  });

  it('given no version at all, then false', () => {
    expect(serializableWhenReplicated(undefined)).toBe(false);
  });
});
