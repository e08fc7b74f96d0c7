import { encodeArtifactPath, normalizeArtifactPath } from './artifact-path';

describe('normalizeArtifactPath', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['reports/2026/q1.csv', 'reports/2026/q1.csv'],
    ['with%20space.txt', 'with space.txt'],
    ['cafe%CC%81.txt', 'caf\u00e9.txt'],
    ['..hidden/x..y', '..hidden/x..y'],
  ])('accepts %s as %s', (raw, path) => expect(normalizeArtifactPath(raw)).toBe(path));

  it.each([
    '', '..', '../x', 'a/../b', 'a/..', '%2e%2e/x', '.', './x', 'a/./b', '/abs', '%2Fabs', 'a//b', 'a/', 'a%00b', 'a%1Fb',
    'a%7Fb', 'a%C2%85b', 'a%5Cb', '%E0%A4%A', 'x'.repeat(1025), `${'y'.repeat(256)}/z`,
  ])('refuses %s', (raw) => expect(() => normalizeArtifactPath(raw)).toThrow(/invalid artifact path/));

  it('round-trips through its URL form', () => {
    const path = 'a b/ü?#%/c';
    expect(normalizeArtifactPath(encodeArtifactPath(path))).toBe(path);
  });
});
