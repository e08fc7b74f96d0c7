import type { DialectBase, RenderedError } from './dialect';
import { threadRuns } from './thread-runs';
import { travelmode } from './travelmode';
import { vertesia } from './vertesia';

/** Every dialect Runstream speaks, the most specific prefixes first (seed 003 shares `/v1/threads`). */
export const DIALECTS: readonly DialectBase[] = [vertesia, threadRuns, travelmode];
/** Routes of every dialect. */
export const DIALECT_ROUTES = DIALECTS.map((d) => d.routes);

const anchored = (sources: string[]) => new RegExp(`^(?:${sources.map((s) => `(?:${s})`).join('|')})$`);

/** Paths the stream-service serves (the gateway proxies them; the k8s ingress routes them). */
export const STREAM_PATH = anchored(DIALECT_ROUTES.flatMap((r) => r.streams));
/** Paths the artifact-service serves. */
export const ARTIFACT_PATH = anchored(DIALECT_ROUTES.flatMap((r) => r.artifacts));

const prefixed = DIALECTS.map((d) => ({ dialect: d, pattern: new RegExp(`^(?:${d.routes.prefixes.join('|')})(?:/|$)`) }));

/** The dialect whose routes a path belongs to (Travelmode, the native API, for anything else). */
export function dialectForPath(path: string): DialectBase {
  const pathname = path.split('?')[0] ?? '';
  return prefixed.find((p) => p.pattern.test(pathname))?.dialect ?? travelmode;
}

/** The body of an error answered on `path`, in that dialect's shape. */
export const errorBodyFor = (path: string, error: RenderedError): unknown => dialectForPath(path).errorBody(error);
