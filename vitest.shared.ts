// Shared vitest settings: every package's tests run against the workspace sources (no build needed)
// and share one global setup that finds real database servers (see packages/testkit).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Each workspace package's export entries mapped to their sources: `./dist/x/index.d.ts` → `src/x/index.ts`.
 * Exact matches only, so `@conv/dialect/mysql` never falls through to a `@conv/dialect` prefix.
 */
function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgFile = join(dir, name, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
        name: string;
        exports?: Record<string, { types?: string; import?: string }>;
      };
      for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
        const built = target.types ?? target.import ?? '';
        const source = built.replace(/^\.\/(dist|src)\//, 'src/').replace(/\.d\.ts$|\.js$/, '.ts');
        const entry = join(dir, name, source);
        if (!existsSync(entry)) continue;
        const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
        aliases.push({ find: new RegExp(`^${spec.replace(/[/.]/g, '\\$&')}$`), replacement: entry });
      }
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
