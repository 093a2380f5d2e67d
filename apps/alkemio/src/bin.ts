#!/usr/bin/env node
import { main } from './index.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Let stdout drain; a connection pool left open by a library must not keep the process alive.
setTimeout(() => process.exit(code), 2000).unref();
