import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT_PATH, STREAM_PATH, dialectForPath } from './registry';
import { dialectsDocument } from './docs';
import { ingressManifest } from './ingress';

describe('routes derived from the dialects', () => {
  it('k8s/ingress.yaml is the manifest generated from the dialects (run `npm run k8s:ingress`)', () => {
    expect(readFileSync(join(__dirname, '../../../k8s/ingress.yaml'), 'utf8')).toBe(ingressManifest());
  });

  it.each([
    ['/v1/agent-runs/9f2a1c7e-0000-4000-8000-000000000000/stream', true],
    ['/v1/agent-runs/x/stream/more', false],
    ['/v1/agent-runs/x/events', false],
  ])('stream path %s → %s', (path, matches) => expect(STREAM_PATH.test(path)).toBe(matches));

  it.each([
    ['/v1/agent-runs/x/artifacts', true],
    ['/v1/agent-runs/x/artifacts/5012', true],
    ['/api/v1/agents/x/artifacts/reports/a.csv', true],
    ['/api/v1/agents/x/updates', false],
  ])('artifact path %s → %s', (path, matches) => expect(ARTIFACT_PATH.test(path)).toBe(matches));

  it('finds the dialect of a path by its prefixes, Travelmode (the native API) otherwise', () => {
    expect(dialectForPath('/v1/agent-runs/x?since=1').name).toBe('travelmode');
    expect(dialectForPath('/nowhere').name).toBe('travelmode');
  });
});

describe('docs derived from the dialects', () => {
  it('docs/dialects.md is the document generated from the event tables (run `npm run docs:dialects`)', () => {
    expect(readFileSync(join(__dirname, '../../../docs/dialects.md'), 'utf8')).toBe(dialectsDocument());
  });
});
