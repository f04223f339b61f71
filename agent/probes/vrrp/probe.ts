// The vrrp probe: keepalived's VRRP instances on this node and where their virtual addresses really are.
// Event-driven: watch() reads keepalived's notify FIFO and triggers a run on every line; each run reads the
// dumps and keepalived.conf if they are there and asks `ip -j addr show` for the ground truth. keepalived is never
// signalled on a schedule (keepalived #2066): only with jsonDumpSignal, once at start and after FIFO events.
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { ExecResult } from '../../lib/exec.js';
import type { VrrpProblem, VrrpReport } from '../../protocol/vrrp.js';
import type { ProbeContext, ProbeOutcome, WatchContext, Watcher, WatchingProbe } from '../types.js';
import { watchNotifyFifo } from './fifo.js';
import { nodeVrrpIo, type FileRead, type KeepalivedProcess, type VrrpIo } from './io.js';
import { vrrpSamples, vrrpStates } from './observe.js';
import { parseIpAddrJson, parseKeepalivedConf, parseKeepalivedJson, parseKeepalivedText, type IpInterface, type KeepalivedConf } from './parse.js';
import { applyFifoLine, buildVrrpReport, emptyFifoMemory, type FifoMemory, type VrrpInputs } from './report.js';

export const IP_ADDR_ARGV = ['ip', '-j', 'addr', 'show'] as const;
export const KEEPALIVED_VERSION_ARGV = ['keepalived', '--version'] as const;
export const KEEPALIVED_SIGNUM_JSON_ARGV = ['keepalived', '--signum=JSON'] as const;

export const VRRP_PROBE_ERRORS = {
  absent: 'vrrp.absent',
  timeout: 'vrrp.timeout',
  exec: 'vrrp.exec_failed',
  signalled: 'vrrp.signalled',
  exit: 'vrrp.exit_status',
  ipAbsent: 'vrrp.ip_absent',
} as const;

/** The probe's options (config block `probes.vrrp`, next to enabled/interval/timeout); defaults in the schema. */
export const VrrpProbeOptions = Type.Object(
  {
    /** keepalived's `vrrp_notify_fifo` (global_defs); "" = do not watch one. */
    fifoPath: Type.String({ default: '/run/keepalived/notify.fifo' }),
    /** How often a missing FIFO is retried and an open one checked against its path. */
    fifoRetrySeconds: Type.Number({ minimum: 0.1, maximum: 3_600, default: 5 }),
    /** "" = do not read keepalived.conf. */
    confPath: Type.String({ default: '/etc/keepalived/keepalived.conf' }),
    /** keepalived's config id for `@id` lines in keepalived.conf; null = the host name up to the first dot (keepalived's default). */
    configId: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null }),
    /** Read if present; written by keepalived on its JSON signal. "" = never read. */
    jsonDumpPath: Type.String({ default: '/tmp/keepalived.json' }),
    /** Read if present (SIGUSR1); the fallback for keepalived builds without JSON. "" = never read. */
    dataDumpPath: Type.String({ default: '/tmp/keepalived.data' }),
    /** Read if present (SIGUSR2); counters when there is no JSON dump. "" = never read. */
    statsDumpPath: Type.String({ default: '/tmp/keepalived.stats' }),
    /** Debian/Ubuntu/RHEL default; a stale or missing one falls back to the process list. */
    pidFile: Type.String({ default: '/run/keepalived.pid' }),
    /** Look for the keepalived process (off when keepalived runs in another PID namespace, e.g. a sidecar). */
    checkProcess: Type.Boolean({ default: true }),
    /**
     * Send keepalived its JSON signal ourselves: once at start, then only after notify-FIFO events, at most every
     * jsonDumpMinIntervalSeconds. Fresher counters and priorities, at the cost of making keepalived write a file
     * (2.2.7 writes it in place, so other readers may see it half-written).
     */
    jsonDumpSignal: Type.Boolean({ default: false }),
    jsonDumpMinIntervalSeconds: Type.Number({ minimum: 1, maximum: 86_400, default: 60 }),
  },
  { additionalProperties: false, default: {} },
);
export type VrrpProbeOptions = Static<typeof VrrpProbeOptions>;

export class VrrpOptionsError extends Error {
  override readonly name = 'VrrpOptionsError';
  readonly code = 'vrrp.bad_options';
}

/** Options with the schema's defaults; bad options fail fast. */
export const vrrpProbeOptions = (raw: unknown = {}): VrrpProbeOptions => {
  const v = Value.Default(VrrpProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(VrrpProbeOptions, v)) {
    const problems = [...Value.Errors(VrrpProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new VrrpOptionsError(`invalid vrrp probe options: ${problems.join('; ')}`);
  }
  return v as VrrpProbeOptions;
};

type Outcome = ProbeOutcome<VrrpReport>;

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';

/** `keepalived --version` → "2.2.7" (keepalived 2.2.7 prints it on stderr). */
export const keepalivedVersionOf = (r: ExecResult): string | null => {
  if (r.kind !== 'exited') return null;
  const m = /Keepalived v(\d[^\s]*)/.exec(`${r.stdout}\n${r.stderr}`);
  return m ? m[1]! : null;
};

/** Turn the `ip -j addr show` run into interfaces, or the failed/timeout outcome it means. Exported for tests. */
export const ipOutcome = (r: ExecResult, timeoutMs: number): { ok: true; ip: IpInterface[] } | { ok: false; status: 'failed' | 'timeout'; code: string; message: string } => {
  switch (r.kind) {
    case 'absent':
      return { ok: false, status: 'failed', code: VRRP_PROBE_ERRORS.ipAbsent, message: r.message };
    case 'error':
      return { ok: false, status: 'failed', code: VRRP_PROBE_ERRORS.exec, message: r.message };
    case 'timeout':
      return { ok: false, status: 'timeout', code: VRRP_PROBE_ERRORS.timeout, message: `ip -j addr show did not finish within ${timeoutMs} ms` };
    case 'signalled':
      return { ok: false, status: 'failed', code: VRRP_PROBE_ERRORS.signalled, message: `ip killed by ${r.signal}: ${firstLine(r.stderr)}` };
    case 'exited':
      break;
  }
  if (r.code !== 0) return { ok: false, status: 'failed', code: VRRP_PROBE_ERRORS.exit, message: `ip -j addr show exited ${r.code}: ${firstLine(r.stderr)}` };
  const p = parseIpAddrJson(r.stdout);
  if (!p.ok) return { ok: false, status: 'failed', code: p.error.code, message: `${p.error.message}${r.truncated ? ' (output truncated)' : ''}` };
  return { ok: true, ip: p.value };
};

const GLOB = /[*?[]/;
const globRegex = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );

const MAX_CONF_FILES = 100;

/** keepalived.conf and its `include`s (glob characters only in the last path component), merged. */
const readConf = async (io: VrrpIo, path: string, configId: string, problems: VrrpProblem[]): Promise<KeepalivedConf | null> => {
  const first = await io.readFile(path);
  if (!first.ok) {
    if (!first.missing) problems.push({ source: 'keepalived-conf', code: 'vrrp.read_failed', message: first.message });
    return null;
  }
  const merged: KeepalivedConf = { instances: [], groups: [], notifyFifo: null, vrrpNotifyFifo: null, includes: [], warnings: [] };
  const queue: { file: string; read: FileRead; depth: number }[] = [{ file: path, read: first, depth: 0 }];
  let files = 0;
  let anyOk = false;
  while (queue.length > 0 && files < MAX_CONF_FILES) {
    const { file, read, depth } = queue.shift()!;
    files++;
    if (!read.ok) {
      problems.push({ source: 'keepalived-conf', code: 'vrrp.read_failed', message: read.message });
      continue;
    }
    const r = parseKeepalivedConf(read.text, configId);
    if (!r.ok) {
      problems.push({ source: 'keepalived-conf', code: r.error.code, message: `${file}: ${r.error.message}` });
      continue;
    }
    anyOk = true;
    const c = r.value;
    merged.instances.push(...c.instances);
    merged.groups.push(...c.groups);
    merged.notifyFifo ??= c.notifyFifo;
    merged.vrrpNotifyFifo ??= c.vrrpNotifyFifo;
    for (const w of c.warnings) problems.push({ source: 'keepalived-conf', code: 'vrrp.conf_partial', message: `${file}: ${w}` });
    for (const pattern of c.includes.flatMap((p) => p.split(/\s+/))) {
      if (depth >= 4) {
        problems.push({ source: 'keepalived-conf', code: 'vrrp.conf_partial', message: `${file}: include ${pattern} not followed (nested too deep)` });
        continue;
      }
      const abs = resolve(dirname(file), pattern);
      const dir = dirname(abs);
      const base = abs.slice(dir.length + 1);
      if (GLOB.test(dir)) {
        problems.push({ source: 'keepalived-conf', code: 'vrrp.conf_partial', message: `${file}: include ${pattern} not followed (wildcards in a directory)` });
        continue;
      }
      const names = GLOB.test(base) ? ((await io.listDir(dir)) ?? []).filter((n) => globRegex(base).test(n)).sort() : [base];
      for (const n of names) queue.push({ file: join(dir, n), read: await io.readFile(join(dir, n)), depth: depth + 1 });
    }
  }
  return anyOk ? merged : null;
};

interface DumpRead<T> {
  value: T;
  atMs: number;
}

const readDump = async <T>(
  io: VrrpIo,
  path: string,
  source: VrrpProblem['source'],
  parse: (text: string) => { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
  proc: KeepalivedProcess | null,
  problems: VrrpProblem[],
): Promise<DumpRead<T> | null> => {
  if (path === '') return null;
  const f = await io.readFile(path);
  if (!f.ok) {
    if (!f.missing) problems.push({ source, code: 'vrrp.read_failed', message: f.message });
    return null;
  }
  // A dump older than the running keepalived describes a previous process (2 s of slack for clock granularity).
  if (proc?.running && proc.startedAtMs !== null && f.mtimeMs < proc.startedAtMs - 2_000) {
    problems.push({ source, code: 'vrrp.dump_stale', message: `${path} was written before keepalived (pid ${proc.pid}) started: ignored` });
    return null;
  }
  const r = parse(f.text);
  if (!r.ok) {
    problems.push({ source, code: r.error.code, message: `${path}: ${r.error.message}` });
    return null;
  }
  return { value: r.value, atMs: f.mtimeMs };
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface VrrpProbeDeps {
  io?: VrrpIo;
  /** For keepalived's default config id. */
  hostname?: () => string;
}

/** A vrrp probe with its own FIFO memory; one per agent. */
export const createVrrpProbe = (options: unknown = {}, deps: VrrpProbeDeps = {}): WatchingProbe<VrrpReport> => {
  const opts = vrrpProbeOptions(options);
  const io = deps.io ?? nodeVrrpIo;
  const configId = opts.configId ?? (deps.hostname ?? hostname)().split('.')[0] ?? '';

  // This probe instance's state: what the FIFO said, the watcher's status, and a few cached facts.
  let memory: FifoMemory = emptyFifoMemory();
  let watching = false;
  let fifoOpen = false;
  let eventsSinceSignal = false;
  let lastSignalAt: number | null = null;
  /** null = not asked yet; 0 = this keepalived has no JSON support. */
  let jsonSignum: number | null = null;
  /** keepalived --version, asked again when the keepalived pid changes. */
  let version: { key: string; installed: boolean | null; version: string | null } | null = null;

  const askVersion = async (ctx: ProbeContext, key: string, timeoutMs: number, problems: VrrpProblem[]): Promise<void> => {
    if (version?.key === key) return;
    const r = await ctx.exec(KEEPALIVED_VERSION_ARGV, { timeoutMs });
    if (r.kind === 'absent') version = { key, installed: false, version: null };
    else if (r.kind === 'exited') version = { key, installed: true, version: keepalivedVersionOf(r) };
    else problems.push({ source: 'keepalived', code: 'vrrp.version_failed', message: `keepalived --version: ${r.kind === 'error' ? r.message : r.kind}` });
  };

  /** keepalived's JSON signal, then wait (within the budget) for the file to change. */
  const refreshJsonDump = async (ctx: ProbeContext, pid: number, left: () => number, problems: VrrpProblem[]): Promise<void> => {
    if (jsonSignum === null) {
      const r = await ctx.exec(KEEPALIVED_SIGNUM_JSON_ARGV, { timeoutMs: left() });
      const n = r.kind === 'exited' && r.code === 0 ? Number(r.stdout.trim()) : NaN;
      if (Number.isInteger(n) && n > 0) jsonSignum = n;
      else if (r.kind === 'exited') {
        // A keepalived built without --enable-json: "Unknown sigfunc JSON".
        jsonSignum = 0;
        problems.push({ source: 'keepalived-json', code: 'vrrp.json_unsupported', message: `keepalived --signum=JSON: ${firstLine(r.stderr || r.stdout) || `exit ${r.code}`}` });
      } else return;
    }
    if (jsonSignum === 0) return;
    const before = await io.readFile(opts.jsonDumpPath);
    const err = io.signal(pid, jsonSignum);
    lastSignalAt = ctx.now();
    eventsSinceSignal = false;
    if (err !== null) {
      problems.push({ source: 'keepalived-json', code: 'vrrp.signal_failed', message: err });
      return;
    }
    const deadline = Math.min(1_000, left() / 2);
    for (let waited = 0; waited < deadline; waited += 50) {
      const now = await io.readFile(opts.jsonDumpPath);
      // keepalived 2.2.7 writes the file in place: wait until it is new and complete.
      if (now.ok && (!before.ok || now.mtimeMs !== before.mtimeMs) && parseKeepalivedJson(now.text).ok) return;
      await sleep(50);
    }
  };

  const run = async (ctx: ProbeContext): Promise<Outcome> => {
    const t0 = ctx.now();
    const left = (): number => Math.max(1, ctx.timeoutMs - (ctx.now() - t0));
    const problems: VrrpProblem[] = [];

    const proc = opts.checkProcess ? await io.keepalivedProcess(opts.pidFile) : null;
    const versionDone = askVersion(ctx, String(proc?.pid ?? 'none'), ctx.timeoutMs, problems);

    if (opts.jsonDumpSignal && opts.jsonDumpPath !== '' && proc?.running && proc.pid !== null) {
      const due = lastSignalAt === null || (eventsSinceSignal && ctx.now() - lastSignalAt >= opts.jsonDumpMinIntervalSeconds * 1000);
      if (due) await refreshJsonDump(ctx, proc.pid, left, problems);
    }

    const [ipRun, conf, json, data, stats] = await Promise.all([
      ctx.exec(IP_ADDR_ARGV, { timeoutMs: left() }),
      opts.confPath === '' ? Promise.resolve(null) : readConf(io, opts.confPath, configId, problems),
      readDump(io, opts.jsonDumpPath, 'keepalived-json', parseKeepalivedJson, proc, problems),
      readDump(io, opts.dataDumpPath, 'keepalived-data', parseKeepalivedText, proc, problems),
      readDump(io, opts.statsDumpPath, 'keepalived-stats', parseKeepalivedText, proc, problems),
      versionDone,
    ]);

    const installed = version?.installed ?? null;
    const nothing = conf === null && json === null && data === null && stats === null && !fifoOpen && memory.lines === 0;
    if (installed === false && proc?.running !== true && nothing) {
      return { status: 'absent', error: { code: VRRP_PROBE_ERRORS.absent, message: 'keepalived is not installed on this node' }, samples: [], states: [] };
    }

    if (opts.fifoPath !== '' && conf !== null && conf.vrrpNotifyFifo !== opts.fifoPath && conf.notifyFifo !== opts.fifoPath) {
      problems.push({
        source: 'keepalived-conf',
        code: 'vrrp.fifo_not_configured',
        message: `keepalived.conf has no "vrrp_notify_fifo ${opts.fifoPath}" in global_defs (it has ${conf.vrrpNotifyFifo ?? conf.notifyFifo ?? 'none'}): state changes are seen only through dumps`,
      });
    }

    const inputs: VrrpInputs = {
      keepalived: { running: proc?.running ?? null, pid: proc?.pid ?? null, version: version?.version ?? null },
      fifo: watching ? { path: opts.fifoPath, open: fifoOpen } : null,
      fifoMemory: memory,
      json: json === null ? null : { dump: json.value, atMs: json.atMs },
      data: data !== null && data.value.kind === 'data' ? { dump: data.value, atMs: data.atMs } : null,
      stats: stats !== null && stats.value.kind === 'stats' ? { dump: stats.value, atMs: stats.atMs } : null,
      conf,
      problems,
    };
    if (data !== null && data.value.kind !== 'data') problems.push({ source: 'keepalived-data', code: 'vrrp.unknown_format', message: `${opts.dataDumpPath} holds a stats dump` });
    if (stats !== null && stats.value.kind !== 'stats') problems.push({ source: 'keepalived-stats', code: 'vrrp.unknown_format', message: `${opts.statsDumpPath} holds a data dump` });

    const ip = ipOutcome(ipRun, ctx.timeoutMs);
    if (!ip.ok) {
      // Without the ground truth there is no VIP placement: report what keepalived says, but as a failed run.
      const report = buildVrrpReport(inputs);
      return { status: ip.status, error: { code: ip.code, message: ip.message.slice(0, 4096) }, report, samples: [], states: [] };
    }
    const report = buildVrrpReport({ ...inputs, ip: ip.ip });
    return { status: 'ok', report, samples: vrrpSamples(report), states: vrrpStates(report) };
  };

  const watch = (ctx: WatchContext): Watcher => {
    if (opts.fifoPath === '') return { stop: async () => undefined };
    watching = true;
    const w = watchNotifyFifo({
      path: opts.fifoPath,
      retryMs: opts.fifoRetrySeconds * 1000,
      onLine: (line) => {
        const bad = memory.badLines;
        memory = applyFifoLine(memory, line, ctx.now());
        // Log the first stray line and then every 100th, not each one.
        if (memory.badLines > bad && memory.badLines % 100 === 1) {
          ctx.logger.warn({ probe: 'vrrp', path: opts.fifoPath, line: line.slice(0, 200), badLines: memory.badLines }, 'not a keepalived notify-FIFO line');
        }
        eventsSinceSignal = true;
        ctx.trigger();
      },
      onStatus: (s) => {
        fifoOpen = s.open;
        if (s.open) ctx.logger.info({ probe: 'vrrp', path: opts.fifoPath }, 'reading the keepalived notify FIFO');
        else ctx.logger.warn({ probe: 'vrrp', path: opts.fifoPath, error: s.error }, 'keepalived notify FIFO not open; retrying');
        ctx.trigger();
      },
    });
    return {
      stop: async () => {
        await w.stop();
        watching = false;
        fifoOpen = false;
      },
    };
  };

  return { name: 'vrrp', run, watch };
};
