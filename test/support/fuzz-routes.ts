import { request } from 'node:http';

/** The ids a route's path parameters stand for (the fuzzing user's own objects). */
export interface FuzzIds {
  runId: string;
  threadId: number;
  artifactId: number;
  keyId: string;
}

/** A route of some dialect, with a body that would be valid (the fuzzer bends it). */
export interface FuzzRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: string[];
  body?: (ids: FuzzIds) => Record<string, unknown>;
  /** Answers text/event-stream on success (read only as far as its status). */
  stream?: boolean;
  /** Takes raw bytes (file upload). */
  bytes?: boolean;
}

/** Every public route of every dialect (the controllers' decorators; the stream-service's streams). */
export const FUZZ_ROUTES: FuzzRoute[] = [
  // Travelmode
  { method: 'POST', path: '/v1/threads', body: () => ({ title: 'Rome', metadata: { days: 3 } }) },
  { method: 'GET', path: '/v1/threads', query: ['limit', 'cursor'] },
  { method: 'GET', path: '/v1/threads/:threadId' },
  { method: 'PATCH', path: '/v1/threads/:threadId', body: () => ({ title: 'Rome', metadata: { days: 4 } }) },
  { method: 'POST', path: '/v1/agent-runs', body: (ids) => ({ tripId: ids.threadId, triggerMessage: 'Plan 2 days in Rome' }) },
  { method: 'GET', path: '/v1/agent-runs', query: ['status', 'tripId', 'limit', 'cursor'] },
  { method: 'GET', path: '/v1/agent-runs/:runId' },
  { method: 'POST', path: '/v1/agent-runs/:runId/control', body: () => ({ action: 'cancel', reason: 'fuzz' }) },
  { method: 'GET', path: '/v1/agent-runs/:runId/events', query: ['since', 'limit'] },
  { method: 'POST', path: '/v1/agent-runs/:runId/input', body: () => ({ content: 'Lisbon' }) },
  { method: 'POST', path: '/v1/agent-runs/:runId/signal/:name', body: () => ({ payload: { seat: 'window' } }) },
  { method: 'GET', path: '/v1/agent-runs/:runId/query/:name' },
  { method: 'GET', path: '/v1/agent-runs/:runId/artifacts', query: ['artifactType', 'isPinned'] },
  { method: 'GET', path: '/v1/agent-runs/:runId/artifacts/:artifactId' },
  { method: 'PATCH', path: '/v1/agent-runs/:runId/artifacts/:artifactId', body: () => ({ isPinned: true }) },
  { method: 'GET', path: '/v1/agent-runs/:runId/stream', query: ['since'], stream: true },
  { method: 'POST', path: '/v1/api-keys', body: () => ({ name: 'ci', scopes: ['workflow:run'] }) },
  { method: 'GET', path: '/v1/api-keys' },
  { method: 'DELETE', path: '/v1/api-keys/:keyId' },
  // threads/runs (seed 003)
  { method: 'POST', path: '/v1/threads/:threadId/messages', body: () => ({ role: 'user', content: 'Plan 2 days in Rome' }) },
  { method: 'GET', path: '/v1/threads/:threadId/messages', query: ['after', 'limit'] },
  { method: 'POST', path: '/v1/threads/:threadId/runs', body: () => ({ persona_id: 'trip-planner@1' }) },
  { method: 'GET', path: '/v1/threads/:threadId/runs' },
  { method: 'GET', path: '/v1/runs', query: ['status', 'thread_id', 'limit', 'before'] },
  { method: 'GET', path: '/v1/runs/:runId' },
  { method: 'POST', path: '/v1/runs/:runId:cancel', body: () => ({ reason: 'fuzz' }) },
  { method: 'POST', path: '/v1/runs/:runId/input', body: () => ({ content: 'Lisbon' }) },
  { method: 'GET', path: '/v1/runs/:runId/events', query: ['after_seq'], stream: true },
  // Vertesia (seed 004)
  { method: 'POST', path: '/api/v1/agents', body: () => ({ interaction: 'trip-planner', data: { task: 'Plan 2 days in Rome' } }) },
  { method: 'GET', path: '/api/v1/agents', query: ['status', 'limit', 'offset', 'sort', 'order', 'since', 'until'] },
  { method: 'GET', path: '/api/v1/agents/:runId' },
  { method: 'DELETE', path: '/api/v1/agents/:runId', query: ['reason'] },
  { method: 'POST', path: '/api/v1/agents/:runId/restart', body: () => ({}) },
  { method: 'POST', path: '/api/v1/agents/:runId/fork', body: () => ({}) },
  { method: 'POST', path: '/api/v1/agents/:runId/signal/:name', body: () => ({ note: 'window seat' }) },
  { method: 'GET', path: '/api/v1/agents/:runId/query/:name' },
  { method: 'GET', path: '/api/v1/agents/:runId/updates', query: ['since', 'limit'] },
  { method: 'GET', path: '/api/v1/agents/:runId/stream', query: ['since'], stream: true },
  { method: 'GET', path: '/api/v1/agents/:runId/artifacts' },
  { method: 'PUT', path: '/api/v1/agents/:runId/artifacts/*path', bytes: true },
  { method: 'GET', path: '/api/v1/agents/:runId/artifacts/*path', query: ['url', 'disposition'] },
  { method: 'GET', path: '/api/v1/interactions' },
];

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One request sent byte for byte. A stream is read only as far as its status; any other body in
 * full (bounded), so an error body can be checked.
 */
export function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  stream: boolean,
): Promise<FuzzResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (stream && contentType.startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, contentType, body: '' });
      }
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer in 15 s: ${method} ${path.slice(0, 200)}`)));
    req.on('error', reject);
    req.end(body);
  });
}
