import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialectsDocument } from '#dialects';

/** Writes docs/dialects.md from the dialects' tables (a unit spec fails while it is out of date). */
const target = join(__dirname, '../../docs/dialects.md');
writeFileSync(target, dialectsDocument());
console.log(`wrote ${target}`);
