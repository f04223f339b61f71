// The vrrp probe runner with a fake Exec and fake file/process access fed real outputs: outcomes (absent, timeout,
// non-zero exit, garbage), dumps and config, the JSON-signal policy, options; and watch() on a real FIFO.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import type { Exec, ExecOptions, ExecResult } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import { VrrpReport } from '../../../../agent/protocol/vrrp.js';
import type { FileRead, KeepalivedProcess, VrrpIo } from '../../../../agent/probes/vrrp/io.js';
import {
  createVrrpProbe,
  IP_ADDR_ARGV,
  KEEPALIVED_SIGNUM_JSON_ARGV,
  KEEPALIVED_VERSION_ARGV,
  vrrpProbeOptions,
  VrrpOptionsError,
} from '../../../../agent/probes/vrrp/probe.js';
import type { ProbeContext, WatchContext } from '../../../../agent/probes/types.js';
import { isWatching } from '../../../../agent/probes/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'vrrp');
const input = (c: string, f: string): string => readFileSync(join(GOLDEN, c, f), 'utf8');
const LAB1 = 'lab-01-node-a-master';

const NOW = 1_795_466_510_000;
const exited = (code: number, stdout: string, stderr = '', truncated = false): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 3, truncated });
/** keepalived 2.2.7 prints its version on stderr. */
const VERSION: ExecResult = exited(0, '', 'Keepalived v2.2.7 (01/16,2022)\n\nCopyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>\n');

/** A fake Exec answering by command, recording every call. */
const fakeExec = (answers: { ip?: ExecResult | (() => ExecResult); version?: ExecResult; signum?: ExecResult }) => {
  const calls: { argv: readonly string[]; options: ExecOptions }[] = [];
  const fn: Exec = async (argv, options) => {
    calls.push({ argv, options });
    const cmd = argv.join(' ');
    if (cmd === IP_ADDR_ARGV.join(' ')) {
      const a = answers.ip ?? exited(0, input(LAB1, 'ip-j-addr-show.json'));
      return typeof a === 'function' ? a() : a;
    }
    if (cmd === KEEPALIVED_VERSION_ARGV.join(' ')) return answers.version ?? VERSION;
    if (cmd === KEEPALIVED_SIGNUM_JSON_ARGV.join(' ')) return answers.signum ?? exited(0, '36\n');
    throw new Error(`unexpected exec ${cmd}`);
  };
  return { fn, calls };
};

/** Files in memory; a JSON signal to the keepalived pid rewrites the JSON dump (as keepalived does). */
const fakeIo = (files: Record<string, { text: string; mtimeMs: number }>, proc: KeepalivedProcess = { running: true, pid: 4242, startedAtMs: NOW - 60_000 }) => {
  const signals: { pid: number; signal: number }[] = [];
  const io: VrrpIo = {
    readFile: async (path): Promise<FileRead> => {
      const f = files[path];
      return f ? { ok: true, text: f.text, mtimeMs: f.mtimeMs } : { ok: false, missing: true, code: 'ENOENT', message: `${path}: ENOENT` };
    },
    listDir: async (dir) => {
      const names = Object.keys(files)
        .filter((p) => dirname(p) === dir)
        .map((p) => p.slice(dir.length + 1));
      return names.length > 0 ? names : null;
    },
    keepalivedProcess: async () => proc,
    signal: (pid, signal) => {
      signals.push({ pid, signal });
      const j = files['/tmp/keepalived.json'];
      files['/tmp/keepalived.json'] = { text: j?.text ?? input(LAB1, 'keepalived.json'), mtimeMs: (j?.mtimeMs ?? NOW) + 1_000 };
      return null;
    },
  };
  return { io, signals, files };
};

const labFiles = (mtimeMs = NOW - 1_000) => ({
  '/etc/keepalived/keepalived.conf': { text: input(LAB1, 'keepalived.conf'), mtimeMs },
  '/tmp/keepalived.json': { text: input(LAB1, 'keepalived.json'), mtimeMs },
  '/tmp/keepalived.data': { text: input(LAB1, 'keepalived.data'), mtimeMs },
  '/tmp/keepalived.stats': { text: input(LAB1, 'keepalived.stats'), mtimeMs },
});

const ctxWith = (exec: Exec, timeoutMs = 8_000, now: () => number = () => NOW): ProbeContext => ({ exec, timeoutMs, node: 'node-a', now });

type Outcome = Awaited<ReturnType<ReturnType<typeof createVrrpProbe>['run']>>;
const asObservation = (o: Outcome) => ({
  probe: 'vrrp',
  at: NOW,
  durationMs: 5,
  status: o.status,
  ...(o.status === 'ok' ? {} : { error: o.error }),
  ...(o.report === undefined ? {} : { report: o.report }),
  samples: o.samples,
  states: o.states,
});

describe('vrrp probe: options', () => {
  it('defaults from the schema', () => {
    expect(vrrpProbeOptions()).toEqual({
      fifoPath: '/run/keepalived/notify.fifo',
      fifoRetrySeconds: 5,
      confPath: '/etc/keepalived/keepalived.conf',
      configId: null,
      jsonDumpPath: '/tmp/keepalived.json',
      dataDumpPath: '/tmp/keepalived.data',
      statsDumpPath: '/tmp/keepalived.stats',
      pidFile: '/run/keepalived.pid',
      checkProcess: true,
      jsonDumpSignal: false,
      jsonDumpMinIntervalSeconds: 60,
    });
    expect(vrrpProbeOptions({ jsonDumpSignal: true }).jsonDumpSignal).toBe(true);
  });

  it('bad options fail fast', () => {
    expect(() => vrrpProbeOptions({ fifoPaht: '/x' })).toThrow(VrrpOptionsError);
    expect(() => vrrpProbeOptions({ jsonDumpMinIntervalSeconds: 0 })).toThrow(/jsonDumpMinIntervalSeconds/);
    expect(() => createVrrpProbe({ checkProcess: 'yes' })).toThrow(VrrpOptionsError);
  });
});

describe('vrrp probe: runs', () => {
  it('is a watching probe named vrrp; one run reads the dumps and config and asks ip for the ground truth', async () => {
    const { io } = fakeIo(labFiles());
    const probe = createVrrpProbe({}, { io, hostname: () => 'node-a.example' });
    expect(probe.name).toBe('vrrp');
    expect(isWatching(probe)).toBe(true);
    const ex = fakeExec({});
    const o = await probe.run(ctxWith(ex.fn, 7_000));
    expect(ex.calls.map((c) => c.argv.join(' ')).sort()).toEqual(['ip -j addr show', 'keepalived --version']);
    expect(ex.calls.find((c) => c.argv[0] === 'ip')?.options).toEqual({ timeoutMs: 7_000 });
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ keepalived: { running: true, pid: 4242, version: '2.2.7' }, fifo: null, jsonDumpAt: NOW - 1_000, problems: [] });
    expect(o.report?.sources).toEqual(['keepalived-json', 'keepalived-data', 'keepalived-stats', 'keepalived-conf', 'ip-addr-json']);
    expect(o.report?.instances.map((i) => `${i.name}:${i.state}:${i.stateSource}`)).toEqual(['VI_DB:MASTER:keepalived-json', 'VI_V6:MASTER:keepalived-json', 'VI_WEB:MASTER:keepalived-json']);
    expect(o.states).toContainEqual({ kind: 'vrrp_vip', id: '10.231.1.100', state: 'present', availability: 'up' });
    expect(o.samples).toContainEqual({ metric: 'hawatch_vrrp_keepalived_running', labels: {}, value: 1 });
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
    expect(Value.Check(VrrpReport, o.report)).toBe(true);
    // The version is asked once per keepalived process.
    await probe.run(ctxWith(ex.fn));
    expect(ex.calls.filter((c) => c.argv[0] === 'keepalived')).toHaveLength(1);
  });

  it('keepalived not installed and nothing of it on disk → absent, vrrp.absent', async () => {
    const { io } = fakeIo({}, { running: false, pid: null, startedAtMs: null });
    const o = await createVrrpProbe({}, { io }).run(ctxWith(fakeExec({ version: { kind: 'absent', message: 'keepalived: not found' } }).fn));
    expect(o).toEqual({ status: 'absent', error: { code: 'vrrp.absent', message: 'keepalived is not installed on this node' }, samples: [], states: [] });
  });

  it('keepalived binary absent but its config present (e.g. checked from another container) → still reported', async () => {
    const { io } = fakeIo({ '/etc/keepalived/keepalived.conf': labFiles()['/etc/keepalived/keepalived.conf'] }, { running: false, pid: null, startedAtMs: null });
    const o = await createVrrpProbe({}, { io }).run(ctxWith(fakeExec({ version: { kind: 'absent', message: 'keepalived: not found' } }).fn));
    expect(o.status).toBe('ok');
    expect(o.report?.keepalived).toEqual({ running: false, pid: null, version: null });
    expect(o.report?.instances.every((i) => i.state === 'STOP' && i.stateSource === 'process')).toBe(true);
  });

  it('ip timeout → timeout, with the report of what keepalived says attached', async () => {
    const { io } = fakeIo(labFiles());
    const o = await createVrrpProbe({}, { io }).run(ctxWith(fakeExec({ ip: { kind: 'timeout', stdout: '[{', stderr: '', durationMs: 3_000, truncated: false } }).fn, 3_000));
    expect(o.status).toBe('timeout');
    expect(o.status !== 'ok' && o.error).toEqual({ code: 'vrrp.timeout', message: 'ip -j addr show did not finish within 3000 ms' });
    expect(o.report?.instances).toHaveLength(3);
    expect(o.report?.instances[0]?.vips[0]?.present).toBeNull();
    expect(o.samples).toEqual([]);
    expect(o.states).toEqual([]);
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });

  it('ip non-zero exit, garbage, truncated, absent, signalled, not startable → failed with the code', async () => {
    const { io } = fakeIo(labFiles());
    const probe = createVrrpProbe({}, { io });
    const run = async (ip: ExecResult) => {
      const o = await probe.run(ctxWith(fakeExec({ ip }).fn));
      return o.status === 'ok' ? 'ok' : `${o.status}:${o.error.code}:${o.error.message}`;
    };
    expect(await run(exited(255, '', 'Cannot open netlink socket: Protocol not supported\n'))).toBe('failed:vrrp.exit_status:ip -j addr show exited 255: Cannot open netlink socket: Protocol not supported');
    expect(await run(exited(0, '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n'))).toMatch(/^failed:vrrp\.invalid_json:/);
    expect(await run(exited(0, input(LAB1, 'ip-j-addr-show.json').slice(0, 300), '', true))).toMatch(/^failed:vrrp\.invalid_json:.*\(output truncated\)$/);
    expect(await run(exited(0, ''))).toMatch(/^failed:vrrp\.empty:/);
    expect(await run({ kind: 'absent', message: 'ip: not found' })).toBe('failed:vrrp.ip_absent:ip: not found');
    expect(await run({ kind: 'signalled', signal: 'SIGSEGV', stdout: '', stderr: '', durationMs: 1, truncated: false })).toBe('failed:vrrp.signalled:ip killed by SIGSEGV: ');
    expect(await run({ kind: 'error', message: 'ip: EMFILE' })).toBe('failed:vrrp.exec_failed:ip: EMFILE');
  });

  it('a dump older than the running keepalived is ignored (it describes a previous process)', async () => {
    const { io } = fakeIo(labFiles(NOW - 3_600_000), { running: true, pid: 4242, startedAtMs: NOW - 60_000 });
    const o = await createVrrpProbe({}, { io }).run(ctxWith(fakeExec({}).fn));
    expect(o.status).toBe('ok');
    expect(o.report?.problems.map((p) => `${p.source}:${p.code}`)).toEqual(['keepalived-json:vrrp.dump_stale', 'keepalived-data:vrrp.dump_stale', 'keepalived-stats:vrrp.dump_stale']);
    expect(o.report?.instances.map((i) => i.state)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    // The VIPs are still known from keepalived.conf and placed by ip: present, with an unknown claim.
    expect(o.states).toContainEqual({ kind: 'vrrp_vip', id: '10.231.0.100', state: 'present', availability: 'up' });
  });

  it('unreadable dumps and config are problems, not failures', async () => {
    const { io } = fakeIo({
      '/etc/keepalived/keepalived.conf': { text: 'vrrp_instance VI_1 {\n', mtimeMs: NOW },
      '/tmp/keepalived.json': { text: '[{"data":{"iname":"VI_1","vrid":51,"state":2', mtimeMs: NOW },
      '/tmp/keepalived.data': { text: input(LAB1, 'keepalived.stats'), mtimeMs: NOW },
    });
    const o = await createVrrpProbe({}, { io }).run(ctxWith(fakeExec({}).fn));
    expect(o.status).toBe('ok');
    expect(o.report?.problems.map((p) => `${p.source}:${p.code}`)).toEqual(['keepalived-conf:vrrp.conf_syntax', 'keepalived-json:vrrp.invalid_json', 'keepalived-data:vrrp.unknown_format']);
  });

  it('says so when keepalived.conf does not write the notify FIFO the probe reads', async () => {
    const files = labFiles();
    const without = { ...files, '/etc/keepalived/keepalived.conf': { text: input('keepalived-02-node1-vi1-backup-priority-90', 'keepalived.conf'), mtimeMs: NOW } };
    const p1 = await createVrrpProbe({}, { io: fakeIo(without).io }).run(ctxWith(fakeExec({}).fn));
    expect(p1.report?.problems).toEqual([
      {
        source: 'keepalived-conf',
        code: 'vrrp.fifo_not_configured',
        message: 'keepalived.conf has no "vrrp_notify_fifo /run/keepalived/notify.fifo" in global_defs (it has none): state changes are seen only through dumps',
      },
    ]);
    const p2 = await createVrrpProbe({}, { io: fakeIo(files).io }).run(ctxWith(fakeExec({}).fn));
    expect(p2.report?.problems).toEqual([]);
    const p3 = await createVrrpProbe({ fifoPath: '' }, { io: fakeIo(without).io }).run(ctxWith(fakeExec({}).fn));
    expect(p3.report?.problems).toEqual([]);
  });

  it('follows `include` with a wildcard in the file name', async () => {
    const conf = input(LAB1, 'keepalived.conf');
    const cut = conf.indexOf('vrrp_instance VI_DB');
    const { io } = fakeIo({
      '/etc/keepalived/keepalived.conf': { text: `${conf.slice(0, cut)}\ninclude conf.d/*.conf\n`, mtimeMs: NOW },
      '/etc/keepalived/conf.d/db.conf': { text: conf.slice(cut), mtimeMs: NOW },
      '/etc/keepalived/conf.d/README': { text: 'not keepalived', mtimeMs: NOW },
    });
    const o = await createVrrpProbe({ jsonDumpPath: '', dataDumpPath: '', statsDumpPath: '' }, { io }).run(ctxWith(fakeExec({}).fn));
    expect(o.report?.problems).toEqual([]);
    expect(o.report?.instances.map((i) => `${i.name}:${i.vrid}`)).toEqual(['VI_DB:72', 'VI_V6:73', 'VI_WEB:71']);
  });

  it('keepalived not running: every instance STOP (the crash case keeps its last claim)', async () => {
    const { io } = fakeIo(labFiles(), { running: false, pid: null, startedAtMs: null });
    const o = await createVrrpProbe({}, { io }).run(ctxWith(fakeExec({}).fn));
    expect(o.report?.instances.map((i) => [i.state, i.stateSource, i.claimedState])).toEqual([
      ['STOP', 'process', 'MASTER'],
      ['STOP', 'process', 'MASTER'],
      ['STOP', 'process', 'MASTER'],
    ]);
    // The lab VIPs are still on the interfaces: left behind, degraded.
    expect(o.states).toContainEqual({ kind: 'vrrp_vip', id: '10.231.0.100', state: 'present', availability: 'degraded' });
    expect(o.states).toContainEqual({ kind: 'vrrp_keepalived', id: 'keepalived', state: 'stopped', availability: 'down' });
  });

  it('checkProcess off (keepalived in another PID namespace): running unknown, nothing overridden', async () => {
    const { io } = fakeIo(labFiles(), { running: false, pid: null, startedAtMs: null });
    const o = await createVrrpProbe({ checkProcess: false }, { io }).run(ctxWith(fakeExec({}).fn));
    expect(o.report?.keepalived.running).toBeNull();
    expect(o.report?.instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER', 'MASTER']);
  });
});

describe('vrrp probe: keepalived is signalled only when allowed, never on a schedule', () => {
  it('jsonDumpSignal off (default): never, whatever happens', async () => {
    const f = fakeIo(labFiles());
    const probe = createVrrpProbe({}, { io: f.io });
    for (let i = 0; i < 3; i++) await probe.run(ctxWith(fakeExec({}).fn));
    expect(f.signals).toEqual([]);
  });

  it('jsonDumpSignal on: once at start, then only after a FIFO event and the minimum interval', async () => {
    const f = fakeIo(labFiles());
    let now = NOW;
    const probe = createVrrpProbe({ jsonDumpSignal: true, jsonDumpMinIntervalSeconds: 30, fifoPath: '' }, { io: f.io });
    const ex = fakeExec({});
    const o = await probe.run(ctxWith(ex.fn, 8_000, () => now));
    expect(f.signals).toEqual([{ pid: 4242, signal: 36 }]);
    expect(o.report?.jsonDumpAt).toBe(NOW);
    now += 120_000;
    await probe.run(ctxWith(ex.fn, 8_000, () => now));
    // No event since: no signal, however long it has been.
    expect(f.signals).toHaveLength(1);
    expect(ex.calls.filter((c) => c.argv.join(' ') === KEEPALIVED_SIGNUM_JSON_ARGV.join(' '))).toHaveLength(1);
  });

  it('after a FIFO event: signalled again once the minimum interval has passed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwvr-probe-'));
    try {
      const fifo = join(dir, 'notify.fifo');
      execFileSync('mkfifo', [fifo]);
      const f = fakeIo(labFiles());
      let now = NOW;
      const probe = createVrrpProbe({ jsonDumpSignal: true, jsonDumpMinIntervalSeconds: 30, fifoPath: fifo, fifoRetrySeconds: 0.1 }, { io: f.io });
      let triggers = 0;
      const wctx: WatchContext = {
        ...ctxWith(fakeExec({}).fn, 8_000, () => now),
        trigger: () => triggers++,
        execStream: () => ({ stop: async () => undefined }),
        logger: { warn: () => undefined, info: () => undefined },
      };
      const w = probe.watch(wctx);
      await probe.run(ctxWith(fakeExec({}).fn, 8_000, () => now));
      expect(f.signals).toHaveLength(1);
      await until(() => triggers > 0);
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(fd, 'INSTANCE "VI_WEB" BACKUP 150\n');
      closeSync(fd);
      await until(() => triggers > 1);
      now += 10_000;
      await probe.run(ctxWith(fakeExec({}).fn, 8_000, () => now));
      expect(f.signals).toHaveLength(1);
      now += 30_000;
      await probe.run(ctxWith(fakeExec({}).fn, 8_000, () => now));
      expect(f.signals).toHaveLength(2);
      await w.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a keepalived without JSON support: one problem, then no more tries', async () => {
    const f = fakeIo(labFiles());
    const probe = createVrrpProbe({ jsonDumpSignal: true, fifoPath: '' }, { io: f.io });
    const ex = fakeExec({ signum: exited(1, '', 'Unknown sigfunc JSON\n') });
    const o = await probe.run(ctxWith(ex.fn));
    expect(o.report?.problems).toEqual([{ source: 'keepalived-json', code: 'vrrp.json_unsupported', message: 'keepalived --signum=JSON: Unknown sigfunc JSON' }]);
    await probe.run(ctxWith(ex.fn));
    expect(ex.calls.filter((c) => c.argv.join(' ') === KEEPALIVED_SIGNUM_JSON_ARGV.join(' '))).toHaveLength(1);
    expect(f.signals).toEqual([]);
  });
});

const until = async (cond: () => boolean, ms = 3_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('vrrp probe: watch()', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('each FIFO line triggers a run; the run reports the FIFO state, newer than the dump', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwvr-probe-'));
    dirs.push(dir);
    const fifo = join(dir, 'notify.fifo');
    execFileSync('mkfifo', [fifo]);
    const { io } = fakeIo(labFiles(NOW - 10_000));
    const probe = createVrrpProbe({ fifoPath: fifo, fifoRetrySeconds: 0.1 }, { io });
    let triggers = 0;
    const warnings: string[] = [];
    const w = probe.watch({
      ...ctxWith(fakeExec({}).fn),
      trigger: () => triggers++,
      execStream: () => ({ stop: async () => undefined }),
      logger: { warn: (_o, msg) => warnings.push(msg), info: () => undefined },
    });
    await until(() => triggers === 1); // the FIFO opened
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'INSTANCE "VI_WEB" BACKUP 150\nGROUP "G_WEB" BACKUP 0\nnot a keepalived line\n');
    closeSync(fd);
    await until(() => triggers === 4);
    const o = await probe.run(ctxWith(fakeExec({}).fn));
    expect(o.report?.fifo).toEqual({ path: fifo, open: true, lines: 2, badLines: 1 });
    expect(o.report?.instances.find((i) => i.name === 'VI_WEB')).toMatchObject({ state: 'BACKUP', stateSource: 'keepalived-fifo', lastEvent: 'BACKUP' });
    expect(o.report?.groups).toEqual([{ name: 'G_WEB', state: 'BACKUP', stateSource: 'keepalived-fifo', members: ['VI_WEB', 'VI_DB'] }]);
    expect(o.samples).toContainEqual({ metric: 'hawatch_vrrp_fifo_open', labels: {}, value: 1 });
    expect(warnings).toEqual(['not a keepalived notify-FIFO line']);
    await w.stop();
    const after = await probe.run(ctxWith(fakeExec({}).fn));
    expect(after.report?.fifo).toBeNull();
  });

  it('fifoPath "" means no watcher', async () => {
    const { io } = fakeIo(labFiles());
    const probe = createVrrpProbe({ fifoPath: '' }, { io });
    const w = probe.watch({ ...ctxWith(fakeExec({}).fn), trigger: () => undefined, execStream: () => ({ stop: async () => undefined }), logger: { warn: () => undefined, info: () => undefined } });
    const o = await probe.run(ctxWith(fakeExec({}).fn));
    expect(o.report?.fifo).toBeNull();
    await w.stop();
  });
});
