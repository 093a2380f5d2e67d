// Issue 13 item 10: which statements freeze commits for a multi-connection snapshot, chosen by the
// server's dialect and version (no server needed: the selection is pure). The statements themselves run
// against a real server in snapshot-lock.test.ts (BACKUP STAGE) and apps/conv/test/snapshot-ftwrl.test.ts
// (the FTWRL path, on a MariaDB of the test's own, idle).
import { describe, expect, it } from 'vitest';
import { FREEZE_STATEMENTS, freezeMethodFor } from '../src/index.js';

describe('freeze method by server version', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1', 'backup-stage'],
    ['11.4.2-MariaDB', 'backup-stage'],
    ['10.4.1-MariaDB', 'backup-stage'],
    ['5.5.5-10.6.18-MariaDB-log', 'backup-stage'],
    ['10.4.0-MariaDB', 'ftwrl'],
    ['10.3.39-MariaDB', 'ftwrl'],
    ['8.0.36', 'ftwrl'],
    ['8.0.40-0ubuntu0.22.04.1', 'ftwrl'],
    ['8.4.3', 'ftwrl'],
    ['9.1.0', 'ftwrl'],
    ['5.7.44-log', 'ftwrl'],
  ] as const)('%s → %s', (version, method) => {
    expect(freezeMethodFor(version)).toBe(method);
  });

  it('the statements of each method; MySQL 8 does not use LOCK INSTANCE FOR BACKUP (it lets commits through)', () => {
    expect(FREEZE_STATEMENTS['backup-stage']).toEqual({
      lock: ['BACKUP STAGE START', 'BACKUP STAGE BLOCK_COMMIT'],
      release: ['BACKUP STAGE END'],
    });
    expect(FREEZE_STATEMENTS.ftwrl).toEqual({
      lock: ['FLUSH TABLES WITH READ LOCK'],
      release: ['UNLOCK TABLES'],
    });
    const all = Object.values(FREEZE_STATEMENTS).flatMap((s) => [...s.lock, ...s.release]);
    expect(all.some((s) => /LOCK INSTANCE/.test(s))).toBe(false);
  });
});
