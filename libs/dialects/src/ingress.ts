import { DIALECT_ROUTES } from './registry';

/**
 * The k8s ingress (ingress-nginx), derived from the dialects' routes: SSE streams and artifact
 * bytes go straight to their services, everything else to the gateway. `npm run k8s:ingress`
 * writes it to k8s/ingress.yaml; a unit spec checks the file is current.
 */
export function ingressManifest(): string {
  const path = (pattern: string, service: string) =>
    [
      `          - path: ${pattern}`,
      `            pathType: ImplementationSpecific`,
      `            backend: { service: { name: ${service}, port: { name: http } } }`,
    ].join('\n');
  const streams = DIALECT_ROUTES.flatMap((r) => r.streams).map((p) => path(p, 'stream-service'));
  const artifacts = DIALECT_ROUTES.flatMap((r) => r.artifacts).map((p) => path(p, 'artifact-service'));
  return `# Generated from the dialects' routes (libs/dialects) by \`npm run k8s:ingress\`; do not edit.
# One host, routed by path (ingress-nginx): SSE streams and artifact bytes go straight to their
# services instead of through the gateway's proxy (one process hop fewer per byte; see README
# "Benchmark", the "direct" column). Both services authenticate and check access themselves.
# Everything else goes to the gateway. Set the host and TLS secret for your cluster.
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: runstream
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    # SSE: no response buffering, long reads; uploads: streamed, up to ARTIFACT_MAX_BYTES (256 MiB).
    nginx.ingress.kubernetes.io/proxy-buffering: "off"
    nginx.ingress.kubernetes.io/proxy-request-buffering: "off"
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-body-size: "256m"
spec:
  ingressClassName: nginx
  tls:
    - hosts: [runstream.example.com]
      secretName: runstream-tls
  rules:
    - host: runstream.example.com
      http:
        paths:
${[...streams, ...artifacts].join('\n')}
          - path: /
            pathType: Prefix
            backend: { service: { name: gateway, port: { name: http } } }
`;
}
