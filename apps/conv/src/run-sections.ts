// The report of a manual run (`log started` → `export` → `import` → `verify` → `log completed`, one
// `--run-id`): each command adds its section to `run_report_<runId>.json` next to the audit log and
// writes the run's report again from all sections, so the report is there after every step and final
// after the closing `log`. Same report as `run` writes; no password, no row values.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CONV_VERSION, type Finding, MANIFEST_FILE, serverOf, writeFileAtomic } from '@conv/core';
import type { Config } from './config.js';
import type { Output } from './output.js';
import {
  type ReportData,
  type ReportFiles,
  type StepSummary,
  type TimelineEntry,
  writeRunReport,
} from './report.js';
import type { SkippedReport } from './steps.js';

/** What one command of a run contributes to its report. */
export interface RunSection {
  step: string;
  /** The step's outcome: `in_progress` (done, run goes on), `failed`, or a `log` status. */
  status: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  mysql?: ReportData['mysql'];
  pg?: ReportData['pg'];
  summary?: StepSummary;
  /** The export directory the step wrote or read. */
  dir?: string;
  findings?: Finding[];
  checkCounts?: ReportData['checkCounts'];
  skipped?: SkippedReport[];
  /** Per-table timing, in ms since the epoch. */
  timeline?: TimelineEntry[];
  verify?: ReportData['verify'];
  artifacts?: ReportData['artifacts'];
  error?: ReportData['error'];
}

export interface SectionsFile {
  runId: string;
  app: string;
  sections: RunSection[];
}

const TERMINAL = new Set(['completed', 'failed', 'rolled_back']);

export function sectionsFile(config: Config, runId: string): string {
  return join(dirname(config.auditLogFile), `run_report_${runId}.json`);
}

/** The servers of a command that has them (`log` connects to none). */
export function serversOf(config: Config): Pick<RunSection, 'mysql' | 'pg'> {
  return {
    ...(config.mysqlUrl
      ? { mysql: { server: serverOf(config.mysqlUrl), database: config.mysqlDatabase } }
      : {}),
    ...(config.pgUrl
      ? { pg: { server: serverOf(config.pgUrl), database: config.pgDatabase, schema: config.pgSchema } }
      : {}),
  };
}

/** This command's per-table timing, moved to epoch milliseconds (each process counts from its own start). */
export function timelineOf(out: Output): TimelineEntry[] {
  return out.timeline.map((e) => ({ ...e, start: e.start + out.began, end: e.end + out.began }));
}

/** Adds `section` to the run's sections and rewrites its report; returns where the report is. */
export async function recordSection(
  config: Config,
  runId: string,
  section: RunSection,
): Promise<ReportFiles> {
  const file = sectionsFile(config, runId);
  let data: SectionsFile = { runId, app: config.app, sections: [] };
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as SectionsFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Findings keep no sample rows: the report never holds row values.
  const findings = section.findings?.map((f) => ({ ...f, samples: [] }));
  data.sections.push({ ...section, ...(findings ? { findings } : {}) });
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`);
  const report = composeReport(data, config.auditLogFile);
  const dir = [...data.sections].reverse().find((s) => s.dir)?.dir ?? dirname(config.auditLogFile);
  return writeRunReport(dir, report);
}

function last<T>(sections: RunSection[], pick: (s: RunSection) => T | undefined): T | undefined {
  for (let i = sections.length - 1; i >= 0; i--) {
    const v = pick(sections[i]!);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The run's report from its sections: steps in order, the latest check, verify and servers. `kept`: the
 * sections are stored (`run_report_<runId>.json`, listed among the artifacts); a plain `run` keeps none.
 */
export function composeReport(data: SectionsFile, auditLogFile: string, kept = true): ReportData {
  const s = data.sections;
  const began = Date.parse(s[0]!.startedAt);
  const closing = last(s, (x) => (x.step === 'log' && TERMINAL.has(x.status) ? x : undefined));
  const lastStep = last(s, (x) => (x.step !== 'log' ? x : undefined));
  const exportDir = last(s, (x) => x.dir);
  const status = closing?.status ?? (lastStep && lastStep.exitCode !== 0 ? 'failed' : 'in progress');
  return {
    runId: data.runId,
    app: data.app,
    status,
    exitCode: lastStep?.exitCode ?? 0,
    startedAt: s[0]!.startedAt,
    finishedAt: s[s.length - 1]!.finishedAt,
    convVersion: CONV_VERSION,
    mysql: last(s, (x) => x.mysql) ?? { server: '(none)', database: '' },
    pg: last(s, (x) => x.pg) ?? { server: '(none)', database: '', schema: '' },
    steps: s.flatMap((x) => (x.summary ? [x.summary] : [])),
    findings: last(s, (x) => x.findings) ?? [],
    checkCounts: last(s, (x) => x.checkCounts) ?? null,
    skipped: last(s, (x) => x.skipped) ?? [],
    timeline: s.flatMap((x) =>
      (x.timeline ?? []).map((e) => ({ ...e, start: e.start - began, end: e.end - began })),
    ),
    verify: last(s, (x) => x.verify) ?? null,
    artifacts: [
      ...(exportDir
        ? [
            { label: 'export directory', path: exportDir },
            { label: 'manifest', path: join(exportDir, MANIFEST_FILE) },
          ]
        : []),
      ...s.flatMap((x) => x.artifacts ?? []),
      { label: 'audit log', path: auditLogFile },
      ...(kept
        ? [
            {
              label: 'report data (each step’s section)',
              path: join(dirname(auditLogFile), `run_report_${data.runId}.json`),
            },
          ]
        : []),
    ],
    error: status === 'completed' ? null : (last(s, (x) => x.error) ?? null),
  };
}

/** Records the section, and says where the report is; a failure to write it is only a warning. */
export async function noteSection(
  config: Config,
  out: Output,
  runId: string,
  section: RunSection,
): Promise<ReportFiles | null> {
  try {
    const files = await recordSection(config, runId, section);
    out.info(`report of run ${runId}: ${files.html} (and .md)`);
    return files;
  } catch (err) {
    out.info(`warning: the run report could not be written: ${(err as Error).message}`);
    return null;
  }
}
