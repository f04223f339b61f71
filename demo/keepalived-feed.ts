// The demo's stand-in for keepalived on a simulated node. The agent runs the real vrrp probe; this module gives it
// what a real keepalived would leave on the node: keepalived.conf (from the scenario README), a real notify FIFO
// into which the recorded lines are written at their recorded times, and the recorded JSON dumps written where the
// probe reads them. The probe reads all three through its own code paths (readConf, watchNotifyFifo, readDump).
//
// The scheduling (what is due when, lap restarts) is pure; `startKeepalivedFeed` only does the writes.
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exec } from '../agent/lib/exec.js';
import type { ScenarioPosition } from './replay-exec.js';
import { fifoLinesBetween, type Timeline } from './timeline.js';

/** One thing keepalived did on the node at a recorded time: write a FIFO line, or write its JSON dump. */
export type FeedWrite = { kind: 'fifo-line'; tMs: number; line: string } | { kind: 'json-dump'; tMs: number; text: string };

/** Everything to write on `node`, by recorded time; FIFO lines before a dump of the same millisecond. */
export const feedPlan = (timeline: Timeline, node: string): FeedWrite[] => {
  const lines: FeedWrite[] = fifoLinesBetween(timeline, node, -Infinity, Infinity).map((l) => ({ kind: 'fifo-line', tMs: l.tMs, line: l.line }));
  const dumps: FeedWrite[] = (timeline.byNode.get(node)?.dumps ?? []).map((d) => ({ kind: 'json-dump', tMs: d.tMs, text: d.stdout }));
  // Array.prototype.sort is stable: lines keep their order, and win ties since they come first.
  return [...lines, ...dumps].sort((a, b) => a.tMs - b.tMs);
};

/** How far a feed has written: the lap of the scenario clock and the scenario time written up to (inclusive). */
export interface FeedCursor {
  lap: number;
  doneMs: number;
}

export const FEED_START: Readonly<FeedCursor> = Object.freeze({ lap: 0, doneMs: -Infinity });

export interface FeedStep {
  /** The clock wrapped: the story starts again, so what was derived from the last lap (the dump) must go. */
  restart: boolean;
  writes: FeedWrite[];
  cursor: FeedCursor;
}

/** The writes due at `pos`: those after the cursor up to pos.tMs, each once; all from the start after a wrap. */
export const dueWrites = (plan: readonly FeedWrite[], cursor: FeedCursor, pos: ScenarioPosition): FeedStep => {
  const restart = pos.lap !== cursor.lap;
  const from = restart ? -Infinity : cursor.doneMs;
  return {
    restart,
    writes: plan.filter((w) => w.tMs > from && w.tMs <= pos.tMs),
    cursor: { lap: pos.lap, doneMs: Math.max(from, pos.tMs) },
  };
};

/**
 * Wall ms from `pos` until the first write after the cursor is due at `speed`, rounded up so that the clock has
 * reached it; 0 when it is already due or the clock wrapped; null when the lap has nothing left to write.
 */
export const nextWriteDelayMs = (plan: readonly FeedWrite[], cursor: FeedCursor, pos: ScenarioPosition, speed: number): number | null => {
  if (pos.lap !== cursor.lap) return 0;
  const next = plan.find((w) => w.tMs > cursor.doneMs);
  return next === undefined ? null : Math.max(0, Math.ceil((next.tMs - pos.tMs) / speed) + 1);
};

// ---- keepalived.conf from the scenario README --------------------------------------------------------------

export class KeepalivedConfError extends Error {
  override readonly name = 'KeepalivedConfError';
  readonly code = 'demo.keepalived_conf';
}

/**
 * The README's configuration line: "- node-a `/etc/keepalived/keepalived.conf` (node-b: `router_id lab_b`,
 * `priority 100`):", then a fenced block. The block is one node's file; the parenthesis says what differs on the
 * other nodes.
 */
const CONF_LINE = /^-\s+(\S+)\s+`([^`]*keepalived\.conf)`\s*(?:\((.*)\))?:?\s*$/m;
const OVERRIDES = /([A-Za-z0-9._-]+):\s*((?:`[^`]+`[\s,]*)+)/g;

const firstWord = (line: string): string => line.trim().split(/\s+/)[0] ?? '';

/** Replace the one line whose keyword is `key`, keeping its indentation. */
const setLine = (lines: string[], key: string, replacement: string, what: string): void => {
  const at = lines.flatMap((l, i) => (firstWord(l) === key ? [i] : []));
  if (at.length !== 1) throw new KeepalivedConfError(`${what}: expected one "${key}" line in the README's keepalived.conf, found ${at.length}`);
  const i = at[0]!;
  lines[i] = `${/^\s*/.exec(lines[i]!)?.[0] ?? ''}${replacement}`;
};

/**
 * keepalived.conf of `node` as the scenario README gives it: the README's file for the node it names, or that file
 * with the lines the README says differ for another node. `vrrp_notify_fifo` is pointed at `fifoPath` (in the lab
 * the FIFO was /run/keepalived/notify.fifo inside the node's mount namespace). Throws KeepalivedConfError.
 */
export const keepalivedConfFor = (readme: string, node: string, fifoPath: string, scenario = 'the scenario'): string => {
  const m = CONF_LINE.exec(readme);
  if (m === null) throw new KeepalivedConfError(`${scenario}: README.md shows no keepalived.conf ("- NODE \`.../keepalived.conf\`" line)`);
  const [, shownFor = '', labPath = '', note = ''] = m;
  const rest = readme.slice(m.index + m[0].length);
  const block = /^```[^\n]*\n([\s\S]*?)^```/m.exec(rest);
  if (block === null) throw new KeepalivedConfError(`${scenario}: no fenced block after the README's keepalived.conf line`);
  const lines = (block[1] ?? '').replace(/\n$/, '').split('\n');

  let derived = '';
  if (node !== shownFor) {
    const items = [...note.matchAll(OVERRIDES)].find((o) => o[1] === node)?.[2];
    if (items === undefined) throw new KeepalivedConfError(`${scenario}: README.md gives keepalived.conf for ${shownFor} and no differences for ${node}`);
    const changes = [...items.matchAll(/`([^`]+)`/g)].map((x) => (x[1] ?? '').trim());
    for (const c of changes) setLine(lines, firstWord(c), c, scenario);
    derived = ` with ${changes.join(', ')} for ${node}, as the README says`;
  }
  const quoted = /\s/.test(fifoPath) ? `"${fifoPath}"` : fifoPath;
  if (lines.some((l) => firstWord(l) === 'vrrp_notify_fifo')) setLine(lines, 'vrrp_notify_fifo', `vrrp_notify_fifo ${quoted}`, scenario);
  return [
    `# hawatch demo: ${labPath} of ${node} in ${scenario}, from its README.md (the file of ${shownFor}${derived}).`,
    `# vrrp_notify_fifo points at this demo's FIFO; in the lab it was /run/keepalived/notify.fifo.`,
    ...lines,
    '',
  ].join('\n');
};

// ---- the writes ----------------------------------------------------------------------------------------------

export interface KeepalivedFeedOptions {
  timeline: Timeline;
  node: string;
  /** The node's keepalived directory in the demo's data dir; created, and its feed files replaced. */
  dir: string;
  clock: { read: () => ScenarioPosition };
  /** Scenario ms per wall ms, as given to the clock. */
  speed: number;
  /** For `mkfifo` (agent/lib/exec.ts's exec in the demo). */
  exec: Exec;
  logger: { warn: (obj: object, msg: string) => void };
  /** Longest wall wait between two looks at the clock (it tells a wrap); default 100 ms. */
  pollMs?: number;
}

export interface KeepalivedFeed {
  /** "" when no FIFO could be made: then the probe must not watch one. */
  fifoPath: string;
  confPath: string;
  jsonDumpPath: string;
  stop(): Promise<void>;
}

const errText = (e: unknown): string => (e as Error).message ?? String(e);

/** Set up the node's keepalived files and write the recording into them as the clock passes each time. */
export const startKeepalivedFeed = async (o: KeepalivedFeedOptions): Promise<KeepalivedFeed> => {
  const plan = feedPlan(o.timeline, o.node);
  const pollMs = o.pollMs ?? 100;
  const confPath = join(o.dir, 'keepalived.conf');
  const jsonDumpPath = join(o.dir, 'keepalived.json');
  let fifoPath = join(o.dir, 'notify.fifo');
  const log = (obj: object, msg: string) => o.logger.warn({ node: o.node, ...obj }, msg);

  await mkdir(o.dir, { recursive: true });
  // A --data-dir kept from an earlier run: start as the recording does, with no dump and an empty FIFO.
  await Promise.all([rm(fifoPath, { force: true }), rm(jsonDumpPath, { force: true })]);
  const readme = await readFile(join(o.timeline.dir, 'README.md'), 'utf8');
  await writeFile(confPath, keepalivedConfFor(readme, o.node, fifoPath, o.timeline.scenario));

  let fifo: FileHandle | null = null;
  const made = await o.exec(['mkfifo', '-m', '600', fifoPath], { timeoutMs: 5_000 });
  if (made.kind === 'exited' && made.code === 0) {
    // Held open read-write as keepalived does: lines written before the agent's reader opens stay in the pipe.
    fifo = await open(fifoPath, constants.O_RDWR | constants.O_NONBLOCK);
  } else {
    const why = made.kind === 'exited' ? `exit ${made.code}: ${made.stderr.trim()}` : 'message' in made ? made.message : made.kind;
    log({ path: fifoPath, why }, 'mkfifo failed: this node\'s recorded FIFO lines are not replayed (dumps and config still are)');
    fifoPath = '';
  }

  const write = async (w: FeedWrite): Promise<void> => {
    if (w.kind === 'fifo-line') {
      if (fifo !== null) await fifo.write(`${w.line}\n`);
      return;
    }
    // Temp file and rename, as keepalived after 2.2.7 does: the probe never sees a half-written dump.
    await writeFile(`${jsonDumpPath}.tmp`, w.text);
    await rename(`${jsonDumpPath}.tmp`, jsonDumpPath);
  };

  let cursor: FeedCursor = { ...FEED_START };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    const step = dueWrites(plan, cursor, o.clock.read());
    cursor = step.cursor;
    if (step.restart) await rm(jsonDumpPath, { force: true }).catch((e: unknown) => log({ err: errText(e) }, 'could not remove the JSON dump'));
    for (const w of step.writes) {
      if (stopped) return;
      await write(w).catch((e: unknown) => log({ kind: w.kind, tMs: w.tMs, err: errText(e) }, 'could not replay a keepalived write'));
    }
    if (stopped) return;
    // Measured after the writes, so that their time is not waited again.
    const next = nextWriteDelayMs(plan, cursor, o.clock.read(), o.speed);
    timer = setTimeout(run, Math.min(pollMs, next ?? pollMs));
  };
  let busy: Promise<void> = Promise.resolve();
  const run = (): void => {
    busy = tick();
  };
  run();

  return {
    fifoPath,
    confPath,
    jsonDumpPath,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await busy;
      await fifo?.close();
      fifo = null;
    },
  };
};
