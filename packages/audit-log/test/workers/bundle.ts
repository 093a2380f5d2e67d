import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspaceEsbuildPlugin } from '@conv/testkit';

/**
 * Child processes run plain Node (no TypeScript loader on Node 20): bundle a worker with esbuild, which the
 * workspace already has through tsup, resolving @conv packages to their sources like the vitest aliases do.
 */
interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');

export async function bundleWorker(name: string, outDir: string): Promise<string> {
  const requireFromRoot = createRequire(join(repoRoot, 'package.json'));
  const requireFromTsup = createRequire(requireFromRoot.resolve('tsup'));
  const esbuild = requireFromTsup('esbuild') as EsbuildLike;
  const outfile = join(outDir, `${name}.mjs`);
  await esbuild.build({
    entryPoints: [join(here, `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    plugins: [workspaceEsbuildPlugin()],
    external: ['pg-native'],
    // CommonJS dependencies (pg, proper-lockfile) call require() inside an ESM bundle.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}
