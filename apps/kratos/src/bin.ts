#!/usr/bin/env node
import { runMain } from '@conv/cli';
import { kratos } from './profile.js';

await runMain(process.argv.slice(2), {
  name: kratos.name,
  profile: kratos.profile,
  ...(kratos.database ? { database: kratos.database } : {}),
});
