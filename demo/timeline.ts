// Recorded scenarios for `hawatch demo`: one folder per run of real cluster daemons (see
// demo/scenarios/PROVENANCE.md), described by its index.json. The loader reads and checks everything once;
// the query functions below are pure, so a demo node's replayed `exec` never does I/O and cannot fail midway
// on a missing file.
//
// File contents are read at load time, not lazily: the six scenarios are 1 374 files with 1.3 MB of output,
// and all of them load in ~80 ms (measured under vitest on the build machine; test/demo/timeline.test.ts
// prints it). That is a small price for queries that are pure and a replay that cannot hit a missing file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type LabKind = 'keepalived' | 'pacemaker';
export type EntryKind = 'sample' | 'fifo-line' | 'json-dump';

export const TIMELINE_ERRORS = {
  unreadable: 'demo.timeline_unreadable',
  invalid: 'demo.timeline_invalid',
} as const;

/** A scenario folder that cannot be used: names the file and, where it applies, the field. */
export class TimelineError extends Error {
  override readonly name = 'TimelineError';
  constructor(
    readonly code: (typeof TIMELINE_ERRORS)[keyof typeof TIMELINE_ERRORS],
    readonly file: string,
    readonly field: string | null,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${field === null ? '' : `${field}: `}${reason}`, options);
  }
}

/** The event (t_ms 0) or the heal of a scenario. */
export interface TimelineMarker {
  name: 'event' | 'heal';
  tMs: number;
  what: string;
  commands: readonly (readonly string[])[];
  /** The node the command was run on, when it was one node. */
  node?: string;
  /** What the command printed, where the recording kept it (the `crm_resource --cleanup` heal). */
  output?: string;
  stderr?: string;
}

/** One entry of index.json `files`, with its contents. */
export interface TimelineEntry {
  node: string;
  /** argv as run inside the node. */
  command: readonly string[];
  /** Milliseconds since the event; for samples the moment the command finished. */
  tMs: number;
  /** null for FIFO lines (nothing exited). */
  exitCode: number | null;
  /** Path relative to the scenario folder. */
  file: string;
  kind: EntryKind;
  durMs?: number;
  stderrFile?: string;
  line?: string;
  phase?: string;
  stdout: string;
  stderr: string;
}

export interface NodeRecording {
  /** JSON of the argv → that command's samples, by t_ms. */
  readonly samples: ReadonlyMap<string, readonly TimelineEntry[]>;
  readonly fifo: readonly TimelineEntry[];
  readonly dumps: readonly TimelineEntry[];
}

export interface Timeline {
  readonly dir: string;
  readonly scenario: string;
  readonly lab: LabKind;
  readonly nodes: readonly string[];
  /** Machine clock at t_ms 0 (ISO 8601). */
  readonly eventWallclockUtc: string;
  readonly markers: readonly TimelineMarker[];
  /** Every file of the scenario, by t_ms (stable for ties, as in index.json). */
  readonly entries: readonly TimelineEntry[];
  readonly byNode: ReadonlyMap<string, NodeRecording>;
}

/** What a command printed, as current at some scenario time. */
export interface RecordedOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** When the command finished (t_ms scale). */
  tMs: number;
  durMs?: number;
  /** Path relative to the scenario folder: the evidence a demo can point at. */
  file: string;
}

export interface FifoLine {
  tMs: number;
  line: string;
}

export interface JsonDump {
  tMs: number;
  text: string;
  phase?: string;
}

/** The parts of index.json that need no file contents: enough to list scenarios. */
export interface TimelineIndex {
  scenario: string;
  lab: LabKind;
  nodes: string[];
  eventWallclockUtc: string;
  markers: TimelineMarker[];
  files: Omit<TimelineEntry, 'stdout' | 'stderr'>[];
}

// ---- validation of index.json ---------------------------------------------------------------------------

type Obj = Record<string, unknown>;

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Field checks that throw a TimelineError naming the index file and the dotted field path. */
const checker = (file: string) => {
  const bad = (field: string, reason: string): never => {
    throw new TimelineError(TIMELINE_ERRORS.invalid, file, field, reason);
  };
  const obj = (v: unknown, field: string): Obj =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : bad(field, `expected an object, got ${show(v)}`);
  const str = (v: unknown, field: string): string => (typeof v === 'string' ? v : bad(field, `expected a string, got ${show(v)}`));
  const num = (v: unknown, field: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(field, `expected a finite number, got ${show(v)}`);
  const arr = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : bad(field, `expected an array, got ${show(v)}`));
  const argv = (v: unknown, field: string): string[] => {
    const a = arr(v, field).map((x, i) => str(x, `${field}[${i}]`));
    return a.length > 0 ? a : bad(field, 'expected a non-empty argv');
  };
  const oneOf = <T extends string>(v: unknown, field: string, allowed: readonly T[]): T =>
    allowed.includes(v as T) ? (v as T) : bad(field, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`);
  const optStr = (o: Obj, key: string, field: string): string | undefined => (o[key] === undefined ? undefined : str(o[key], field));
  return { bad, obj, str, num, arr, argv, oneOf, optStr };
};

/** A path from index.json must stay inside the scenario folder (it is joined to it). */
const insideFolder = (p: string): boolean => p !== '' && !isAbsolute(p) && !normalize(p).split(sep).includes('..');

/**
 * Parse and check an index.json text. `file` is only used in error messages. Pure: no file contents are read
 * (see `loadTimeline`).
 */
export const parseTimelineIndex = (text: string, file: string): TimelineIndex => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TimelineError(TIMELINE_ERRORS.invalid, file, null, `not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const c = checker(file);
  const top = c.obj(doc, '(top level)');
  const scenario = c.str(top['scenario'], 'scenario');
  const lab = c.oneOf(top['lab'], 'lab', ['keepalived', 'pacemaker'] as const);
  const nodes = c.arr(top['nodes'], 'nodes').map((n, i) => c.str(n, `nodes[${i}]`));
  if (nodes.length === 0) c.bad('nodes', 'expected at least one node');
  const dup = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (dup !== undefined) c.bad('nodes', `node ${show(dup)} listed twice`);
  const eventWallclockUtc = c.str(top['event_wallclock_utc'], 'event_wallclock_utc');
  const knownNode = (v: unknown, field: string): string => {
    const n = c.str(v, field);
    return nodes.includes(n) ? n : c.bad(field, `node ${show(n)} is not in nodes ${show(nodes)}`);
  };

  const markers = c.arr(top['events'], 'events').map((raw, i): TimelineMarker => {
    const f = `events[${i}]`;
    const e = c.obj(raw, f);
    const m: TimelineMarker = {
      name: c.oneOf(e['name'], `${f}.name`, ['event', 'heal'] as const),
      tMs: c.num(e['t_ms'], `${f}.t_ms`),
      what: c.str(e['what'], `${f}.what`),
      commands: c.arr(e['commands'], `${f}.commands`).map((a, j) => c.argv(a, `${f}.commands[${j}]`)),
    };
    if (e['node'] !== undefined) m.node = knownNode(e['node'], `${f}.node`);
    const output = c.optStr(e, 'output', `${f}.output`);
    if (output !== undefined) m.output = output;
    const stderr = c.optStr(e, 'stderr', `${f}.stderr`);
    if (stderr !== undefined) m.stderr = stderr;
    return m;
  });

  const files = c.arr(top['files'], 'files').map((raw, i): Omit<TimelineEntry, 'stdout' | 'stderr'> => {
    const f = `files[${i}]`;
    const e = c.obj(raw, f);
    const kind = c.oneOf(e['kind'], `${f}.kind`, ['sample', 'fifo-line', 'json-dump'] as const);
    const path = c.str(e['file'], `${f}.file`);
    if (!insideFolder(path)) c.bad(`${f}.file`, `expected a path inside the scenario folder, got ${show(path)}`);
    // A FIFO line did not come from a process that exited; everything else has an integer exit code.
    const code = e['exit_code'];
    let exitCode: number | null;
    if (kind === 'fifo-line') exitCode = code === null || code === undefined ? null : c.num(code, `${f}.exit_code`);
    else if (typeof code === 'number' && Number.isInteger(code)) exitCode = code;
    else exitCode = c.bad(`${f}.exit_code`, `expected an integer for kind "${kind}", got ${show(code)}`);
    const entry: Omit<TimelineEntry, 'stdout' | 'stderr'> = {
      node: knownNode(e['node'], `${f}.node`),
      command: c.argv(e['command'], `${f}.command`),
      tMs: c.num(e['t_ms'], `${f}.t_ms`),
      exitCode,
      file: path,
      kind,
    };
    if (e['dur_ms'] !== undefined && e['dur_ms'] !== null) {
      const d = c.num(e['dur_ms'], `${f}.dur_ms`);
      if (d < 0) c.bad(`${f}.dur_ms`, `expected a duration >= 0, got ${d}`);
      entry.durMs = d;
    }
    const stderrFile = c.optStr(e, 'stderr_file', `${f}.stderr_file`);
    if (stderrFile !== undefined) {
      if (!insideFolder(stderrFile)) c.bad(`${f}.stderr_file`, `expected a path inside the scenario folder, got ${show(stderrFile)}`);
      entry.stderrFile = stderrFile;
    }
    const line = c.optStr(e, 'line', `${f}.line`);
    if (line !== undefined) entry.line = line;
    else if (kind === 'fifo-line') c.bad(`${f}.line`, 'expected a string for kind "fifo-line", got nothing');
    const phase = c.optStr(e, 'phase', `${f}.phase`);
    if (phase !== undefined) entry.phase = phase;
    return entry;
  });
  if (files.length === 0) c.bad('files', 'expected at least one recorded file');
  return { scenario, lab, nodes, eventWallclockUtc, markers, files };
};

// ---- loading --------------------------------------------------------------------------------------------

const readText = (path: string, indexFile: string, field: string | null): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new TimelineError(TIMELINE_ERRORS.unreadable, indexFile, field, `cannot read ${path} (${why})`, { cause: e });
  }
};

/** Read a scenario folder: index.json (checked) and every file it names. Throws TimelineError. */
export const loadTimeline = (dir: string): Timeline => {
  const indexFile = join(dir, 'index.json');
  const index = parseTimelineIndex(readText(indexFile, indexFile, null), indexFile);

  const entries: TimelineEntry[] = index.files.map((f, i) => ({
    ...f,
    stdout: readText(join(dir, f.file), indexFile, `files[${i}].file`),
    stderr: f.stderrFile === undefined ? '' : readText(join(dir, f.stderrFile), indexFile, `files[${i}].stderr_file`),
  }));
  // index.json is documented as sorted; sort anyway (stable) so that a hand-edited index cannot break replay.
  entries.sort((a, b) => a.tMs - b.tMs);

  const byNode = new Map<string, { samples: Map<string, TimelineEntry[]>; fifo: TimelineEntry[]; dumps: TimelineEntry[] }>();
  for (const n of index.nodes) byNode.set(n, { samples: new Map(), fifo: [], dumps: [] });
  for (const e of entries) {
    const rec = byNode.get(e.node);
    if (rec === undefined) continue; // unreachable: parseTimelineIndex checked every node
    if (e.kind === 'fifo-line') rec.fifo.push(e);
    else if (e.kind === 'json-dump') rec.dumps.push(e);
    else {
      const key = argvKey(e.command);
      const list = rec.samples.get(key);
      if (list === undefined) rec.samples.set(key, [e]);
      else list.push(e);
    }
  }
  return {
    dir,
    scenario: index.scenario,
    lab: index.lab,
    nodes: index.nodes,
    eventWallclockUtc: index.eventWallclockUtc,
    markers: [...index.markers].sort((a, b) => a.tMs - b.tMs),
    entries,
    byNode,
  };
};

// ---- pure queries ---------------------------------------------------------------------------------------

/** JSON keeps argv elements apart, so ['a b'] and ['a', 'b'] never collide. */
const argvKey = (argv: readonly string[]): string => JSON.stringify(argv);

/** Index of the last entry with tMs <= t, or -1. Entries are sorted by tMs. */
const lastAtOrBefore = (list: readonly TimelineEntry[], t: number): number => {
  let lo = 0;
  let hi = list.length; // invariant: list[< lo].tMs <= t, list[>= hi].tMs > t
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid]?.tMs ?? Infinity) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
};

const recordingOf = (timeline: Timeline, node: string): NodeRecording | undefined => timeline.byNode.get(node);

const toOutput = (e: TimelineEntry): RecordedOutput => {
  const out: RecordedOutput = { stdout: e.stdout, stderr: e.stderr, exitCode: e.exitCode ?? 0, tMs: e.tMs, file: e.file };
  if (e.durMs !== undefined) out.durMs = e.durMs;
  return out;
};

export const nodes = (timeline: Timeline): readonly string[] => timeline.nodes;

/** The first t_ms of any recorded file (keepalived: the FIFO lines from keepalived's start come before the samples). */
export const startMs = (timeline: Timeline): number => timeline.entries[0]?.tMs ?? 0;

/** The last t_ms of any recorded file. */
export const endMs = (timeline: Timeline): number => timeline.entries[timeline.entries.length - 1]?.tMs ?? 0;

/** The event (t_ms 0) and heal markers, by t_ms. */
export const events = (timeline: Timeline): readonly TimelineMarker[] => timeline.markers;

/** The argv of every periodic command recorded on a node. */
export const recordedCommands = (timeline: Timeline, node: string): (readonly string[])[] =>
  [...(recordingOf(timeline, node)?.samples.values() ?? [])].flatMap((list) => (list[0] === undefined ? [] : [list[0].command]));

/**
 * The output of `argv` on `node` current at `tMs`: the last sample with t_ms <= tMs; null before the first
 * sample, and null for a node or argv that was never recorded (see `firstSample` to tell the two apart).
 */
export const sampleAt = (timeline: Timeline, node: string, argv: readonly string[], tMs: number): RecordedOutput | null => {
  const list = recordingOf(timeline, node)?.samples.get(argvKey(argv));
  if (list === undefined) return null;
  const e = list[lastAtOrBefore(list, tMs)];
  return e === undefined ? null : toOutput(e);
};

/** The earliest sample of `argv` on `node`; null only when that command was never recorded there. */
export const firstSample = (timeline: Timeline, node: string, argv: readonly string[]): RecordedOutput | null => {
  const e = recordingOf(timeline, node)?.samples.get(argvKey(argv))?.[0];
  return e === undefined ? null : toOutput(e);
};

/**
 * keepalived notify-FIFO lines read on `node` with fromMs < t_ms <= toMs (half-open, so that polling with
 * consecutive windows delivers each line once; pass -Infinity as fromMs for "from the start").
 */
export const fifoLinesBetween = (timeline: Timeline, node: string, fromMs: number, toMs: number): FifoLine[] => {
  const list = recordingOf(timeline, node)?.fifo ?? [];
  const first = lastAtOrBefore(list, fromMs) + 1;
  const last = lastAtOrBefore(list, toMs);
  const lines: FifoLine[] = [];
  for (let i = first; i <= last; i++) {
    const e = list[i];
    if (e !== undefined) lines.push({ tMs: e.tMs, line: e.line ?? e.stdout.replace(/\n$/, '') });
  }
  return lines;
};

/** keepalived's JSON dump (`/tmp/keepalived.json`) as last taken on `node` at or before `tMs`; null before the first. */
export const jsonDumpAt = (timeline: Timeline, node: string, tMs: number): JsonDump | null => {
  const list = recordingOf(timeline, node)?.dumps ?? [];
  const e = list[lastAtOrBefore(list, tMs)];
  if (e === undefined) return null;
  const d: JsonDump = { tMs: e.tMs, text: e.stdout };
  if (e.phase !== undefined) d.phase = e.phase;
  return d;
};

// ---- the scenario catalogue -----------------------------------------------------------------------------

export interface ScenarioInfo {
  /** The folder name: what `hawatch demo --scenario` takes. */
  name: string;
  dir: string;
  description: string;
  nodes: string[];
  lab: LabKind;
}

/**
 * The first line of prose under the README's first heading. Each scenario README's heading is only the
 * scenario's name; the line under it is the one-line story.
 */
const readmeSummary = (readme: string): string | null => {
  const lines = readme.split('\n').map((l) => l.trim());
  const heading = lines.findIndex((l) => l.startsWith('#'));
  const line = lines.slice(heading + 1).find((l) => l !== '');
  if (line === undefined || line.startsWith('#')) return lines[heading]?.replace(/^#+\s*/, '') || null;
  return line;
};

/** Every scenario folder (one holding an index.json) under rootDir, by name. Throws TimelineError on a bad index. */
export const listScenarios = (rootDir: string): ScenarioInfo[] =>
  readdirSync(rootDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(rootDir, d.name, 'index.json')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(rootDir, name);
      const indexFile = join(dir, 'index.json');
      const index = parseTimelineIndex(readText(indexFile, indexFile, null), indexFile);
      const readmeFile = join(dir, 'README.md');
      const fromReadme = existsSync(readmeFile) ? readmeSummary(readText(readmeFile, readmeFile, null)) : null;
      const description = fromReadme ?? index.markers.map((m) => `${m.name}: ${m.what}`).join('; ');
      return { name, dir, description, nodes: index.nodes, lab: index.lab };
    });

/**
 * The scenarios shipped with hawatch. `tsc` does not copy data to dist/, so from dist/demo/ they are two
 * levels up; from the sources (tests, tsx) they sit next to this file.
 */
export const bundledScenariosDir = (): string => {
  const candidates = [new URL('./scenarios/', import.meta.url), new URL('../../demo/scenarios/', import.meta.url)];
  return fileURLToPath(candidates.find((u) => existsSync(u)) ?? new URL('./scenarios/', import.meta.url));
};
