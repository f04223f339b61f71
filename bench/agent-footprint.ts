// bench/agent-footprint: the built agent's resident memory and CPU in steady state, with every probe running on
// recorded outputs. The agent is the real `hawatch agent` process; only its PATH is a folder of fake tools (sh
// scripts that print recordings from demo/scenarios/ and test/fixtures/probes/, advancing through a probe's
// recorded samples on each call so that states change as they did on the recorded cluster). Pushes go to a
// dummy receiver on 127.0.0.1 that acknowledges every batch. Samples /proc/<pid>/status (VmRSS, VmHWM, RssAnon,
// RssFile) and /proc/<pid>/stat (utime+stime of the agent; cutime+cstime of its finished children, the fake
// tools) every --sample seconds; the V8 heap comes from a preloaded one-liner that answers SIGUSR2 with
// process.memoryUsage() (no timer of its own, so it costs nothing between samples).
// Usage: npm run bench:agent [-- --seconds 60 --interval 5 --warmup 15 --push 30 --node-options=--max-semi-space-size=1]
//   HAWATCH_CLI=/path/to/hawatch.js picks another build (default: ../cli/hawatch.js next to this file).
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadTimeline } from '../demo/timeline.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '30' },
    sample: { type: 'string', default: '5' },
    push: { type: 'string', default: '30' },
    'node-options': { type: 'string', default: '' },
    scenario: { type: 'string', default: 'pcmk3-partition-node3' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const INTERVAL = Number(values.interval);
const WARMUP = Number(values.warmup);
const SAMPLE = Number(values.sample);
const PUSH = Number(values.push);
const NODE_OPTIONS = (values['node-options'] ?? '').split(/\s+/).filter(Boolean);

// From dist/bench/ (or any --outDir/bench/) the repository is found from the working directory, where npm runs us.
const REPO = process.env['HAWATCH_REPO'] ?? process.cwd();
const CLI = process.env['HAWATCH_CLI'] ?? fileURLToPath(new URL('../cli/hawatch.js', import.meta.url));
const FIX = join(REPO, 'test', 'fixtures', 'probes');
const SCENARIO = join(REPO, 'demo', 'scenarios', values.scenario ?? 'pcmk3-partition-node3');
const SHARED = process.env['HAWATCH_SHARED_FIXTURES'] ?? '/work/shared/fixtures';
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
if (!existsSync(FIX) || !existsSync(SCENARIO)) throw new Error(`run from the repository root (no ${FIX} or ${SCENARIO}), or set HAWATCH_REPO`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const which = (cmd: string): string => execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
const CAT = which('cat');
const SLEEP = which('sleep');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---- fake tools ---------------------------------------------------------------------------------------------------

interface Output {
  stdout: string;
  stderr: string;
  rc: number;
}
/** program → (its arguments joined by spaces → recorded outputs, played in turn) */
const tools = new Map<string, Map<string, Output[]>>();
const record = (argv: readonly string[], outs: Output[]): void => {
  const [prog, ...args] = argv;
  if (prog === undefined || outs.length === 0) return;
  const m = tools.get(prog) ?? new Map<string, Output[]>();
  tools.set(prog, m);
  const key = args.join(' ');
  if (!m.has(key)) m.set(key, outs); // the first recording of a command wins
};
const text = (path: string): string => readFileSync(path, 'utf8');
const textOr = (path: string, fallback: string): string => (existsSync(path) ? text(path) : fallback);

/** The `runs` of a fixture's case.json (corosync, heartbeat). */
const fromCase = (dir: string): void => {
  const c = JSON.parse(text(join(dir, 'case.json'))) as { runs: { argv: string[]; exitCode: number; stdout: string | null; stderr: string | null }[] };
  for (const r of c.runs) {
    record(r.argv, [{ stdout: r.stdout ? text(join(dir, r.stdout)) : '', stderr: r.stderr ? text(join(dir, r.stderr)) : '', rc: r.exitCode }]);
  }
};

// Pacemaker and corosync: every recorded sample of node n1 of the scenario, in order.
const timeline = loadTimeline(SCENARIO);
const n1 = timeline.byNode.get(timeline.nodes[0] ?? '');
for (const entries of n1?.samples.values() ?? []) {
  const first = entries[0];
  if (first) record(first.command, entries.map((e) => ({ stdout: e.stdout, stderr: e.stderr, rc: e.exitCode ?? 0 })));
}
fromCase(join(FIX, 'corosync', 'capture-knet-3node-node3-isolated_view-node3')); // runtime.votequorum, nodelist.node
fromCase(join(FIX, 'heartbeat', 'capture-01-healthy_node1'));
fromCase(join(FIX, 'heartbeat', 'shared-01-healthy_node1'));
// iscsi
const iscsiDir = join(FIX, 'iscsi', 'multipath-one-path-failed');
for (const args of [['-m', 'session', '-P', '3'], ['-m', 'node']]) {
  const base = join(iscsiDir, `iscsiadm_${args.join('_')}`);
  record(['iscsiadm', ...args], [{ stdout: text(`${base}.stdout`), stderr: text(`${base}.stderr`), rc: Number(text(`${base}.rc`)) }]);
}
// fencing: one SBD device and the fencing history
const SBD_DEVICE = '/dev/hawatch-bench-sbd';
record(['sbd', '-d', SBD_DEVICE, 'dump'], [{ stdout: text(join(FIX, 'fencing', 'sbd', 'shared', '02-dump.txt')), stderr: '', rc: 0 }]);
record(['sbd', '-d', SBD_DEVICE, 'list'], [{ stdout: text(join(FIX, 'fencing', 'sbd', 'shared', '08-list-node3-reset-pending.txt')), stderr: '', rc: 0 }]);
const stonithDir = join(FIX, 'fencing', 'stonith', '06-history-done-verbose');
record(['stonith_admin', '--history', '*', '--output-as=xml', '--verbose'], [
  { stdout: text(join(stonithDir, 'stdout.xml')), stderr: textOr(join(stonithDir, 'stderr.txt'), ''), rc: Number(text(join(stonithDir, 'rc'))) },
]);
// vrrp: the ground truth from `ip -j addr show`; keepalived's files are given to the probe as paths below
const vrrpDir = join(FIX, 'vrrp', 'lab-02-node-a-v6-priority-90-backup');
record(['ip', '-j', 'addr', 'show'], [{ stdout: text(join(vrrpDir, 'ip-j-addr-show.json')), stderr: '', rc: 0 }]);
// drbd: DRBD 9 status (a third-party capture when the shared fixtures are here, else no resources); the events2
// stream stays open and silent, like a quiet node's.
const drbdStatus = join(SHARED, 'drbd', 'status-json', 'ha_cluster_exporter__drbdsetup-status-json.json');
record(['drbdsetup', 'status', '--json'], [{ stdout: textOr(drbdStatus, '[]\n'), stderr: '', rc: 0 }]);

const work = mkdtempSync(join(tmpdir(), 'hawatch-footprint-'));
const bin = join(work, 'bin');
const fx = join(work, 'fx');
mkdirSync(bin);
mkdirSync(fx);
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let k = 0;
for (const [prog, cmds] of tools) {
  const arms: string[] = [];
  for (const [args, outs] of cmds) {
    const key = `k${k++}`;
    outs.forEach((o, i) => {
      writeFileSync(join(fx, `${key}.${i}.out`), o.stdout);
      writeFileSync(join(fx, `${key}.${i}.err`), o.stderr);
      writeFileSync(join(fx, `${key}.${i}.rc`), `${o.rc}\n`);
    });
    writeFileSync(join(fx, `${key}.i`), '0\n');
    arms.push(`  ${q(args)}) K=${key}; N=${outs.length} ;;`);
  }
  const script = [
    '#!/bin/sh',
    `D=${q(fx)}`,
    'case "$*" in',
    ...arms,
    prog === 'drbdsetup' ? `  'events2 --timestamps') exec ${q(SLEEP)} 86400 ;;` : '',
    `  *) echo "hawatch bench: $0 $*: not recorded" >&2; exit 127 ;;`,
    'esac',
    // the next recorded sample on each call, round and round
    'read i < "$D/$K.i"',
    '[ "$N" -gt 1 ] && echo $(( (i + 1) % N )) > "$D/$K.i"',
    `${q(CAT)} "$D/$K.$i.err" >&2`,
    `${q(CAT)} "$D/$K.$i.out"`,
    'read rc < "$D/$K.$i.rc"',
    'exit "$rc"',
    '',
  ].join('\n');
  writeFileSync(join(bin, prog), script);
  chmodSync(join(bin, prog), 0o755);
}

// DRBD 9's /proc/drbd holds only version lines; resources come from drbdsetup.
const procDrbd = join(work, 'proc-drbd');
writeFileSync(procDrbd, 'version: 9.2.12 (api:2/proto:86-122)\nTransports (api:21): tcp (9.2.12)\n');
const fifo = join(work, 'notify.fifo');
execFileSync('mkfifo', [fifo]);
// the capture prefixes each line with its time and a tab; keepalived writes only what follows
const fifoLines = text(join(vrrpDir, 'notify-fifo.log'))
  .split('\n')
  .map((l) => l.slice(l.indexOf('\t') + 1))
  .filter((l) => l.trim() !== '');

// ---- the receiver -----------------------------------------------------------------------------------------------

const got = { batches: 0, observations: 0, bytes: 0 };
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const b = JSON.parse(body) as { seq: number; observations: unknown[] };
      got.batches++;
      got.observations += b.observations.length;
      got.bytes += body.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ seq: b.seq, duplicate: false }));
    } catch {
      res.writeHead(400).end('{"error":"bad json"}');
    }
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

// ---- the agent --------------------------------------------------------------------------------------------------

const every = (extra = '') => `    intervalSeconds: ${INTERVAL}\n${extra}`;
const config = `cluster: benchlab
node: n1
dataDir: ${q(join(work, 'data'))}
collector:
  url: http://127.0.0.1:${port}
  token: bench-token-0123456789abcdef
  pushIntervalSeconds: ${PUSH}
probes:
  pacemaker:
${every()}  corosync:
${every()}  heartbeat:
${every()}  iscsi:
${every("    sysfsSessionPath: ''\n")}  fencing:
${every(`    sbdDevices: [${q(SBD_DEVICE)}]\n`)}  drbd:
${every(`    procDrbdPath: ${q(procDrbd)}\n`)}  vrrp:
${every(
  [
    `    fifoPath: ${q(fifo)}`,
    `    confPath: ${q(join(vrrpDir, 'keepalived.conf'))}`,
    `    jsonDumpPath: ${q(join(vrrpDir, 'keepalived.json'))}`,
    `    dataDumpPath: ${q(join(vrrpDir, 'keepalived.data'))}`,
    `    statsDumpPath: ${q(join(vrrpDir, 'keepalived.stats'))}`,
    '    checkProcess: false',
    '',
  ].join('\n'),
)}`;
const configFile = join(work, 'agent.yaml');
writeFileSync(configFile, config);

const memFile = join(work, 'memory.json');
// Answers SIGUSR2 with process.memoryUsage() in memFile; loaded with --import, so the agent's code is untouched.
const preload = `data:text/javascript,${encodeURIComponent(
  `import{writeFileSync}from'node:fs';import v8 from'node:v8';process.on('SIGUSR2',()=>writeFileSync(${JSON.stringify(memFile)},JSON.stringify({...process.memoryUsage(),physical:v8.getHeapStatistics().total_physical_size,malloced:v8.getHeapStatistics().malloced_memory,spaces:Object.fromEntries(v8.getHeapSpaceStatistics().map((s)=>[s.space_name,s.physical_space_size]))})));`,
)}`;
const logFile = join(work, 'agent.log');
const logFd = openSync(logFile, 'w');
const t0 = performance.now();
const child = spawn(process.execPath, [...NODE_OPTIONS, '--import', preload, CLI, 'agent', '--config', configFile], {
  env: { ...process.env, PATH: bin, HAWATCH_LOG_LEVEL: 'info' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
const pid = child.pid;
if (pid === undefined) throw new Error('could not start the agent');
let startMs: number | undefined;
let logLines = 0;
let logTail = '';
child.stderr.on('data', (c: Buffer) => {
  writeSync(logFd, c);
  const s = c.toString('utf8');
  logLines += s.split('\n').length - 1;
  logTail = (logTail + s).slice(-4000);
  if (startMs === undefined && s.includes('"agent started"')) startMs = performance.now() - t0;
});
let exited: string | undefined;
child.on('exit', (code, signal) => (exited = `exited ${code ?? signal}`));

// keepalived's notify FIFO: a recorded line every 20 s, as a VRRP event would write it.
let fifoFd: number | undefined;
const fifoTimer = setInterval(() => {
  try {
    fifoFd ??= openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK); // fails until the agent has opened it
    writeSync(fifoFd, `${fifoLines[Math.floor(Math.random() * fifoLines.length)] ?? ''}\n`);
  } catch {
    // no reader yet
  }
}, 20_000);

interface Sample {
  atS: number;
  rssKb: number;
  hwmKb: number;
  anonKb: number;
  fileKb: number;
  cpuTicks: number;
  childTicks: number;
  heap?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; physical: number; malloced: number; spaces: Record<string, number> };
}
const kb = (status: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
const sample = async (): Promise<Sample> => {
  rmSync(memFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  // fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15, cutime 16, cstime 17
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const s: Sample = {
    atS: (performance.now() - t0) / 1000,
    rssKb: kb(status, 'VmRSS'),
    hwmKb: kb(status, 'VmHWM'),
    anonKb: kb(status, 'RssAnon'),
    fileKb: kb(status, 'RssFile'),
    cpuTicks: (f[11] ?? 0) + (f[12] ?? 0),
    childTicks: (f[13] ?? 0) + (f[14] ?? 0),
  };
  for (let i = 0; i < 20 && !existsSync(memFile); i++) await sleep(10);
  if (existsSync(memFile)) s.heap = JSON.parse(text(memFile)) as NonNullable<Sample['heap']>;
  return s;
};

const samples: Sample[] = [];
const MB = (k: number) => (k / 1024).toFixed(1);
const mb = (b: number | undefined) => (b === undefined ? '-' : (b / 1048576).toFixed(1));
try {
  const end = WARMUP + SECONDS;
  for (let t = SAMPLE; ; t += SAMPLE) {
    await sleep(Math.max(0, t * 1000 - (performance.now() - t0)));
    if (exited) throw new Error(`the agent ${exited}:\n${logTail}`);
    const s = await sample();
    samples.push(s);
    if (!values.json) {
      process.stdout.write(
        `t=${s.atS.toFixed(0).padStart(4)} s  RSS ${MB(s.rssKb)} MB (anon ${MB(s.anonKb)}, file ${MB(s.fileKb)})  HWM ${MB(s.hwmKb)} MB  heap ${mb(s.heap?.heapUsed)}/${mb(s.heap?.heapTotal)} MB  external ${mb(s.heap?.external)} MB\n`,
      );
    }
    if (t >= end) break;
  }
} finally {
  clearInterval(fifoTimer);
  if (fifoFd !== undefined) closeSync(fifoFd);
  if (!exited) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  server.close();
  closeSync(logFd);
}

const steady = samples.filter((s) => s.atS >= WARMUP - 0.5);
const a = steady[0];
const b = steady[steady.length - 1];
if (!a || !b || a === b) throw new Error('not enough samples: raise --seconds');
const wallS = b.atS - a.atS;
const cpuPct = (100 * (b.cpuTicks - a.cpuTicks)) / CLK_TCK / wallS;
const childPct = (100 * (b.childTicks - a.childTicks)) / CLK_TCK / wallS;
const rss = steady.map((s) => s.rssKb);
const heapUsed = steady.flatMap((s) => (s.heap ? [s.heap.heapUsed] : []));
const result = {
  probes: 7,
  intervalS: INTERVAL,
  steadyS: Math.round(wallS),
  nodeOptions: NODE_OPTIONS.join(' '),
  startMs: startMs === undefined ? null : Math.round(startMs),
  rssMb: { min: +MB(Math.min(...rss)), mean: +MB(rss.reduce((x, y) => x + y, 0) / rss.length), max: +MB(Math.max(...rss)) },
  hwmMb: +MB(b.hwmKb),
  anonMb: +MB(b.anonKb),
  fileMb: +MB(b.fileKb),
  heapUsedMb: heapUsed.length ? { min: +mb(Math.min(...heapUsed)), max: +mb(Math.max(...heapUsed)) } : null,
  heapTotalMb: b.heap ? +mb(b.heap.heapTotal) : null,
  externalMb: b.heap ? +mb(b.heap.external) : null,
  cpuPctOfCore: +cpuPct.toFixed(2),
  cpuMsPerInterval: +((cpuPct / 100) * INTERVAL * 1000).toFixed(1),
  toolsCpuPctOfCore: +childPct.toFixed(2),
  received: got,
  logLines,
};
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write(
    [
      '',
      `hawatch agent, 7 probes every ${INTERVAL} s on recorded outputs, push every ${PUSH} s to 127.0.0.1 (${CLI})${NODE_OPTIONS.length ? ` node ${NODE_OPTIONS.join(' ')}` : ''}`,
      `  start (spawn to "agent started"): ${result.startMs ?? '?'} ms`,
      `  steady state over ${result.steadyS} s after a ${WARMUP} s warm-up:`,
      `  RSS          ${result.rssMb.min} / ${result.rssMb.mean} / ${result.rssMb.max} MB (min / mean / max); VmHWM ${result.hwmMb} MB; anon ${result.anonMb} MB, file ${result.fileMb} MB`,
      `  V8 heap      used ${result.heapUsedMb?.min ?? '-'}..${result.heapUsedMb?.max ?? '-'} MB of ${result.heapTotalMb ?? '-'} MB; external ${result.externalMb ?? '-'} MB`,
      `  CPU          ${result.cpuPctOfCore} % of one core = ${result.cpuMsPerInterval} ms per ${INTERVAL} s interval (fake tools: ${result.toolsCpuPctOfCore} %)`,
      `  received     ${got.batches} batches, ${got.observations} observations, ${(got.bytes / 1024).toFixed(0)} KiB; ${logLines} log lines`,
      values.keep ? `  kept ${work}` : '',
      '',
    ].join('\n'),
  );
}
if (!values.keep) rmSync(work, { recursive: true, force: true });
