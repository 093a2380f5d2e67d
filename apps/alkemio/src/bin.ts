#!/usr/bin/env -S node --
// `node --`: Node 20 reads `--env-file` anywhere on its command line (and loads the file into the environment);
// after `--` every argument reaches conv, which parses `.env` itself and names a missing file (exit 2).
import { runMain } from '@conv/cli';
import { alkemio } from './profile.js';

await runMain(process.argv.slice(2), {
  name: alkemio.name,
  profile: alkemio.profile,
  ...(alkemio.database ? { database: alkemio.database } : {}),
});
