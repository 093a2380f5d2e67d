import type { Conversion } from './plan.js';

/** What the packages need to know about each conversion, in one place (csv-codec, verify, check). */
export interface ConversionTraits {
  /**
   * The encoded CSV text can never contain `,` `"` CR LF, never be empty and never be `\.`: the row writer
   * skips the quoting scan (digits, hex, dates, UUIDs, t/f).
   */
  csvNeverQuoted: boolean;
  /**
   * verify's canonical text is ASCII without `,` and never `~`: no length prefix in a row's text (only
   * when no profile transform applies; a transform can produce anything).
   */
  fixedFormat: boolean;
  /** The value arrives in PostgreSQL as text: check scans it for NUL bytes and invalid UTF-8. */
  textBound: boolean;
  /** A character length applies on both sides: check compares varchar lengths in the schema diff. */
  lengthBound: boolean;
}

const fixed = { csvNeverQuoted: true, fixedFormat: true, textBound: false, lengthBound: false } as const;
const text = { csvNeverQuoted: false, fixedFormat: false, textBound: true, lengthBound: true } as const;

/** A `Record` over every conversion: adding a conversion does not compile until its traits are stated. */
export const CONVERSION_TRAITS: Readonly<Record<Conversion, ConversionTraits>> = {
  text,
  uuid: fixed,
  boolean: fixed,
  integer: fixed,
  numeric: fixed,
  float: fixed,
  timestamp: fixed,
  date: fixed,
  time: fixed,
  interval: fixed,
  year: fixed,
  json: { ...text, lengthBound: false },
  jsonb: { ...text, lengthBound: false },
  enum: text,
  'set-text': text,
  'set-array': { ...text, lengthBound: false },
  bytea: fixed,
  'binary-text': text,
  bit: fixed,
};
