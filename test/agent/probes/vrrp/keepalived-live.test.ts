// The probe against a real keepalived (set HAWATCH_LAB=1; root, keepalived and iproute2 needed): one keepalived in
// a fresh network namespace `hwvr-t<pid>` on a veth pair, writing its notify FIFO, which the probe watches. Checks
// the FIFO lines arrive and trigger runs, the JSON signal works, the VIP is found, and SIGTERM gives STOP. The
// namespace, the process and the directory are always removed.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { exec, type Exec } from '../../../../agent/lib/exec.js';
import { createVrrpProbe } from '../../../../agent/probes/vrrp/probe.js';
import type { VrrpReport } from '../../../../agent/protocol/vrrp.js';

const ENABLED = process.env['HAWATCH_LAB'] === '1';
const CAN = ENABLED && process.getuid?.() === 0 && existsSync('/usr/sbin/keepalived');
const WHY = !ENABLED ? ' (skipped: set HAWATCH_LAB=1 to run a real keepalived in a network namespace)' : !CAN ? ' (skipped: needs root and /usr/sbin/keepalived)' : '';

const NS = `hwvr-t${process.pid}`;
// Not under /tmp: keepalived gets a private /tmp (its dump files have fixed names), which would hide this directory.
const DIR = `/run/${NS}`;

const sh = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const until = async <T>(f: () => Promise<T | null>, ms: number): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
};

let child: ChildProcess | null = null;

afterAll(() => {
  if (!CAN) return;
  const pid = existsSync(`${DIR}/keepalived.pid`) ? Number(readFileSync(`${DIR}/keepalived.pid`, 'utf8')) : NaN;
  if (Number.isInteger(pid) && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'keepalived') process.kill(pid, 'SIGKILL');
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  try {
    sh(['ip', 'netns', 'del', NS]);
  } catch {
    // not created
  }
  rmSync(DIR, { recursive: true, force: true });
});

describe('vrrp probe with a real keepalived', () => {
  it.skipIf(!CAN)(`watches the notify FIFO, signals for the JSON dump, finds the VIP; SIGTERM gives STOP${WHY}`, async () => {
    mkdirSync(`${DIR}/tmp`, { recursive: true });
    sh(['ip', 'netns', 'add', NS]);
    sh(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
    sh(['ip', '-n', NS, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
    sh(['ip', '-n', NS, 'addr', 'add', '10.232.0.1/24', 'dev', 'veth0']);
    sh(['ip', '-n', NS, 'link', 'set', 'veth0', 'up']);
    sh(['ip', '-n', NS, 'link', 'set', 'veth1', 'up']);
    writeFileSync(
      `${DIR}/keepalived.conf`,
      `global_defs {\n  router_id hwvr_t\n  script_user root\n  enable_script_security\n  vrrp_notify_fifo ${DIR}/notify.fifo\n}\n` +
        'vrrp_instance VI_T {\n  state BACKUP\n  interface veth0\n  virtual_router_id 91\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    10.232.0.100/24\n  }\n}\n',
    );
    sh(['mkfifo', '-m', '600', `${DIR}/notify.fifo`]);

    // `ip` runs inside the namespace; everything else as is.
    const nsExec: Exec = (argv, options) => exec(argv[0] === 'ip' ? ['ip', '-n', NS, ...argv.slice(1)] : argv, options);
    const probe = createVrrpProbe({
      fifoPath: `${DIR}/notify.fifo`,
      fifoRetrySeconds: 0.5,
      confPath: `${DIR}/keepalived.conf`,
      pidFile: `${DIR}/keepalived.pid`,
      jsonDumpPath: `${DIR}/tmp/keepalived.json`,
      dataDumpPath: `${DIR}/tmp/keepalived.data`,
      statsDumpPath: `${DIR}/tmp/keepalived.stats`,
      jsonDumpSignal: true,
      jsonDumpMinIntervalSeconds: 1,
    });
    const ctx = { exec: nsExec, timeoutMs: 8_000, node: 'lab', now: () => Date.now() };
    const lines: string[] = [];
    let triggers = 0;
    const watcher = probe.watch({
      ...ctx,
      trigger: () => triggers++,
      execStream: () => ({ stop: async () => undefined }),
      logger: { warn: (o, m) => lines.push(`warn ${m} ${JSON.stringify(o)}`), info: () => undefined },
    });
    try {
      child = spawn(
        'ip',
        ['netns', 'exec', NS, 'unshare', '-m', '--propagation', 'private', '--', 'sh', '-ec', `mount --bind ${DIR}/tmp /tmp; exec keepalived -n -l -D -f ${DIR}/keepalived.conf -p ${DIR}/keepalived.pid -r ${DIR}/vrrp.pid`],
        { stdio: 'ignore' },
      );
      const run = async (): Promise<VrrpReport> => {
        const o = await probe.run(ctx);
        if (!o.report) throw new Error(`no report: ${o.status}`);
        return o.report;
      };
      // Alone on its link, keepalived becomes MASTER after the master-down timer (about 3.6 s).
      const master = await until(async () => {
        const r = await run();
        return r.instances[0]?.state === 'MASTER' && r.instances[0].vips[0]?.present === true && r.jsonDumpAt !== null ? r : null;
      }, 20_000);
      expect(master.keepalived).toMatchObject({ running: true, version: expect.stringMatching(/^2\./) });
      expect(master.fifo).toMatchObject({ path: `${DIR}/notify.fifo`, open: true, badLines: 0 });
      expect(master.fifo?.lines).toBeGreaterThanOrEqual(2);
      expect(master.instances[0]).toMatchObject({ name: 'VI_T', vrid: 91, interface: 'veth0', priority: 100, effectivePriority: 100, interfaceUp: true, lastEvent: 'MASTER' });
      expect(master.instances[0]?.vips[0]).toMatchObject({ address: '10.232.0.100', presentOn: 'veth0' });
      expect(master.problems).toEqual([]);
      expect(triggers).toBeGreaterThanOrEqual(3);

      process.kill(master.keepalived.pid!, 'SIGTERM');
      const stopped = await until(async () => {
        const r = await run();
        return r.keepalived.running === false ? r : null;
      }, 20_000);
      expect(stopped.instances[0]).toMatchObject({ state: 'STOP', stateSource: 'process', lastEvent: 'STOP' });
      expect(stopped.instances[0]?.vips[0]?.present).toBe(false);
      expect(lines).toEqual([]);
    } finally {
      await watcher.stop();
    }
  });
});
