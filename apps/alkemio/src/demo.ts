#!/usr/bin/env node
// `pnpm demo`: the whole Alkemio runbook on throw-away databases (see @conv/cli runDemo).
import { runDemo } from '@conv/cli';
import { alkemio } from './profile.js';

const { code } = await runDemo({ app: alkemio, fixture: 'alkemio', keep: !process.argv.includes('--drop') });
process.exitCode = code;
setTimeout(() => process.exit(code), 2000).unref();
