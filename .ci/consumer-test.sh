#!/usr/bin/env bash
# The packages as a platform team gets them: `pnpm pack` each publishable package, install the tarballs
# into a scratch project outside the workspace (npm, registry for third-party deps), compile every ```ts
# example of the READMEs with `tsc --strict`, and run the runMigration example against the test servers
# (CONV_TEST_MYSQL_URL / CONV_TEST_PG_URL, default the local ones) on throw-away databases.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d /tmp/conv-consumer-XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$scratch"' EXIT
cd "$repo"
pnpm exec turbo run build --filter='./packages/*' --filter='./apps/*' --output-logs=errors-only >/dev/null
mkdir -p "$scratch/tarballs"
deps=()
for dir in packages/* apps/*; do
  [ "$(node -p "require('./$dir/package.json').private === true")" = true ] && continue
  name=$(node -p "require('./$dir/package.json').name")
  (cd "$dir" && pnpm pack --pack-destination "$scratch/tarballs" >/dev/null)
  tgz=$(ls -t "$scratch"/tarballs/*.tgz | head -1)
  deps+=("\"$name\": \"file:$tgz\"")
done
cd "$scratch"
joined=$(IFS=,; echo "${deps[*]}")
cat > package.json <<JSON
{ "name": "conv-consumer", "private": true, "type": "module",
  "dependencies": { $joined },
  "overrides": { $joined },
  "devDependencies": { "typescript": "^5.9.0", "@types/node": "^20.19.0" } }
JSON
npm install --no-audit --no-fund --loglevel=error >/dev/null
# Every ```ts block of the READMEs becomes one module.
mkdir -p examples
node --input-type=module -e "
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
let n = 0;
for (const group of ['packages', 'apps']) for (const pkg of readdirSync('$repo/' + group)) {
  let text; try { text = readFileSync('$repo/' + group + '/' + pkg + '/README.md', 'utf8'); } catch { continue; }
  // Examples are the blocks that import a package (the others list signatures).
  for (const m of text.matchAll(/\`\`\`ts\n([\s\S]*?)\`\`\`/g)) if (/from '@conv\//.test(m[1]))
    writeFileSync('examples/' + pkg + '-' + (++n) + '.ts', 'export {};\n' + m[1]);
}
console.log(n + ' README examples');
"
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
  "noEmit": true, "skipLibCheck": false, "types": ["node"] }, "include": ["examples/*.ts"] }
JSON
# Run the runMigration example against the test servers, on throw-away databases.
db="conv_consumer_$(date +%s)_$$"
mysql_url=${CONV_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/}
pg_url=${CONV_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
cat > run.mjs <<JS
import mysql from 'mysql2/promise';
import pg from 'pg';
import { runMigration } from '@conv/cli';
const my = await mysql.createConnection({ uri: '$mysql_url', multipleStatements: true });
await my.query('CREATE DATABASE \`$db\`');
await my.query('CREATE TABLE \`$db\`.t (id int primary key, name varchar(20)); INSERT INTO \`$db\`.t VALUES (1, "a"), (2, NULL)');
const admin = new pg.Client({ connectionString: '$pg_url' });
await admin.connect();
await admin.query('CREATE DATABASE $db');
const pgu = new URL('$pg_url'); pgu.pathname = '/$db';
const myu = new URL('$mysql_url'); myu.pathname = '/$db';
const target = new pg.Client({ connectionString: pgu.toString() });
await target.connect();
await target.query('CREATE TABLE t (id int primary key, name varchar(20))');
await target.end();
try {
  const result = await runMigration({ mysqlUrl: myu.toString(), pgUrl: pgu.toString(), app: 'consumer' });
  if (!result.ok) throw new Error('migration failed: ' + JSON.stringify(result.error));
  console.log('runMigration from the packed packages: ok, ' + result.verify.totals.sourceRows + ' rows verified');
} finally {
  await my.query('DROP DATABASE \`$db\`'); await my.end();
  await admin.query('DROP DATABASE $db WITH (FORCE)'); await admin.end();
}
JS
npm install --no-audit --no-fund --loglevel=error mysql2 pg >/dev/null
node run.mjs
npx tsc -p tsconfig.json
echo "tsc --strict: README examples compile against the packed packages"
