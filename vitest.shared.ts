// Shared vitest settings: every package's tests run against the workspace sources (no build needed)
// and share one global setup that finds real database servers (see packages/testkit).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgFile = join(dir, name, 'package.json');
      const entry = join(dir, name, 'src', 'index.ts');
      if (!existsSync(pkgFile) || !existsSync(entry)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string };
      aliases[pkg.name] = entry;
    }
  }
  return aliases;
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
