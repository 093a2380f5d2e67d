import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/**
 * Every export entry of every workspace package mapped to its source file (`./dist/x/index.d.ts` →
 * `src/x/index.ts`), exact specifiers only: `@conv/dialect/mysql` is its own entry, never a path under
 * `@conv/dialect`. Tests and bundled test workers run on the sources, no build needed.
 */
export function workspaceEntries(): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = join(repoRoot, group);
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
        if (existsSync(entry)) out.set(sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`, entry);
      }
    }
  }
  return out;
}

/** The same map as an esbuild plugin, for test workers bundled to run in plain Node. */
export function workspaceEsbuildPlugin() {
  const entries = workspaceEntries();
  return {
    name: 'conv-workspace-sources',
    setup(build: {
      onResolve(
        options: { filter: RegExp },
        cb: (args: { path: string }) => { path: string } | undefined,
      ): void;
    }) {
      build.onResolve({ filter: /^@conv\// }, (args) => {
        const path = entries.get(args.path);
        return path ? { path } : undefined;
      });
    },
  };
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}

/**
 * Bundles a test worker (`entry`: its absolute .ts path, inside its package so that package's node_modules
 * resolve) to `<outDir>/<name>.mjs` and returns that file. Child processes run plain Node (no TypeScript
 * loader on Node 20); esbuild comes with tsup, and every @conv package resolves to its sources.
 */
export async function bundleWorker(entry: string, outDir: string): Promise<string> {
  const requireFromRoot = createRequire(join(repoRoot, 'package.json'));
  const esbuild = createRequire(requireFromRoot.resolve('tsup'))('esbuild') as EsbuildLike;
  const outfile = join(outDir, `${basename(entry, '.ts')}.mjs`);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    plugins: [workspaceEsbuildPlugin()],
    // Optional native add-ons of pg and ssh2 (testcontainers), never loaded by the workers.
    external: ['pg-native', 'cpu-features', 'ssh2'],
    // CommonJS dependencies (pg, mysql2, proper-lockfile) call require() inside an ESM bundle.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}
