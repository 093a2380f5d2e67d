// Writes schema/conv-result.schema.json from the zod models (src/result-schema.ts), after a build.
import { writeFileSync } from 'node:fs';
import { resultJsonSchema } from '../dist/index.js';

const file = new URL('../schema/conv-result.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(resultJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
