export { csvField, csvLine } from './csv.js';
export { type Encoder, encoderFor, needsCsvQuoting, pgArrayElement } from './encoders.js';
export { dataError } from './errors.js';
export { CsvParser, type CsvRecord, parseCsv, readCsv } from './reader.js';
export {
  CsvRowWriter,
  type CsvRowWriterOptions,
  createFieldEncoder,
  createRowEncoder,
  csvHeader,
  type FieldEncoder,
  type RowEncoder,
} from './writer.js';
