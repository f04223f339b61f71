// The monthly SLA report on a node-cron schedule: at each run, last month's report (calendar month in the
// time zone) is written into <dataDir>/reports/ in every format asked. The collector wires this in; the
// clock is injected so a test can drive it (node-cron itself follows Date and timers).
import Database from 'better-sqlite3';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schedule, validate, type ScheduledTask } from 'node-cron';
import Type, { type Static } from 'typebox';
import { DB_FILE, type Db } from '../store/db.js';
import { calendar, type TimeRange } from '../sla/index.js';
import type { SlaDefinition } from '../sla/policy-config.js';
import { SlaReader, SqliteSlaSource } from '../sla/store.js';
import { buildReport } from './model.js';
import { renderReport, reportFileName, REPORT_FORMATS, type ReportFormat } from './render.js';

export const DEFAULT_REPORT_CRON = '0 6 1 * *';
export const REPORTS_DIR = 'reports';

/** The collector config's `slaReport:` block. */
export const SlaReportConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: "write last month's SLA report into <dataDir>/reports/" }),
    cron: Type.String({ minLength: 1, default: DEFAULT_REPORT_CRON, description: 'node-cron expression, in timeZone' }),
    timeZone: Type.String({ minLength: 1, default: 'UTC', description: 'where months begin and the schedule runs' }),
    formats: Type.Array(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html')]), { minItems: 1, default: ['json', 'csv', 'html'] }),
  },
  { additionalProperties: false, default: {} },
);
export type SlaReportConfig = Static<typeof SlaReportConfig>;

export interface ReportLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MonthlyReportOptions {
  readonly dataDir: string;
  /** node-cron expression, in timeZone. */
  readonly cron?: string;
  /** Where months begin and the cron runs; default UTC. */
  readonly timeZone?: string;
  readonly definitions: readonly SlaDefinition[];
  readonly formats?: readonly ReportFormat[];
  /** The collector's open database; without it each run opens <dataDir>/hawatch.sqlite read-only. */
  readonly db?: Db;
  readonly staleAfterIntervals?: number;
  readonly now?: () => number;
  readonly logger?: ReportLogger;
}

export interface MonthlyReportTask {
  /** When the next run is due (epoch ms), or null when stopped. */
  nextRunMs(): number | null;
  /** Write last month's report now (as a scheduled run would); resolves to the files written. */
  runNow(): Promise<string[]>;
  stop(): Promise<void>;
}

/** The calendar month before the one containing `atMs`, in `timeZone`. */
export const previousMonth = (atMs: number, timeZone: string): TimeRange & { label: string } => {
  const cal = calendar(timeZone);
  const current = cal.periodContaining(atMs, 'month');
  const p = cal.periodContaining(current.fromMs - 1, 'month');
  return { fromMs: p.fromMs, toMs: p.toMs, label: p.label };
};

const openReadOnly = (dataDir: string): Db => new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });

/** Write the report of the month before `atMs` into <dataDir>/reports/; returns the paths written. */
export const writeMonthlyReport = (o: MonthlyReportOptions, atMs: number): string[] => {
  const tz = o.timeZone ?? 'UTC';
  const month = previousMonth(atMs, tz);
  const db = o.db ?? openReadOnly(o.dataDir);
  try {
    const reader = new SlaReader(new SqliteSlaSource(db), o.staleAfterIntervals === undefined ? {} : { staleAfterIntervals: o.staleAfterIntervals });
    const model = buildReport({ reader, definitions: o.definitions, window: month, nowMs: atMs, source: `collector data dir ${o.dataDir}`, timeZone: tz });
    const dir = join(o.dataDir, REPORTS_DIR);
    mkdirSync(dir, { recursive: true });
    return (o.formats ?? REPORT_FORMATS).map((format) => {
      const path = join(dir, reportFileName(model, format, month.label));
      // Written aside and renamed: a reader never sees half a report.
      writeFileSync(`${path}.tmp`, renderReport(model, format));
      renameSync(`${path}.tmp`, path);
      return path;
    });
  } finally {
    if (o.db === undefined) db.close();
  }
};

/** Schedule the monthly report. Throws on a bad cron expression or time zone. */
export const scheduleMonthlyReport = (o: MonthlyReportOptions): MonthlyReportTask => {
  const expr = o.cron ?? DEFAULT_REPORT_CRON;
  if (!validate(expr)) throw new Error(`report schedule: invalid cron expression ${JSON.stringify(expr)}`);
  const tz = o.timeZone ?? 'UTC';
  calendar(tz);
  const now = o.now ?? Date.now;
  const run = async (): Promise<string[]> => {
    const at = now();
    try {
      const files = writeMonthlyReport(o, at);
      o.logger?.info({ files, month: previousMonth(at, tz).label }, 'SLA report written');
      return files;
    } catch (e) {
      o.logger?.error({ err: e }, 'SLA report failed');
      throw e;
    }
  };
  const task: ScheduledTask = schedule(
    expr,
    async () => {
      // A failed run is logged above; the next month tries again.
      await run().catch(() => undefined);
    },
    // unref: a schedule alone does not keep a process alive; the collector's server does.
    { timezone: tz, name: 'hawatch-sla-report', noOverlap: true, unref: true },
  );
  return {
    nextRunMs: () => (['stopped', 'destroyed'].includes(task.getStatus()) ? null : (task.getNextRun()?.getTime() ?? null)),
    runNow: run,
    stop: async () => {
      await task.destroy();
    },
  };
};
