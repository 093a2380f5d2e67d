import { defineConfig, type Options } from 'tsup';

/**
 * The build every workspace package shares (ESM for Node 20, declarations, source maps); a package's
 * tsup.config.ts names only its entries and what differs.
 */
export function packageBuild(entry: Options['entry'], overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...overrides,
  });
}
