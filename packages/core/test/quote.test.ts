// MySQL identifiers are utf8mb3: no 4-byte characters such as emoji, so none are tried here.

import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { pgLiteral, quoteMysqlIdent, quotePgIdent, quotePgQualified } from '../src/index.js';

const awkward = ['query-result-cache', 'we`ird', 'dou"ble', 'Mixed Case', 'select', 'accentué ß'];

describe('identifier quoting on the real servers', () => {
  const my = useMysqlDatabase();
  const pg = usePgDatabase();

  it.each(awkward)('MySQL/MariaDB accepts and round-trips %j', async (name) => {
    await my.query(`CREATE TABLE ${quoteMysqlIdent(name)} (${quoteMysqlIdent(name)} INT)`);
    await my.query(`INSERT INTO ${quoteMysqlIdent(name)} VALUES (7)`);
    const rows = await my.query<Record<string, number>[]>(
      `SELECT ${quoteMysqlIdent(name)} FROM ${quoteMysqlIdent(name)}`,
    );
    expect(rows).toEqual([{ [name]: 7 }]);
  });

  it.each(awkward)('PostgreSQL accepts and round-trips %j', async (name) => {
    await pg.query(`CREATE TABLE ${quotePgQualified('public', name)} (${quotePgIdent(name)} int)`);
    await pg.query(`INSERT INTO ${quotePgIdent(name)} VALUES (7)`);
    expect(await pg.query(`SELECT ${quotePgIdent(name)} FROM ${quotePgIdent(name)}`)).toEqual([
      { [name]: 7 },
    ]);
  });

  it('refuses NUL bytes', () => {
    expect(() => quoteMysqlIdent('a\0b')).toThrow(/NUL/);
    expect(() => quotePgIdent('a\0b')).toThrow(/NUL/);
  });
});

describe('pgLiteral', () => {
  const pg = usePgDatabase();
  const values = ["it's", 'back\\slash', "both \\ and '", 'plain', '', 'accentué 🎉', "'\\'"];

  it.each(values)(
    'PostgreSQL reads %j back exactly, whatever standard_conforming_strings says',
    async (v) => {
      for (const scs of ['on', 'off']) {
        await pg.query(`SET standard_conforming_strings = ${scs}`);
        const rows = await pg.query<{ v: string }>(`SELECT ${pgLiteral(v)}::text AS v`);
        expect(rows, scs).toEqual([{ v }]);
      }
      await pg.query('RESET standard_conforming_strings');
    },
  );

  it('refuses NUL bytes', () => {
    expect(() => pgLiteral('a\0b')).toThrow(/NUL/);
  });
});
