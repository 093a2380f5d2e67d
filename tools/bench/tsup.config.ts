import { defineConfig } from 'tsup';

export default defineConfig({
  // Every top-level module is its own entry: index.js loads the optional steps (import.js, verify.js) and
  // runs export-child.js in a separate process.
  entry: ['src/*.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // binlog.js starts its MariaDB through the test harness: load it at run time, do not bundle testcontainers.
  external: ['@conv/testkit'],
});
