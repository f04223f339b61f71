// The demo's keepalived feed: its pure schedule on the recorded scenarios, keepalived.conf derived from the scenario
// READMEs (checked against the recorded JSON dumps), and the writes into a real FIFO read by the vrrp probe itself.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, type Exec } from '../../agent/lib/exec.js';
import { createVrrpProbe } from '../../agent/probes/vrrp/index.js';
import { parseKeepalivedConf, parseKeepalivedJson } from '../../agent/probes/vrrp/parse.js';
import type { VrrpReport } from '../../agent/protocol/vrrp.js';
import { dueWrites, FEED_START, feedPlan, KeepalivedConfError, keepalivedConfFor, nextWriteDelayMs, startKeepalivedFeed, type KeepalivedFeed } from '../../demo/keepalived-feed.js';
import { replayExec } from '../../demo/replay-exec.js';
import { bundledScenariosDir, listScenarios, loadTimeline } from '../../demo/timeline.js';

const SPLIT = loadTimeline(join(bundledScenariosDir(), 'vrrp-split-brain-port'));
const VRRP_SCENARIOS = listScenarios(bundledScenariosDir()).filter((s) => s.lab === 'keepalived');
const readme = (dir: string) => readFileSync(join(dir, 'README.md'), 'utf8');
const quiet = { warn: () => undefined };

describe('feedPlan', () => {
  it("lists a node's recorded FIFO lines and JSON dumps by time", () => {
    const plan = feedPlan(SPLIT, 'node-b');
    expect(plan.map((w) => [w.kind, w.tMs, w.kind === 'fifo-line' ? w.line : JSON.parse(w.text)[0].data.state])).toEqual([
      ['fifo-line', -10863, 'INSTANCE "VI_1" BACKUP 100'],
      ['json-dump', -4202, 1],
      ['fifo-line', 3090, 'INSTANCE "VI_1" MASTER 100'],
      ['json-dump', expect.any(Number), 2],
      ['fifo-line', 12096, 'INSTANCE "VI_1" BACKUP 100'],
      ['json-dump', 19702, 1],
    ]);
    // node-a says nothing during the split; the heal shows as MASTER_RX_LOWER_PRI.
    expect(feedPlan(SPLIT, 'node-a').filter((w) => w.kind === 'fifo-line').map((w) => [w.tMs, w.kind === 'fifo-line' && w.line])).toEqual([
      [-10952, 'INSTANCE "VI_1" BACKUP 150'],
      [-7524, 'INSTANCE "VI_1" MASTER 150'],
      [12095, 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150'],
    ]);
  });
});

describe('dueWrites / nextWriteDelayMs', () => {
  const plan = feedPlan(SPLIT, 'node-b');

  it('delivers each write once over consecutive clock readings, including one exactly at the reading', () => {
    let cursor = { ...FEED_START };
    const seen: number[] = [];
    for (const tMs of [-20_000, -10_863, -10_000, 3_089, 3_090, 3_090, 12_000, 20_503, 20_503]) {
      const step = dueWrites(plan, cursor, { tMs, lap: 0 });
      expect(step.restart).toBe(false);
      seen.push(...step.writes.map((w) => w.tMs));
      cursor = step.cursor;
    }
    expect(seen).toEqual(plan.map((w) => w.tMs));
  });

  it('starts again from the first write when the clock wraps, and says so', () => {
    const end = dueWrites(plan, { ...FEED_START }, { tMs: 20_503, lap: 0 });
    expect(end.writes).toHaveLength(plan.length);
    const again = dueWrites(plan, end.cursor, { tMs: -10_000, lap: 1 });
    expect(again.restart).toBe(true);
    expect(again.writes.map((w) => w.tMs)).toEqual([-10863]);
    expect(dueWrites(plan, again.cursor, { tMs: -9_000, lap: 1 })).toMatchObject({ restart: false, writes: [] });
  });

  it('waits, in wall ms at the given speed, until the next write is due', () => {
    const cursor = { lap: 0, doneMs: 0 };
    expect(nextWriteDelayMs(plan, cursor, { tMs: 0, lap: 0 }, 4)).toBe(Math.ceil(3090 / 4) + 1);
    expect(nextWriteDelayMs(plan, cursor, { tMs: 3_500, lap: 0 }, 1)).toBe(0); // overdue: at once
    expect(nextWriteDelayMs(plan, { lap: 0, doneMs: 20_503 }, { tMs: 20_503, lap: 0 }, 4)).toBeNull();
    expect(nextWriteDelayMs(plan, { lap: 0, doneMs: 20_503 }, { tMs: -10_952, lap: 1 }, 4)).toBe(0);
  });
});

describe('keepalivedConfFor', () => {
  it("gives the README's file for the node it names, with the FIFO pointed at the demo's", () => {
    const conf = keepalivedConfFor(readme(SPLIT.dir), 'node-a', '/tmp/x/notify.fifo', SPLIT.scenario);
    expect(conf).toContain('  router_id lab_a\n');
    expect(conf).toContain('  priority 150\n');
    expect(conf).toContain('  vrrp_notify_fifo /tmp/x/notify.fifo\n');
    expect(conf).not.toContain('/run/keepalived/notify.fifo\n  }');
    expect(conf.split('\n')[0]).toMatch(/^# hawatch demo: \/etc\/keepalived\/keepalived.conf of node-a in vrrp-split-brain-port/);
  });

  it('derives the other node as the README says (router_id, priority); a path with spaces is quoted', () => {
    const conf = keepalivedConfFor(readme(SPLIT.dir), 'node-b', '/tmp/a b/notify.fifo', SPLIT.scenario);
    expect(conf).toContain('  router_id lab_b\n');
    expect(conf).toContain('  priority 100\n');
    expect(conf).not.toMatch(/lab_a|priority 150/);
    expect(conf).toContain('vrrp_notify_fifo "/tmp/a b/notify.fifo"');
    expect(conf).toContain('with router_id lab_b, priority 100 for node-b, as the README says');
  });

  it.each(VRRP_SCENARIOS.flatMap((s) => s.nodes.map((n) => [s.name, n, s.dir] as const)))(
    '%s %s: the derived file parses and matches what keepalived dumped (VRID, priority, VIP)',
    (_name, node, dir) => {
      const t = loadTimeline(dir);
      const parsed = parseKeepalivedConf(keepalivedConfFor(readme(dir), node, '/demo/notify.fifo', t.scenario), null);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.value.vrrpNotifyFifo).toBe('/demo/notify.fifo');
      expect(parsed.value.warnings).toEqual([]);
      const [conf] = parsed.value.instances;
      const dumps = feedPlan(t, node).flatMap((w) => (w.kind === 'json-dump' ? [w.text] : []));
      expect(dumps.length).toBeGreaterThan(0);
      for (const text of dumps) {
        const d = parseKeepalivedJson(text);
        expect(d.ok).toBe(true);
        if (!d.ok) continue;
        const [dumped] = d.value.instances;
        expect({ name: conf?.name, vrid: conf?.vrid, priority: conf?.priority, vips: conf?.vips.map((v) => v.address) }).toEqual({
          name: dumped?.name,
          vrid: dumped?.vrid,
          priority: dumped?.basePriority,
          vips: dumped?.vips.map((v) => v.address),
        });
      }
    },
  );

  it('fails with a clear error when the README cannot give a node its file', () => {
    expect(() => keepalivedConfFor(readme(SPLIT.dir), 'node-c', '/f', SPLIT.scenario)).toThrow(KeepalivedConfError);
    expect(() => keepalivedConfFor(readme(SPLIT.dir), 'node-c', '/f', SPLIT.scenario)).toThrow(/gives keepalived.conf for node-a and no differences for node-c/);
    expect(() => keepalivedConfFor('# nothing here\n', 'node-a', '/f')).toThrow(/shows no keepalived.conf/);
    const twice = readme(SPLIT.dir).replace('(node-b: `router_id lab_b`, `priority 100`)', '(node-b: `advert_int 2`, `nopreempt`)');
    expect(() => keepalivedConfFor(twice, 'node-b', '/f')).toThrow(/expected one "nopreempt" line/);
  });
});

describe('startKeepalivedFeed', () => {
  const dirs: string[] = [];
  const feeds: KeepalivedFeed[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    for (const f of feeds.splice(0)) await f.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'hw-kfeed-'));
    dirs.push(d);
    return d;
  };

  it("feeds node-b's recording to the real vrrp probe: conf, FIFO lines at their times, dumps, and a wrap", async () => {
    const dir = join(tmp(), 'keepalived');
    const pos = { tMs: -20_000, lap: 0 };
    const feed = await startKeepalivedFeed({ timeline: SPLIT, node: 'node-b', dir, clock: { read: () => ({ ...pos }) }, speed: 1, exec, logger: quiet, pollMs: 10 });
    feeds.push(feed);
    expect(feed).toMatchObject({ fifoPath: join(dir, 'notify.fifo'), confPath: join(dir, 'keepalived.conf'), jsonDumpPath: join(dir, 'keepalived.json') });
    expect(statSync(feed.fifoPath).isFIFO()).toBe(true);
    expect(readFileSync(feed.confPath, 'utf8')).toContain(`vrrp_notify_fifo ${feed.fifoPath}\n`);

    const probe = createVrrpProbe(
      { fifoPath: feed.fifoPath, fifoRetrySeconds: 0.1, confPath: feed.confPath, jsonDumpPath: feed.jsonDumpPath, dataDumpPath: '', statsDumpPath: '', checkProcess: false },
      { hostname: () => 'node-b' },
    );
    const ctx = { exec: replayExec(SPLIT, 'node-b', () => pos.tMs), timeoutMs: 5_000, node: 'node-b', now: Date.now };
    const w = probe.watch({ ...ctx, trigger: () => undefined, execStream: () => ({ stop: async () => undefined }), logger: { warn: () => undefined, info: () => undefined } });
    stops.push(() => w.stop());
    const report = async (): Promise<VrrpReport> => {
      const o = await probe.run(ctx);
      expect(o.status).toBe('ok');
      return o.report as VrrpReport;
    };
    const vi1 = async () => (await report()).instances.find((i) => i.name === 'VI_1');

    // Before keepalived's first line: the instance is known from keepalived.conf only.
    expect(await vi1()).toMatchObject({ vrid: 51, priority: 100, state: 'UNKNOWN', stateSource: 'none' });
    expect((await report()).problems).toEqual([]);

    pos.tMs = -5_000; // the start-up line
    await vi.waitFor(async () => expect(await vi1()).toMatchObject({ state: 'BACKUP', stateSource: 'keepalived-fifo', lastEvent: 'BACKUP' }));
    expect(existsSync(feed.jsonDumpPath)).toBe(false);

    pos.tMs = -4_000; // the first dump: newer than the line, so it is the claim
    await vi.waitFor(async () => expect(await vi1()).toMatchObject({ state: 'BACKUP', stateSource: 'keepalived-json', masterPriority: 150 }));
    const firstDump = feedPlan(SPLIT, 'node-b').find((x) => x.kind === 'json-dump');
    expect(readFileSync(feed.jsonDumpPath, 'utf8')).toBe(firstDump?.kind === 'json-dump' ? firstDump.text : null);

    pos.tMs = 3_600; // the split: node-b's line says MASTER, and `ip` shows the VIP here
    await vi.waitFor(async () => expect(await vi1()).toMatchObject({ state: 'MASTER', stateSource: 'keepalived-fifo', effectivePriority: 100, vips: [{ address: '10.213.0.100', present: true }] }));

    pos.tMs = 20_503; // healed (the BACKUP line and the last dump arrive together: either may be the newer claim)
    await vi.waitFor(async () => expect(await vi1()).toMatchObject({ state: 'BACKUP', vips: [{ address: '10.213.0.100', present: false }] }));
    expect((await report()).fifo).toMatchObject({ path: feed.fifoPath, open: true, lines: 3, badLines: 0 });

    // The clock wraps: the dump of the last lap goes, and the start-up line comes again.
    pos.lap = 1;
    pos.tMs = -10_000;
    await vi.waitFor(async () => expect((await report()).fifo).toMatchObject({ lines: 4 }));
    expect(existsSync(feed.jsonDumpPath)).toBe(false);
    expect(await vi1()).toMatchObject({ state: 'BACKUP', stateSource: 'keepalived-fifo' });
  });

  it('replaces what an earlier run left in a kept data dir', async () => {
    const dir = tmp();
    const pos = { tMs: 20_503, lap: 0 };
    const first = await startKeepalivedFeed({ timeline: SPLIT, node: 'node-a', dir, clock: { read: () => pos }, speed: 1, exec, logger: quiet, pollMs: 10 });
    await vi.waitFor(() => expect(existsSync(first.jsonDumpPath)).toBe(true));
    await first.stop();
    pos.tMs = -20_000;
    const again = await startKeepalivedFeed({ timeline: SPLIT, node: 'node-a', dir, clock: { read: () => pos }, speed: 1, exec, logger: quiet, pollMs: 10 });
    feeds.push(again);
    expect(existsSync(again.jsonDumpPath)).toBe(false);
    expect(statSync(again.fifoPath).isFIFO()).toBe(true);
  });

  it('without mkfifo, leaves the FIFO out (and says so) but still writes the config and the dumps', async () => {
    const dir = tmp();
    const warnings: string[] = [];
    const noMkfifo: Exec = async () => ({ kind: 'absent', message: 'mkfifo: not found' });
    const feed = await startKeepalivedFeed({
      timeline: SPLIT,
      node: 'node-a',
      dir,
      clock: { read: () => ({ tMs: 0, lap: 0 }) },
      speed: 1,
      exec: noMkfifo,
      logger: { warn: (_o, msg) => warnings.push(msg) },
      pollMs: 10,
    });
    feeds.push(feed);
    expect(feed.fifoPath).toBe('');
    expect(warnings).toEqual([expect.stringMatching(/^mkfifo failed/)]);
    expect(existsSync(feed.confPath)).toBe(true);
    await vi.waitFor(() => expect(JSON.parse(readFileSync(feed.jsonDumpPath, 'utf8'))[0].data.iname).toBe('VI_1'));
  });
});
