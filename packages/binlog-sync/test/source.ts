// The test source: related tables with awkward values, and a writer that keeps changing them.
import { randomBytes } from 'node:crypto';
import type mysql from 'mysql2/promise';

export const MYSQL_SCHEMA = `
CREATE TABLE author (
  id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL, bio TEXT NULL, born DATE NULL,
  meta JSON NULL, updated DATETIME(6) NULL, score DOUBLE NULL, price DECIMAL(10,2) NULL,
  flag TINYINT(1) NOT NULL DEFAULT 0, edits INT NOT NULL DEFAULT 0);
CREATE TABLE book (
  id INT PRIMARY KEY AUTO_INCREMENT, author_id INT NOT NULL, title VARCHAR(200) NOT NULL, cover BLOB NULL,
  published DATETIME NULL, rating FLOAT NULL, yr YEAR NULL, edits INT NOT NULL DEFAULT 0,
  FOREIGN KEY (author_id) REFERENCES author(id));
CREATE TABLE tag (
  book_id INT NOT NULL, tag VARCHAR(50) NOT NULL, created TIMESTAMP(3) NULL, note TEXT NULL,
  PRIMARY KEY (book_id, tag), FOREIGN KEY (book_id) REFERENCES book(id) ON DELETE CASCADE);
CREATE TABLE audit_trail (id INT PRIMARY KEY AUTO_INCREMENT, msg TEXT);
`;

// audit_trail has no target table: outside the plan's load, its changes must be ignored.
export const PG_SCHEMA = `
CREATE TABLE author (
  id serial PRIMARY KEY, name varchar(100) NOT NULL, bio text, born date, meta jsonb, updated timestamp(6),
  score float8, price numeric(10,2), flag boolean NOT NULL DEFAULT false, edits int NOT NULL DEFAULT 0);
CREATE TABLE book (
  id serial PRIMARY KEY, author_id int NOT NULL REFERENCES author(id), title varchar(200) NOT NULL,
  cover bytea, published timestamp, rating float8, yr int, edits int NOT NULL DEFAULT 0);
CREATE TABLE tag (
  book_id int NOT NULL REFERENCES book(id) ON DELETE CASCADE, tag varchar(50) NOT NULL,
  created timestamptz(3), note text, PRIMARY KEY (book_id, tag));
`;

let seq = 0;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const bios = [null, 'line one\nline two\r\n"quoted", comma', '', 'plain', 'ünïcödé ✓ 𝄞', '\\N', 'tab\there'];
const metas = [null, '{"a": 1, "b": [true, null, "x\\ny"]}', '[]', '{"big": 12345678901234567890}', '"str"'];
const dates = [null, '0000-00-00', '1999-12-31', '2024-02-29'];
const datetimes = [null, '0000-00-00 00:00:00', '2020-01-01 12:34:56', '1970-01-01 00:00:01'];

async function one(conn: mysql.Connection): Promise<void> {
  const r = Math.random();
  const [[ids]] = (await conn.query(
    'SELECT (SELECT MAX(id) FROM author) AS a, (SELECT MAX(id) FROM book) AS b',
  )) as unknown as [[{ a: number; b: number }]];
  const author = 1 + Math.floor(Math.random() * (ids.a ?? 1));
  const book = 1 + Math.floor(Math.random() * (ids.b ?? 1));
  if (r < 0.2) {
    await conn.query(
      'INSERT INTO author (name, bio, born, meta, updated, score, price, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        `a${seq++}`,
        pick(bios),
        pick(dates),
        pick(metas),
        pick([null, '2021-05-05 01:02:03.123456']),
        pick([null, 0.1, -1e300, Math.PI]),
        pick([null, '12.30', '-0.01']),
        pick([0, 1]),
      ],
    );
  } else if (r < 0.4) {
    await conn.query(
      'UPDATE author SET bio = ?, meta = ?, born = ?, score = ?, edits = edits + 1 WHERE id = ?',
      [pick(bios), pick(metas), pick(dates), pick([null, 2.5e-8]), author],
    );
  } else if (r < 0.55) {
    await conn.query(
      'INSERT INTO book (author_id, title, cover, published, rating, yr) SELECT id, ?, ?, ?, ?, ? FROM author WHERE id = ?',
      [
        `t${seq++}\n"x"`,
        pick([null, randomBytes(20), Buffer.from([0, 1, 2])]),
        pick(datetimes),
        pick([null, 3.14, 0.1]),
        pick([null, 0, 2024, 1901]),
        author,
      ],
    );
  } else if (r < 0.7) {
    await conn.query('UPDATE book SET cover = ?, published = ?, edits = edits + 1 WHERE id = ?', [
      pick([null, randomBytes(8)]),
      pick(datetimes),
      book,
    ]);
  } else if (r < 0.8) {
    // a tag deleted and re-inserted with the same key, in one transaction
    await conn.query('START TRANSACTION');
    await conn.query('DELETE FROM tag WHERE book_id = ? AND tag = ?', [book, 'x']);
    await conn.query(
      'INSERT IGNORE INTO tag (book_id, tag, created, note) SELECT id, ?, ?, ? FROM book WHERE id = ?',
      ['x', pick([null, '2022-02-02 02:02:02.250']), pick(bios), book],
    );
    await conn.query('COMMIT');
  } else if (r < 0.88) {
    await conn.query('INSERT IGNORE INTO tag (book_id, tag, note) SELECT id, ?, ? FROM book WHERE id = ?', [
      `g${seq++ % 7}`,
      pick(bios),
      book,
    ]);
  } else if (r < 0.93) {
    // deleting a book cascades to its tags (the cascade is not in the binlog: PostgreSQL's FK does it)
    await conn.query('DELETE FROM book WHERE id = ?', [book]);
  } else if (r < 0.96) {
    // an author deleted and re-inserted under the same id
    const [rows] = await conn.query(
      'SELECT * FROM author WHERE id = ? AND NOT EXISTS (SELECT 1 FROM book WHERE author_id = author.id)',
      [author],
    );
    const row = (rows as Record<string, unknown>[])[0];
    if (row) {
      await conn.query('DELETE FROM author WHERE id = ?', [author]);
      await conn.query('INSERT INTO author (id, name, bio) VALUES (?, ?, ?)', [
        author,
        `re${seq++}`,
        'back\nagain',
      ]);
    }
  } else {
    await conn.query('INSERT INTO audit_trail (msg) VALUES (?)', [`m${seq++}`]);
  }
}

export async function seed(conn: mysql.Connection, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await one(conn);
}

/** Runs random changes until stopped; returns how many statements ran. */
export function startWriter(conn: mysql.Connection, pauseMs = 5): { stop(): Promise<number> } {
  let running = true;
  let count = 0;
  const done = (async () => {
    while (running) {
      await one(conn);
      count++;
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return count;
    },
  };
}
