import { createHash } from 'node:crypto';
import { download, rawRequest } from './support/artifacts';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/** Vertesia path-addressed file artifacts through the gateway: upload, list, download, Range, signed URLs. */
describe('file artifacts (Vertesia)', () => {
  let system: TestSystem;
  const owner = 'usr_files_owner';
  const stranger = 'usr_files_other';
  const token = tokenFor(owner);
  let runId: string;
  let base: string;

  beforeAll(async () => {
    system = await TestSystem.start({
      workers: 0,
      artifactServiceEnv: { ARTIFACT_URL_TTL_SECONDS: '3' },
    });
    base = system.gateway!.url;
    const tripId = await system.thread(owner);
    runId = (await system.api(owner).post('/v1/agent-runs', { tripId, triggerMessage: 'files' })).body.run.id;
  });
  afterAll(() => system?.stop());

  const url = (path: string) => `/api/v1/agents/${runId}/artifacts/${path}`;
  const put = (path: string, body: Buffer, contentType = 'text/csv', as = token) =>
    rawRequest(base, 'PUT', url(path), { token: as, body, headers: { 'content-type': contentType } });
  const auth = { authorization: `Bearer ${token}` };

  it('uploads, lists and downloads a small file with its headers, and replaces it on a new upload', async () => {
    const bytes = Buffer.from('city,days\nRome,3\n');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const created = await put('reports/data.csv', bytes);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ path: 'reports/data.csv', size: bytes.length, content_type: 'text/csv', sha256: sha, created_at: expect.any(String) });

    const got = await download(`${base}${url('reports/data.csv')}`, auth);
    expect(got).toMatchObject({ status: 200, size: bytes.length, sha256: sha });
    expect(got.headers.get('content-type')).toBe('text/csv');
    expect(got.headers.get('content-length')).toBe(String(bytes.length));
    expect(got.headers.get('etag')).toBe(`"${sha}"`);
    expect((await download(`${base}${url('reports/data.csv')}`, { ...auth, 'if-none-match': `"${sha}"` })).status).toBe(304);

    const replacement = Buffer.from('city,days\nRome,4\n');
    const replaced = await put('reports/data.csv', replacement, 'text/plain');
    expect(replaced.status).toBe(200);
    const list = await system.api(owner).get(`/api/v1/agents/${runId}/artifacts?details=true`);
    expect(list.status).toBe(200);
    // Without details: the paths, as the official Vertesia client reads them.
    const paths = await system.api(owner).get(`/api/v1/agents/${runId}/artifacts`);
    expect(paths.body).toEqual(list.body.map((f: { path: string }) => f.path));
    expect(paths.body).toContain('reports/data.csv');
    expect(list.body.filter((f: { path: string }) => f.path === 'reports/data.csv')).toEqual([
      expect.objectContaining({ size: replacement.length, content_type: 'text/plain', sha256: createHash('sha256').update(replacement).digest('hex') }),
    ]);
    // What an upload answers is exactly what the read model then lists.
    expect(list.body.find((f: { path: string }) => f.path === 'reports/data.csv')).toEqual(replaced.body);
    expect((await download(`${base}${url('reports/data.csv')}`, auth)).head.toString()).toBe(replacement.toString());

    const empty = await put('empty.bin', Buffer.alloc(0), 'application/octet-stream');
    expect(empty.status).toBe(201);
    expect(await download(`${base}${url('empty.bin')}`, auth)).toMatchObject({ status: 200, size: 0 });
  });

  it('answers single byte ranges with 206 and unsatisfiable ones with 416', async () => {
    const bytes = Buffer.alloc(300 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 251;
    expect((await put('range.bin', bytes, 'application/octet-stream')).status).toBe(201);
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=131070-131080', 131070, 131080], // across the 128 KiB chunk boundary
      ['bytes=300000-', 300000, bytes.length - 1],
      ['bytes=-100', bytes.length - 100, bytes.length - 1],
      ['bytes=307000-999999999', 307000, bytes.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await download(`${base}${url('range.bin')}`, { ...auth, range });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(res.head.equals(bytes.subarray(start, end + 1))).toBe(true);
    }
    const unsatisfiable = await download(`${base}${url('range.bin')}`, { ...auth, range: `bytes=${bytes.length}-` });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    // If-Range with another validator: the whole file.
    expect((await download(`${base}${url('range.bin')}`, { ...auth, range: 'bytes=0-9', 'if-range': '"other"' })).size).toBe(bytes.length);
  });

  it('makes signed URLs that work without credentials only for that file and method, until they expire', async () => {
    const bytes = Buffer.from('%PDF-1.7 pretend');
    await put('docs/report.pdf', bytes, 'application/pdf');
    await put('docs/other.pdf', Buffer.from('other'), 'application/pdf');
    const signed = await system.api(owner).get(`/api/v1/agents/${runId}/artifacts/docs/report.pdf?url=1&disposition=inline`);
    expect(signed.status).toBe(200);
    const link = new URL(signed.body.url as string);
    expect(link.origin).toBe(base);
    const ok = await download(link.toString());
    expect(ok).toMatchObject({ status: 200, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(ok.headers.get('content-disposition')).toBe(`inline; filename*=UTF-8''report.pdf`);

    const tamper = (mutate: (u: URL) => void) => {
      const u = new URL(link.toString());
      mutate(u);
      return download(u.toString());
    };
    const forbidden = [
      await tamper((u) => u.searchParams.set('sig', `${u.searchParams.get('sig')!.slice(0, -2)}AA`)),
      await tamper((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))),
      await tamper((u) => u.searchParams.set('disposition', 'attachment')),
      await tamper((u) => (u.pathname = u.pathname.replace('report.pdf', 'other.pdf'))),
    ];
    for (const res of forbidden) expect(res.status).toBe(403);
    const wrongMethod = await rawRequest(base, 'PUT', `${link.pathname}${link.search}`, { body: Buffer.from('evil') });
    expect(wrongMethod.status).toBe(403);
    expect(wrongMethod.body).toEqual({ error: expect.any(String) });
    const listing = await rawRequest(base, 'GET', `/api/v1/agents/${runId}/artifacts${link.search}`);
    expect(listing.status).toBe(403);
    expect((await download(`${base}${url('docs/report.pdf')}`)).status).toBe(401);

    await new Promise((r) => setTimeout(r, 3_500));
    const expired = await download(link.toString());
    expect(expired.status).toBe(403);
  });

  it('refuses traversal, absolute, empty-segment, control-character and over-long paths with 400', async () => {
    const bad = [
      '..%2Fsecret',
      'a/../b',
      '%2e%2e/b',
      'a/%2E%2E',
      './a',
      '%2Fetc%2Fpasswd',
      '/etc/passwd',
      'a//b',
      'a/',
      'a%00b',
      'a%0Ab',
      'a%5Cb',
      'bad%zz',
      'x'.repeat(1025),
      `${'y'.repeat(256)}/z`,
    ];
    for (const path of bad) {
      const res = await rawRequest(base, 'PUT', url(path), { token, body: Buffer.from('x') });
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body).toEqual({ error: expect.any(String) });
      expect((await rawRequest(base, 'GET', url(path), { token })).status).toBe(400);
    }
    // Unicode is normalized: two spellings of one name address one file.
    expect((await put(encodeURIComponent('caf\u00e9.txt'), Buffer.from('nfc'))).status).toBe(201);
    expect((await download(`${base}${url(encodeURIComponent('cafe\u0301.txt'))}`, auth)).head.toString()).toBe('nfc');
  });

  it('is owner-only: another user, an unknown run or file is 404', async () => {
    await put('mine.txt', Buffer.from('mine'));
    const other = tokenFor(stranger);
    const unknownRun = '/api/v1/agents/00000000-0000-4000-8000-000000000000/artifacts';
    for (const res of [
      await rawRequest(base, 'GET', url('mine.txt'), { token: other }),
      await rawRequest(base, 'GET', url('mine.txt?url=1'), { token: other }),
      await rawRequest(base, 'GET', `/api/v1/agents/${runId}/artifacts`, { token: other }),
      await rawRequest(base, 'PUT', url('theirs.txt'), { token: other, body: Buffer.from('x') }),
      await rawRequest(base, 'GET', unknownRun, { token }),
      await rawRequest(base, 'PUT', `${unknownRun}/x.txt`, { token, body: Buffer.from('x') }),
      await rawRequest(base, 'GET', url('missing.txt'), { token }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    const files = (await system.api(owner).get(`/api/v1/agents/${runId}/artifacts`)).body as string[];
    expect(files).not.toContain('theirs.txt');
  });

  it('records an upload in the run log as ARTIFACT_CREATED', async () => {
    await put('log.txt', Buffer.from('in the log'));
    const events = (await system.api(owner).get(`/v1/agent-runs/${runId}/events?since=0`)).body.events;
    expect(events.filter((e: { eventType: string; payload: { path: string } }) => e.eventType === 'ARTIFACT_CREATED' && e.payload.path === 'log.txt')).toHaveLength(1);
  });
});
