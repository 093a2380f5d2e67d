#!/usr/bin/env node
// `pnpm test:mysql8`: the whole suite against MySQL 8.4 and then MySQL 8.0 (testcontainers), one server per
// run, handed to the harness through CONV_TEST_MYSQL_URL. PostgreSQL is found as usual (CONV_TEST_PG_URL,
// the local server, else a postgres:16 container).
//
//   pnpm test:mysql8                         # mysql:8.4, then mysql:8.0
//   pnpm test:mysql8 --image mysql:8.0.16    # one image (e.g. a release before CAST(… AS DOUBLE))
//   pnpm test:mysql8 -- --filter @conv/verify  # arguments after -- go to `turbo run test`
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_IMAGES = ['mysql:8.4', 'mysql:8.0'];

function parseArgs(argv) {
  const images = [];
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--image' && argv[i + 1]) {
      images.push(argv[++i]);
    } else if (argv[i] === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    } else {
      rest.push(argv[i]);
    }
  }
  return { images: images.length ? images : DEFAULT_IMAGES, rest };
}

function dockerReachable() {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function main() {
  const { images, rest } = parseArgs(process.argv.slice(2));
  if (!dockerReachable()) {
    process.stderr.write(
      'test:mysql8 needs a Docker engine for testcontainers (no DOCKER_HOST, no /var/run/docker.sock).\n' +
        'Without Docker, point the suite at a MySQL 8 server yourself: CONV_TEST_MYSQL_URL=mysql://USER:PASSWORD@HOST:PORT/ pnpm test\n',
    );
    process.exit(2);
  }
  const { MySqlContainer } = await import('@testcontainers/mysql');
  const results = [];
  for (const image of images) {
    process.stderr.write(`\n[test:mysql8] starting ${image} …\n`);
    const container = await new MySqlContainer(image).withRootPassword('conv').start();
    const url = `mysql://root:conv@${container.getHost()}:${container.getPort()}/`;
    try {
      const run = spawnSync('pnpm', ['run', 'test:only', ...rest], {
        stdio: 'inherit',
        env: { ...process.env, CONV_TEST_MYSQL_URL: url },
      });
      results.push({ image, status: run.status ?? 1 });
    } finally {
      await container.stop();
    }
  }
  process.stderr.write('\n[test:mysql8] results\n');
  for (const r of results)
    process.stderr.write(`  ${r.image}: ${r.status === 0 ? 'passed' : `failed (exit ${r.status})`}\n`);
  process.exit(results.every((r) => r.status === 0) ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`[test:mysql8] ${err?.message ?? err}\n`);
  process.exit(1);
});
