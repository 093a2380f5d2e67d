#!/usr/bin/env node
// `pnpm demo`: the whole Alkemio runbook on throw-away databases (see @conv/cli runDemo).
import { runDemo } from '@conv/cli';
import { alkemio } from './profile.js';

// Rows that show the profile at work: an interaction naming its virtual contributor by nameID (resolved to
// the id during export) and a whiteboard whose text column holds zlib bytes (carried as base64).
const SHOWCASE = `
INSERT INTO vc_interaction (id, version, threadID, virtualContributorID, externalMetadata)
  SELECT 'dddddddd-0000-4000-8000-000000000001', 1, 'demo-thread', nameID, '{}' FROM virtual_contributor LIMIT 1;
INSERT INTO whiteboard (id, version, nameID, content, contentUpdatePolicy, previewSettings)
  VALUES ('dddddddd-0000-4000-8000-000000000002', 1, 'demo-whiteboard',
          CONVERT(UNHEX('789CAB562A4A4D4ECE4F4A55B252AA4EAC492D2A56D2512A4DCDC94DCD2B29B6528A8E8DD5B505001E7F0B6A') USING latin1),
          'contributors', '{}');
`;

const { code } = await runDemo({
  app: alkemio,
  fixture: 'alkemio',
  extraFixtureSql: SHOWCASE,
  keep: !process.argv.includes('--drop'),
});
process.exitCode = code;
setTimeout(() => process.exit(code), 2000).unref();
