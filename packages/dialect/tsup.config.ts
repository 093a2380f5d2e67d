import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { 'mysql/index': 'src/mysql/index.ts', 'postgres/index': 'src/postgres/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
