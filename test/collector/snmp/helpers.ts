// Shared by the SNMP tests: the real net-snmp command-line tools, and a model filled from real crm_mon fixtures.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseCrmMonXml } from '../../../agent/probes/pacemaker/parse.js';
import type { PushBatch } from '../../../agent/protocol/index.js';
import type { PacemakerReport, PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import { ClusterModel } from '../../../collector/model/model.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const MIB_DIR = join(ROOT, 'mibs');
/** Load our MIB next to the shipped SNMPv2 base modules; no `+` on -m (npm-stack.md pitfall 15). */
// mibs/base holds the IETF modules HAWATCH-MIB imports (Debian ships none).
export const MIB_ARGS = ['-M', `+${MIB_DIR}:${join(MIB_DIR, 'base')}`, '-m', 'SNMPv2-MIB:HAWATCH-MIB'];

export const logger = pino({ level: process.env['HAWATCH_TEST_LOG'] ?? 'silent' });

const which = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The tools that are missing, so a suite can skip with a message naming them (CI installs them). */
export const missingTools = (tools: readonly string[]): string[] => tools.filter((t) => !which(t));

export const skipMessage = (missing: readonly string[]): string =>
  `skipped: ${missing.join(', ')} not installed (Debian packages snmp, snmptrapd, smitools)`;

/** A suite title that says why it was skipped. */
export const suiteTitle = (what: string, missing: readonly string[]): string => (missing.length > 0 ? `${what} (${skipMessage(missing)})` : what);

// Tools keep MIB indexes and v3 engine state here; a private folder keeps the tests from the host's.
const persistentDir = mkdtempSync(join(tmpdir(), 'hawatch-snmp-tools-'));
process.once('exit', () => rmSync(persistentDir, { recursive: true, force: true }));
export const TOOL_ENV = { ...process.env, SNMP_PERSISTENT_DIR: persistentDir, SNMPCONFPATH: persistentDir, LC_ALL: 'C' };

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export const runTool = (tool: string, args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ToolResult> =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const env = { ...TOOL_ENV, ...opts.env };
    execFile(tool, [...args], { env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });

/** `HAWATCH-MIB::name.1.2 = TYPE: value` lines → name → index → value (quotes and type prefix dropped). */
export const parseWalk = (out: string): Map<string, Map<string, string>> => {
  const result = new Map<string, Map<string, string>>();
  for (const line of out.split('\n')) {
    const m = /^(?:[\w-]+::)?(\w+)((?:\.\d+)*) = (?:[\w-]+: )?(.*)$/.exec(line);
    if (!m) continue;
    const [, name, index, raw] = m as unknown as [string, string, string, string];
    if (/^(No more variables left|No Such (Instance|Object))/.test(raw)) continue; // exceptions, not values
    const value = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    if (!result.has(name)) result.set(name, new Map());
    result.get(name)?.set(index.replace(/^\./, ''), value);
  }
  return result;
};

export const cell = (walk: Map<string, Map<string, string>>, name: string, index: string): string | undefined => walk.get(name)?.get(index);

// ---- a model from the pacemaker fixtures --------------------------------------------------------------------------

const FIXTURES = join(ROOT, 'test', 'fixtures', 'probes', 'pacemaker');

export const fixtureReport = (name: string): PacemakerReport => {
  const r = parseCrmMonXml(readFileSync(join(FIXTURES, name, 'input.xml'), 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value;
};

/** The split-brain partner of timeline-pcmk2-split-brain n2: n1's own view, a quorate DC of its own partition. */
export const mirroredSplitBrain = (n2View: PacemakerReport): PacemakerRunning => {
  if (!n2View.running) throw new Error('expected a running report');
  const swap = (n: string) => (n === 'n1' ? 'n2' : n === 'n2' ? 'n1' : n);
  return {
    ...n2View,
    dc: n2View.dc === null ? null : { ...n2View.dc, name: 'n1', id: '1' },
    nodes: n2View.nodes.map((n) => ({ ...n, name: swap(n.name), id: n.name === 'n1' ? '2' : '1' })),
    resources: n2View.resources.map((r) => ({ ...r, nodes: r.nodes.map(swap) })),
  };
};

export const T0 = Date.UTC(2026, 10, 23, 18, 6, 0);

const instanceOf = (cluster: string, node: string): string => createHash('sha256').update(`${cluster}/${node}`).digest('hex').slice(0, 32);

export const batch = (cluster: string, node: string, seq: number, atMs: number, report: PacemakerReport, agentVersion = '0.1.0-test'): PushBatch => ({
  protocol: 1,
  cluster,
  node,
  agentInstance: instanceOf(cluster, node),
  agentVersion,
  seq,
  sealedAt: atMs,
  intervalMs: 10_000,
  observations: [{ probe: 'pacemaker', at: atMs, durationMs: 40, status: 'ok', report, samples: [], states: [] }],
});

export interface TestModel {
  model: ClusterModel;
  clock: { now: number };
}

/**
 * Four clusters from real crm_mon output:
 * lab (3 nodes, healthy), pcmk2 (split brain: two quorate DCs), quorumlost (node1 without quorum, node2's agent
 * stale, node3's stack down) and sim2 (a failed, blocked, unmanaged resource with fail count 2).
 */
export const fixtureModel = (): TestModel => {
  const clock = { now: T0 };
  const model = new ClusterModel({ staleAfterIntervals: 3, now: () => clock.now });
  const healthy = fixtureReport('live-01-healthy');
  for (const n of ['node1', 'node2', 'node3']) model.applyBatch(batch('lab', n, 1, T0 - 2_000, healthy), T0 - 1_500);
  const n2 = fixtureReport('timeline-pcmk2-split-brain-n2-0041');
  model.applyBatch(batch('pcmk2', 'n2', 1, T0 - 3_000, n2), T0 - 2_500);
  model.applyBatch(batch('pcmk2', 'n1', 1, T0 - 3_000, mirroredSplitBrain(n2)), T0 - 2_500);
  model.applyBatch(batch('quorumlost', 'node1', 1, T0 - 4_000, fixtureReport('live-12-quorum-lost')), T0 - 3_500);
  model.applyBatch(batch('quorumlost', 'node2', 1, T0 - 600_000, healthy), T0 - 600_000);
  model.applyBatch(batch('quorumlost', 'node3', 1, T0 - 4_000, fixtureReport('live-13-cluster-not-running')), T0 - 3_500);
  const blocked = fixtureReport('sim-2node-12-stop-failed-blocked-no-stonith');
  for (const n of ['node1', 'node2']) model.applyBatch(batch('sim2', n, 1, T0 - 5_000, blocked), T0 - 4_500);
  return { model, clock };
};

// ---- a real snmptrapd on a loopback port ---------------------------------------------------------------------------

export const TRAP_ENGINE_ID = '0x8000B98380AABBCCDDEEFF0022';
export const TRAP_USERS = {
  trap: { name: 'hwtrap', authProtocol: 'sha', authKey: 'trapauth123', privProtocol: 'aes', privKey: 'trappriv123' },
  inform: { name: 'hwinform', authProtocol: 'sha', authKey: 'infauth1234', privProtocol: 'aes', privKey: 'infpriv1234' },
} as const;

export interface Trapd {
  port: number;
  output: () => string;
  /** Resolves with the output once `pattern` shows up in it. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  stop: () => Promise<void>;
}

export const startTrapd = async (port: number, community: string): Promise<Trapd> => {
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-snmptrapd-'));
  const conf = join(dir, 'snmptrapd.conf');
  const u = TRAP_USERS;
  writeFileSync(
    conf,
    [
      `snmpTrapdAddr udp:127.0.0.1:${port}`,
      `authCommunity log ${community}`,
      `createUser -e ${TRAP_ENGINE_ID} ${u.trap.name} SHA ${u.trap.authKey} AES ${u.trap.privKey}`,
      `createUser ${u.inform.name} SHA ${u.inform.authKey} AES ${u.inform.privKey}`,
      `authUser log ${u.trap.name}`,
      `authUser log ${u.inform.name}`,
      '',
    ].join('\n'),
  );
  // -f foreground, -Lo log to stdout, -C only our config file; names resolved from our MIB.
  const child = spawn('snmptrapd', ['-f', '-Lo', '-C', '-c', conf, ...MIB_ARGS, `udp:127.0.0.1:${port}`], {
    env: { ...TOOL_ENV, SNMP_PERSISTENT_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = async (pattern: RegExp, timeoutMs = 10_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(out)) return out;
      if (child.exitCode !== null) throw new Error(`snmptrapd exited (${child.exitCode}): ${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`snmptrapd output did not match ${pattern} within ${timeoutMs} ms:\n${out}`);
  };
  await waitFor(/NET-SNMP version/);
  return {
    port,
    output: () => out,
    waitFor,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
