// `hawatch report sla`: options to a report. Kept out of cli/hawatch.ts so that the command there is one block.
import Database from 'better-sqlite3';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE } from '../store/db.js';
import { calendar, type TimeRange } from '../sla/index.js';
import { defaultSlaDefinitions, loadSlasFile } from '../sla/policy-config.js';
import { LIVENESS_KIND, SlaReader, SqliteSlaSource, STORE_KINDS, type SlaSource } from '../sla/store.js';
import { buildReport, type SlaReportModel } from './model.js';
import { renderReport, type ReportFormat } from './render.js';
import { fetchRestSource } from './rest-source.js';

export interface SlaReportCliOptions {
  readonly from: string;
  readonly to: string;
  readonly cluster?: string;
  readonly format: ReportFormat;
  readonly dataDir?: string;
  readonly url?: string;
  readonly tokenFile?: string;
  readonly config?: string;
  readonly timeZone?: string;
  readonly out?: string;
}

export interface SlaReportCliDeps {
  readonly now: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
}

/** `2026-11-01` (midnight in timeZone), an RFC 3339 time with a zone, or `now`. */
export const parseReportTime = (s: string, timeZone: string, nowMs: number, what: string): number => {
  if (s === 'now') return nowMs;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (day) return calendar(timeZone).startOfDay(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw new Error(`${what}: expected YYYY-MM-DD, an RFC 3339 time with a zone (2026-11-01T00:00:00Z) or now; got ${JSON.stringify(s)}`);
};

export const runSlaReportCli = async (o: SlaReportCliOptions, deps: SlaReportCliDeps): Promise<{ text: string; model: SlaReportModel; notes: string[] }> => {
  if ((o.dataDir === undefined) === (o.url === undefined)) throw new Error('give exactly one of --data-dir DIR (the collector\'s data dir) or --url URL (a running collector)');
  const nowMs = deps.now();
  const tz = o.timeZone ?? 'UTC';
  const window: TimeRange = { fromMs: parseReportTime(o.from, tz, nowMs, '--from'), toMs: parseReportTime(o.to, tz, nowMs, '--to') };
  if (!(window.toMs > window.fromMs)) throw new Error('--to must be after --from');
  const cfg = o.config === undefined ? { definitions: defaultSlaDefinitions(), staleAfterIntervals: undefined } : loadSlasFile(o.config);
  if (cfg.definitions.length === 0) throw new Error(`${o.config}: slas: is empty; nothing to report`);
  const widest = Math.max(...cfg.definitions.map((d) => d.policy.debounceMs));
  const notes: string[] = [];
  let source: SlaSource;
  let described: string;
  let close = () => {};
  if (o.dataDir !== undefined) {
    // Read-only: a report never migrates or writes the collector's database.
    const db = new Database(join(o.dataDir, DB_FILE), { readonly: true, fileMustExist: true });
    close = () => db.close();
    source = new SqliteSlaSource(db);
    described = `collector data dir ${o.dataDir}`;
  } else {
    const token = o.tokenFile !== undefined ? readFileSync(o.tokenFile, 'utf8').trim() : deps.env['HAWATCH_TOKEN'];
    const r = await fetchRestSource({
      url: o.url as string,
      ...(token ? { token } : {}),
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      kinds: [...new Set([...cfg.definitions.flatMap((d) => d.objects.map((x) => STORE_KINDS[x.kind])), STORE_KINDS.cluster, LIVENESS_KIND])],
      range: { fromMs: window.fromMs - widest, toMs: Math.min(window.toMs + widest, nowMs) },
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    source = r.source;
    described = `collector API ${o.url}`;
    if (r.unattributed > 0) notes.push(`${r.unattributed} of ${r.events} events came from nodes the collector no longer serves and were left out`);
  }
  try {
    const reader = new SlaReader(source, cfg.staleAfterIntervals === undefined ? {} : { staleAfterIntervals: cfg.staleAfterIntervals });
    const model = buildReport({
      reader,
      definitions: cfg.definitions,
      window,
      nowMs,
      source: described,
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
    });
    const text = renderReport(model, o.format);
    if (o.out !== undefined) {
      writeFileSync(`${o.out}.tmp`, text);
      renameSync(`${o.out}.tmp`, o.out);
    }
    return { text, model, notes };
  } finally {
    close();
  }
};
