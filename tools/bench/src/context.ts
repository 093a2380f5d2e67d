/** What every benchmark step receives: where the servers are, which databases, where files go. */
export interface BenchContext {
  /** Admin URL of the MySQL/MariaDB server (no database). */
  mysqlUrl: string;
  /** Admin URL of the PostgreSQL server. */
  pgUrl: string;
  /** Synthetic source database (conv_bench_*). */
  sourceDb: string;
  /** Target PostgreSQL database (conv_bench_*), schema already created. */
  targetDb: string;
  /** Directory of the export the import/verify steps use (the export step writes it). */
  exportDir: string;
  /** Approximate size of the synthetic source data in MB. */
  sizeMb: number;
  log(line: string): void;
}

/** One measured step, printed in the closing table. */
export interface BenchResult {
  name: string;
  wallMs: number;
  rows: number;
  bytes: number;
  peakRssMb: number;
  /** The raw limit of the machine for the same work (e.g. `mariadb --quick` to /dev/null), when measured. */
  rawMs?: number;
  rawLabel?: string;
  notes?: string[];
}
