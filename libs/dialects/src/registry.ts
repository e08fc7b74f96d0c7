import type { DialectBase, RenderedError } from './dialect';
import { travelmode } from './travelmode';
import { VERTESIA_ROUTES } from './vertesia';

/** Every dialect Runstream speaks. */
export const DIALECTS: readonly DialectBase[] = [travelmode];
/** Routes of every dialect (Vertesia's artifact routes are served before its dialect module is complete). */
export const DIALECT_ROUTES = [VERTESIA_ROUTES, ...DIALECTS.map((d) => d.routes)];

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
