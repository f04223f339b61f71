// Snapshots and history for rule tests, built only from real tool outputs: the project's parsers and probes run on
// the fixtures in /work/shared/fixtures and test/fixtures, and on the recorded timelines (demo/scenarios). Tests
// vary those real reports (a state changed, a node made stale); nothing here invents a report from scratch.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec } from '../../../../agent/lib/exec.js';
import type { Probe } from '../../../../agent/probes/types.js';
import type { ObjectState, PushBatch } from '../../../../agent/protocol/index.js';
import type { CorosyncReport } from '../../../../agent/protocol/corosync.js';
import type { DrbdReport } from '../../../../agent/protocol/drbd.js';
import type { IscsiReport } from '../../../../agent/protocol/iscsi.js';
import type { PacemakerReport } from '../../../../agent/protocol/pacemaker.js';
import type { VrrpReport } from '../../../../agent/protocol/vrrp.js';
import { createCorosyncProbe, corosyncStates } from '../../../../agent/probes/corosync/index.js';
import { drbdStates, parseDrbdEvents2, parseDrbdStatusJson, parseProcDrbd } from '../../../../agent/probes/drbd/index.js';
import { createIscsiProbe } from '../../../../agent/probes/iscsi/probe.js';
import { iscsiStates } from '../../../../agent/probes/iscsi/observe.js';
import { parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import { pacemakerStates } from '../../../../agent/probes/pacemaker/observe.js';
import { pacemakerProbe } from '../../../../agent/probes/pacemaker/probe.js';
import { vrrpStates } from '../../../../agent/probes/vrrp/index.js';
import { ClusterModel, type ModelSnapshot } from '../../../../collector/model/model.js';
import { openDb, type Db } from '../../../../collector/store/db.js';
import { StoreWriter } from '../../../../collector/store/writer.js';
import { SqliteRuleContext } from '../../../../collector/alerts/rules/history.js';
import type { Rule, RuleContext } from '../../../../collector/alerts/rules/types.js';
import type { Finding } from '../../../../collector/alerts/types.js';
import { vrrpReportAt } from '../../../../demo/recorded-vrrp.js';
import { replayExec } from '../../../../demo/replay-exec.js';
import { loadTimeline, type Timeline } from '../../../../demo/timeline.js';
import { SCENARIOS_DIR } from '../../../helpers/replay.js';
import { ISCSI_CASES_DIR, replayExec as iscsiCaseExec, sysfsIo } from '../../../agent/probes/iscsi/replay.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

export const SHARED = SHARED_FIXTURES;
export const HAVE_SHARED = existsSync(SHARED);
/** The snapshots' clock: the recordings' day. */
export const NOW = Date.parse('2026-11-23T18:30:00Z');
const INTERVAL_MS = 10_000;

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }, what: string): T => {
  if (!r.ok) throw new Error(`${what}: ${r.error.code} ${r.error.message}`);
  return r.value;
};
const clone = <T>(v: T): T => structuredClone(v);

// ---- reports from real outputs ----------------------------------------------------------------------------------

export const drbdProc = (file: string, edit: (text: string) => string = (t) => t): DrbdReport =>
  ok(parseProcDrbd(edit(readFileSync(join(SHARED, 'drbd', 'proc_drbd', file), 'utf8'))), file);
export const drbdStatusJson = (): DrbdReport =>
  ok(parseDrbdStatusJson(readFileSync(join(SHARED, 'drbd', 'status-json', 'ha_cluster_exporter__drbdsetup-status-json.json'), 'utf8')), 'status json');

/**
 * The drbdsetup output of one section of a drbd-utils `.test` expectation file (`$ command` line, output, exit code),
 * optionally edited before it is parsed (to vary a real output: a helper name, a time stamp, `client:yes`).
 */
export const drbdEvents2Text = (name: string, section = 0): string => {
  const text = readFileSync(join(SHARED, 'drbd', 'events2', `drbd-utils__events2-${name}.test`), 'utf8');
  const bodies = text.split(/^\$ .*\n/m).slice(1);
  const body = bodies[section];
  if (body === undefined) throw new Error(`${name}: no section ${section}`);
  const lines = body.replace(/\n+$/, '').split('\n');
  if (!/^\d+$/.test(lines.pop() ?? '')) throw new Error(`${name}: section ${section} has no exit code line`);
  return `${lines.join('\n')}\n`;
};
export const drbdEvents2 = (name: string, edit: (text: string) => string = (t) => t, section = 0): DrbdReport =>
  ok(parseDrbdEvents2(edit(drbdEvents2Text(name, section))), `events2 ${name}`);

/** The iscsi probe's report for a golden case of test/fixtures/probes/iscsi (iscsiadm runs replayed). */
export const iscsiCase = async (name: string, exec?: (inner: Exec) => Exec): Promise<IscsiReport> => {
  const dir = join(ISCSI_CASES_DIR, name);
  const probe = createIscsiProbe({}, sysfsIo(readFileSync(join(dir, 'sysfs.txt'), 'utf8')));
  const inner = iscsiCaseExec(dir);
  const o = await probe.run({ exec: exec ? exec(inner) : inner, timeoutMs: 10_000, node: 'n1', now: () => NOW });
  if (o.status !== 'ok' || o.report === undefined) throw new Error(`iscsi ${name}: ${o.status} ${JSON.stringify('error' in o ? o.error : null)}`);
  return o.report;
};

/** Runs a probe on an Exec; the probe must succeed. */
const runProbe = async <R>(probe: Probe, exec: Exec, node: string): Promise<R> => {
  const o = await probe.run({ exec, timeoutMs: 10_000, node, now: () => NOW });
  if (o.status !== 'ok' || o.report === undefined) throw new Error(`${probe.name} on ${node}: ${o.status} ${JSON.stringify('error' in o ? o.error : null)}`);
  return o.report as R;
};

/** The corosync probe on a /work/shared/fixtures/corosync/<state> folder: `argv.join('_').txt`, else not installed. */
export const corosyncState = (state: string): Promise<CorosyncReport> => {
  const dir = join(SHARED, 'corosync', state);
  const exec: Exec = async (argv) => {
    const f = join(dir, `${argv.join('_')}.txt`);
    if (!existsSync(f)) return { kind: 'absent', message: `${argv[0]}: not recorded` };
    return { kind: 'exited', code: 0, stdout: readFileSync(f, 'utf8'), stderr: '', durationMs: 1, truncated: false };
  };
  return runProbe<CorosyncReport>(createCorosyncProbe({}), exec, state);
};

export const crmMon = (file: string): PacemakerReport => ok(parseCrmMonXml(readFileSync(join(SHARED, 'pacemaker', file), 'utf8')), file);

const timelines = new Map<string, Timeline>();
export const timeline = (scenario: string): Timeline => {
  let t = timelines.get(scenario);
  if (!t) timelines.set(scenario, (t = loadTimeline(join(SCENARIOS_DIR, scenario))));
  return t;
};
/** A node's report of a recorded scenario at scenario time tMs (ms after the event), by the real probes. */
export const recorded = {
  corosync: (scenario: string, node: string, tMs: number) => runProbe<CorosyncReport>(createCorosyncProbe({}), replayExec(timeline(scenario), node, () => tMs), node),
  pacemaker: (scenario: string, node: string, tMs: number) => runProbe<PacemakerReport>(pacemakerProbe as Probe, replayExec(timeline(scenario), node, () => tMs), node),
  vrrp: (scenario: string, node: string, tMs: number): VrrpReport => vrrpReportAt(timeline(scenario), node, tMs),
};

/** Change a real report: a deep copy goes through `f`, so fixtures are never shared between cases. */
export const vary = <T>(report: T, f: (r: T) => void): T => {
  const c = clone(report);
  f(c);
  return c;
};

// ---- snapshots ---------------------------------------------------------------------------------------------------

export interface NodeProbe {
  node: string;
  probe: 'pacemaker' | 'corosync' | 'vrrp' | 'drbd' | 'iscsi' | string;
  report: unknown;
  /** The agent went silent: its last push is older than 3 push intervals. */
  stale?: boolean;
  /** How old the observation is (default 1 s); reports of different nodes are taken at different moments. */
  ageMs?: number;
  status?: 'ok' | 'failed' | 'timeout' | 'absent';
  error?: { code: string; message: string };
}

/**
 * A snapshot of the real model after each node pushed its reports (one batch per node). Reports are checked against
 * the push protocol's schema by the model: a varied report that no agent could send fails the test.
 */
export const snapshotOf = (entries: readonly NodeProbe[], opts: { cluster?: string; now?: number } = {}): ModelSnapshot => {
  const now = opts.now ?? NOW;
  const cluster = opts.cluster ?? 'c1';
  const model = new ClusterModel({
    staleAfterIntervals: 3,
    now: () => now,
    onInvalidReport: (w, problems) => {
      throw new Error(`invalid ${w.probe} report for ${w.node}: ${problems.join('; ')}`);
    },
  });
  const nodes = [...new Set(entries.map((e) => e.node))];
  nodes.forEach((node, i) => {
    const mine = entries.filter((e) => e.node === node);
    const at = mine.some((e) => e.stale) ? now - 4 * INTERVAL_MS : now - (mine.find((e) => e.ageMs !== undefined)?.ageMs ?? 1_000);
    const batch: PushBatch = {
      protocol: 1, cluster, node, agentInstance: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, agentVersion: 'test', seq: 1, sealedAt: at, intervalMs: INTERVAL_MS,
      observations: mine.map((e) => ({
        probe: e.probe, at, durationMs: 5, status: e.status ?? 'ok', ...(e.error ? { error: e.error } : {}),
        ...(e.status === undefined || e.status === 'ok' ? { report: e.report } : {}), samples: [], states: [],
      })),
    };
    model.applyBatch(batch, at);
  });
  return model.snapshot();
};

/** A rule's findings as compact lines `SEVERITY {labels}` (sorted), for readable table assertions. */
export const lines = (findings: readonly Finding[]): string[] =>
  findings.map((f) => `${f.severity} ${JSON.stringify(Object.fromEntries(Object.entries(f.labels).sort(([a], [b]) => a.localeCompare(b))))}`).sort();

export const run = (rule: Rule, snap: ModelSnapshot, ctx?: RuleContext): Finding[] => rule.evaluate(snap, ctx);

// ---- history: transitions through the real store writer ----------------------------------------------------------

const STATES: Record<string, (r: never) => ObjectState[]> = {
  vrrp: vrrpStates as (r: never) => ObjectState[],
  pacemaker: pacemakerStates as (r: never) => ObjectState[],
  drbd: drbdStates as (r: never) => ObjectState[],
  corosync: corosyncStates as (r: never) => ObjectState[],
  iscsi: iscsiStates as (r: never) => ObjectState[],
};

/**
 * A real SQLite store that records pushes the way ingest does (StoreWriter: object states → transitions), and the
 * SQLite RuleContext over it. `push` derives the states from the report with the probe's own states function.
 */
export class History {
  readonly db: Db;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hawatch-rule-history-'));
  private readonly writer: StoreWriter;
  private readonly seq = new Map<string, number>();
  now = NOW;

  constructor(readonly cluster = 'c1') {
    this.db = openDb(this.dir);
    this.writer = new StoreWriter(this.db);
  }

  push(node: string, probe: string, report: unknown, atMs: number): void {
    const states = STATES[probe];
    if (!states) throw new Error(`no states function for ${probe}`);
    const s = (this.seq.get(node) ?? 0) + 1;
    this.seq.set(node, s);
    const idx = [...this.seq.keys()].indexOf(node) + 1;
    this.writer.writeBatches([{
      protocol: 1, cluster: this.cluster, node, agentInstance: `00000000-0000-4000-8000-${String(idx).padStart(12, '0')}`, agentVersion: 'test', seq: s, sealedAt: atMs,
      intervalMs: INTERVAL_MS, observations: [{ probe, at: atMs, durationMs: 5, status: 'ok', report, samples: [], states: states(report as never) }],
    }], atMs);
  }

  ctx(opts: { maxWindowMs?: number; maxRows?: number } = {}): RuleContext {
    return new SqliteRuleContext(this.db, { now: () => this.now, ...opts });
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
