#!/usr/bin/env node
import { runMain } from '@conv/cli';
import { alkemio } from './profile.js';

await runMain(process.argv.slice(2), {
  name: alkemio.name,
  profile: alkemio.profile,
  ...(alkemio.database ? { database: alkemio.database } : {}),
});
