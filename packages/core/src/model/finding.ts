import { z } from 'zod';

/** A problem found by `check` (schema diff or data scan) or by the loader/verifier. */
export const FindingSchema = z.object({
  /** `error` breaks or silently damages the load; `warning` deserves a look; `info` is a note. */
  severity: z.enum(['error', 'warning', 'info']),
  code: z.string(),
  table: z.string(),
  column: z.string().nullable(),
  message: z.string(),
  /** Number of offending rows, for data findings. */
  count: z.number().int().nullable(),
  /** Up to N sample rows: their key (column → value) and the offending value, printable. */
  samples: z.array(
    z.object({ key: z.record(z.string(), z.string().nullable()), value: z.string().nullable() }),
  ),
  /** A profile transform or a SQL statement that fixes it. */
  fix: z.string().nullable(),
});
export type Finding = z.infer<typeof FindingSchema>;
