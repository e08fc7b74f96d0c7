import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingressManifest } from '#dialects';

/** Writes k8s/ingress.yaml from the dialects' routes (a unit spec fails while it is out of date). */
const target = join(__dirname, '../../k8s/ingress.yaml');
writeFileSync(target, ingressManifest());
console.log(`wrote ${target}`);
