#!/usr/bin/env node
import { runMain } from './cli.js';

await runMain(process.argv.slice(2), { name: 'conv' });
