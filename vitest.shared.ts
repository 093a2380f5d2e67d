// Shared vitest settings: every package's tests run against the workspace sources (no build needed)
// and share one global setup that finds real database servers (see packages/testkit).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceEntries } from './packages/testkit/src/workspace.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Exact specifiers only (see workspaceEntries): `@conv/dialect/mysql` never falls under `@conv/dialect`. */
function workspaceAliases(): { find: RegExp; replacement: string }[] {
  return [...workspaceEntries()].map(([spec, entry]) => ({
    find: new RegExp(`^${spec.replace(/[/.]/g, '\\$&')}$`),
    replacement: entry,
  }));
}

export function convTestConfig(packageDir: string, overrides: { testTimeout?: number } = {}) {
  return defineConfig({
    root: packageDir,
    resolve: { alias: workspaceAliases() },
    test: {
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      globalSetup: [resolve(root, 'packages/testkit/src/global-setup.ts')],
      testTimeout: overrides.testTimeout ?? 120_000,
      hookTimeout: 180_000,
      pool: 'forks',
      maxWorkers: 2,
    },
  });
}
