#!/usr/bin/env node
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), { name: 'conv' });
process.exitCode = code;
// Let stdout drain; a connection pool left open by a library must not keep the process alive.
setTimeout(() => process.exit(code), 2000).unref();
