// Real corosync + Pacemaker in network namespaces, a hawatch agent inside each node, the collector in the root
// namespace on the lab's management network, and a webhook receiver.
//   5. 3 nodes, one node partitioned (the DC, then a node that is not the DC): PacemakerQuorumLost and
//      PacemakerNodeOffline for it, NO PacemakerSplitBrain (a DC without quorum is not split brain), transient or
//      not; the heal resolves them.
//   7. 3 nodes, dummy's monitor fails: PacemakerResourceFailed; the fail count in REST and /metrics.
//   8. 3 nodes, a partition that also cuts the collector off the node: the node is unknown (stale) meanwhile, not
//      healthy, nothing resolves for lack of news; after the heal its buffered observations arrive in the history.
//   6. 2 nodes with two_node, partitioned: two quorate DCs and dummy active on both: PacemakerSplitBrain and
//      PacemakerResourceActiveTwice; the heal resolves them.
// Run: npm run build && npx vitest run -c vitest.lab.config.ts (as root). See test/lab/README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pacemakerResourceMultiActive } from '../../collector/alerts/rules/pacemaker.js';
import { corosyncEvent, formatTable, labRequired, labSkipReason, Lab, READ_TOKEN, waitFor, type Measurement } from './harness.js';

const SKIP = labSkipReason(['corosync', 'pacemakerd', 'crm_mon', 'corosync-quorumtool', 'cibadmin', 'crm_attribute']);
// The pacemaker and corosync probes poll (crm_mon, corosync-quorumtool): the interval is part of the latency.
// Real deployments default to 10 s (pacemaker) and 5 s (corosync); the lab uses 2 s unless told.
const PROBE_INTERVAL_S = Number(process.env['HWLAB_PCMK_INTERVAL'] ?? 2);
const PUSH_INTERVAL_S = Number(process.env['HWLAB_PUSH_INTERVAL'] ?? 5);
const results: Measurement[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomPhase = () => sleep(Math.floor(Math.random() * PROBE_INTERVAL_S * 1000));

interface ApiAlert { Id: string; Rule: string; AlertStatus: string; Labels: Record<string, string>; Summary: string; StartsAt: string; Evidence: { Node: string; Says: string }[] }

/** A pacemaker lab of `nodes` nodes with an agent in each, and helpers over its webhook and REST API. */
const pcmkLab = (letter: string, nodes: 2 | 3) => {
  const lab = new Lab('pacemaker-lab.sh', `${letter}${process.pid}`, { HWLAB_NODES: String(nodes) });
  const names = nodes === 3 ? ['n1', 'n2', 'n3'] : ['n1', 'n2'];
  const cluster = `hwl9-pcmk${nodes}`;
  const apiAlerts = async (): Promise<ApiAlert[]> => (await lab.collector.api<{ Members: ApiAlert[] }>('/api/v1/Alerts')).Members;
  // Open problems: info alerts (a failover happened, a resource moved) stay open for a while by design.
  const openAlerts = async () => (await apiAlerts()).filter((a) => (a.AlertStatus === 'pending' || a.AlertStatus === 'firing') && a.Severity !== 'info');
  const page = (alertname: string, status: 'firing' | 'resolved', sinceMs: number, timeoutMs: number, match: (l: Record<string, string>) => boolean = () => true) =>
    waitFor(`webhook: ${alertname} ${status}`, () => lab.hook.since(sinceMs, alertname, status).find((a) => match(a.labels)), timeoutMs, 50);
  const corosyncLog = (n: string) => join(lab.dir, n, 'var-log-corosync', 'corosync.log');
  /** When corosync on `n` formed a new membership at or after `sinceMs` (hires log time). */
  const membership = (n: string, sinceMs: number) => corosyncEvent(corosyncLog(n), /A new membership .* was formed/, sinceMs) ?? null;
  const healthy = async () => {
    await lab.run(['heal-net']);
    await waitFor('cluster whole: all quorate members, one DC, dummy once', async () => {
      try {
        await lab.run(['healed'], 60_000);
        return true;
      } catch {
        return undefined;
      }
    }, 120_000, 1_000);
    await waitFor('no open alert', async () => ((await openAlerts()).length === 0 ? true : undefined), 60_000, 250).catch(async (e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify((await openAlerts()).map((a) => a.Summary))}`);
    });
  };
  const setup = async () => {
    await lab.prepare();
    await lab.run(['up'], 180_000);
    await lab.startMonitoring(3);
    for (const n of names) {
      await lab.startAgent(n, n, cluster, PUSH_INTERVAL_S, {
        pacemaker: { intervalSeconds: PROBE_INTERVAL_S, timeoutSeconds: 8 },
        corosync: { intervalSeconds: PROBE_INTERVAL_S, timeoutSeconds: 8 },
      });
    }
    await waitFor(`all ${nodes} agents reporting`, async () => ((await lab.collector.api<{ Members: unknown[] }>(`/api/v1/Clusters/${cluster}/Nodes`)).Members.length === nodes ? true : undefined), 90_000, 500)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\n${lab.logs()}`);
      });
    await healthy();
    lab.markFootprint();
  };
  const teardown = async () => {
    const fp = lab.footprints();
    if (fp.length) console.log(`pacemaker lab (${nodes} nodes), agent footprint (pacemaker + corosync probes every ${PROBE_INTERVAL_S} s, during the scenarios):\n${fp.join('\n')}\n`);
    await lab.teardown();
  };
  return { lab, names, cluster, apiAlerts, openAlerts, page, membership, healthy, setup, teardown, corosyncLog };
};

afterAll(() => {
  if (!results.length) return;
  console.log(`\npacemaker lab, detection latency (pacemaker and corosync probe interval ${PROBE_INTERVAL_S} s, push interval ${PUSH_INTERVAL_S} s):\n${formatTable(results)}\n`);
  if (process.env['HWLAB_RESULTS']) appendFileSync(process.env['HWLAB_RESULTS'], `${JSON.stringify({ lab: 'pacemaker', at: new Date().toISOString(), results })}\n`);
});

if (SKIP !== null && labRequired()) {
  it('the pacemaker lab can run here (HWLAB_REQUIRE=1)', () => {
    throw new Error(SKIP);
  });
}

describe.skipIf(SKIP !== null)(`pacemaker lab, 3 nodes${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  const L = pcmkLab('p', 3);

  beforeAll(() => L.setup(), 300_000);
  afterAll(() => L.teardown(), 120_000);

  it.each([['the DC'], ['a node that is not the DC']])('5. %s partitioned: PacemakerQuorumLost and PacemakerNodeOffline for it, no PacemakerSplitBrain (transient or not); heal resolves', async (which) => {
    await L.healthy();
    // The DC's partition elects a new DC when the DC is the one cut off: the case where nodes' views disagree most.
    const dc = /^n1: .* dc=(n\d)/m.exec((await L.lab.run(['status'])).stdout)?.[1];
    expect(dc).toBeDefined();
    const victim = which === 'the DC' ? dc! : L.names.filter((n) => n !== dc).at(-1)!;
    const tag = `5 3-node partition (${victim}, ${which === 'the DC' ? 'the DC' : `DC ${dc}`})`;
    await randomPhase();
    // ground truth, sampled every 100 ms: on how many nodes dummy's state file exists
    let maxRunning = 0;
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, L.names.filter((n) => existsSync(join(L.lab.dir, n, 'run', 'Dummy-dummy.state'))).length);
    }, 100);
    sampler.unref();
    const { t0Ms } = await L.lab.run(['split', victim]);
    const t0 = t0Ms!;
    const quorum = await L.page('PacemakerQuorumLost', 'firing', t0, 60_000, (l) => l['node'] === victim);
    const offline = await L.page('PacemakerNodeOffline', 'firing', t0, 60_000, (l) => l['node'] === victim);
    const onset = L.membership(victim, t0);
    const survivor = L.names.find((n) => n !== victim)!;
    const onsetSurvivor = L.membership(survivor, t0);
    results.push({ scenario: tag, what: `PacemakerQuorumLost ${victim}`, faultMs: t0, onsetMs: onset, pagedMs: quorum.atMs, forMs: 0 });
    results.push({ scenario: tag, what: `PacemakerNodeOffline ${victim}`, faultMs: t0, onsetMs: onsetSurvivor, pagedMs: offline.atMs, forMs: 5_000 });
    expect(onset).not.toBeNull();
    const open = await L.apiAlerts();
    expect(open.find((a) => a.Id === quorum.fingerprint)).toMatchObject({ Rule: 'PacemakerQuorumLost', AlertStatus: 'firing', Labels: { node: victim } });
    expect(open.find((a) => a.Id === offline.fingerprint)).toMatchObject({ Rule: 'PacemakerNodeOffline', AlertStatus: 'firing', Labels: { node: victim } });
    // Hold the partition a while: the isolated node stays DC of a partition without quorum, which is not split brain.
    await sleep(10_000);
    // Only the isolated node lost quorum, only it is offline (its own view of n1 and n2 does not page).
    expect(L.lab.hook.since(t0, 'PacemakerQuorumLost', 'firing').map((a) => a.labels['node'])).toEqual([victim]);
    expect([...new Set(L.lab.hook.since(t0, 'PacemakerNodeOffline', 'firing').map((a) => a.labels['node']))]).toEqual([victim]);

    const { t0Ms: heal } = await L.lab.run(['heal-net']);
    const qr = await L.page('PacemakerQuorumLost', 'resolved', heal!, 60_000, (l) => l['node'] === victim);
    const or = await L.page('PacemakerNodeOffline', 'resolved', heal!, 60_000, (l) => l['node'] === victim);
    const rejoin = L.membership(survivor, heal!);
    results.push({ scenario: `${tag}: heal`, what: 'PacemakerQuorumLost resolved', faultMs: heal!, onsetMs: rejoin, pagedMs: qr.atMs, forMs: 0 });
    results.push({ scenario: `${tag}: heal`, what: 'PacemakerNodeOffline resolved', faultMs: heal!, onsetMs: rejoin, pagedMs: or.atMs, forMs: 0 });
    await L.healthy();
    clearInterval(sampler);
    // Through the partition, the DC re-elections and the rejoin: never a split-brain page, never a stored one.
    const falseAlarms = L.lab.hook.since(t0, 'PacemakerSplitBrain');
    if (falseAlarms.length) {
      const detail = await L.lab.collector.api<unknown>(`/api/v1/Alerts/${falseAlarms[0]!.fingerprint}`);
      console.log(`scenario 5 (${victim} partitioned, DC was ${dc}): false split brain. heal at +${((heal! - t0) / 1000).toFixed(2)} s; pages:\n${L.lab.hook.timeline(t0)}\nalert: ${JSON.stringify(detail, null, 1)}`);
    }
    // dummy running twice is paged only if it really ran on two nodes at once
    const twice = L.lab.hook.since(t0, 'PacemakerResourceActiveTwice', 'firing');
    if (twice.length) console.log(`scenario 5 (${victim} partitioned, DC was ${dc}): PacemakerResourceActiveTwice paged; dummy's state file was seen on at most ${maxRunning} node(s) at once`);
    expect(falseAlarms.map((a) => `${a.status} ${a.summary} +${a.atMs - t0} ms`)).toEqual([]);
    expect(maxRunning >= 2 || twice.length === 0, `PacemakerResourceActiveTwice paged (${twice.map((a) => a.summary).join('; ')}) but dummy never ran on two nodes at once`).toBe(true);
    expect((await L.apiAlerts()).filter((a) => a.Rule === 'PacemakerSplitBrain' && Date.parse(a.StartsAt) >= t0)).toEqual([]);
  }, 300_000);

  it('7. dummy\'s monitor fails: PacemakerResourceFailed, the fail count in REST and /metrics; cleanup resolves', async () => {
    await L.healthy();
    await randomPhase();
    const { t0Ms, stdout } = await L.lab.run(['fail-dummy']);
    const t0 = t0Ms!;
    const node = /NODE=(n\d)/.exec(stdout)?.[1];
    const failed = await L.page('PacemakerResourceFailed', 'firing', t0, 60_000, (l) => l['resource'] === 'dummy');
    results.push({ scenario: '7 resource failure (monitor 5 s)', what: 'PacemakerResourceFailed', faultMs: t0, onsetMs: null, pagedMs: failed.atMs, forMs: 0 });
    expect(failed.labels).toMatchObject({ resource: 'dummy', node: node! });
    const res = await waitFor('REST: dummy fail count >= 1', async () => {
      const r = await L.lab.collector.api<{ FailCount?: number }>(`/api/v1/Clusters/${L.cluster}/Resources/dummy`);
      return (r.FailCount ?? 0) >= 1 ? r : undefined;
    }, 30_000, 250);
    expect(res.FailCount).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${L.lab.collector.url}/metrics`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).text();
    const line = metrics.split('\n').find((l) => /fail_?count\{/.test(l) && l.includes('resource="dummy"') && !/ 0$/.test(l));
    expect(line, 'a fail-count series for dummy in /metrics').toBeDefined();

    const cleanup = Date.now();
    await L.lab.run(['on', node!, 'crm_resource', '--cleanup', '--resource', 'dummy']);
    const resolved = await L.page('PacemakerResourceFailed', 'resolved', cleanup, 60_000, (l) => l['resource'] === 'dummy');
    results.push({ scenario: '7 resource failure: cleanup', what: 'PacemakerResourceFailed resolved', faultMs: cleanup, onsetMs: null, pagedMs: resolved.atMs, forMs: 0 });
  }, 300_000);

  it('8. partition that also cuts the collector off the node: it shows as unknown (stale), not healthy; after the heal its buffered history arrives', async () => {
    await L.healthy();
    const dc = /^n1: .* dc=(n\d)/m.exec((await L.lab.run(['status'])).stdout)?.[1];
    const victim = L.names.filter((n) => n !== dc).at(-1)!;
    await randomPhase();
    const { t0Ms } = await L.lab.run(['split', victim, 'mgmt']);
    const t0 = t0Ms!;
    type NodeBody = { Status: { Health: string }; Agent: { State: string; LastPush: string } | null };
    const nodeBody = () => L.lab.collector.api<NodeBody>(`/api/v1/Clusters/${L.cluster}/Nodes/${victim}`);
    const stale = await waitFor(`REST: ${victim}'s agent stale`, async () => {
      const b = await nodeBody();
      return b.Agent?.State === 'stale' ? { b, at: Date.now() } : undefined;
    }, 60_000, 250);
    results.push({ scenario: `8 partition + management cut (${victim})`, what: 'REST: agent stale (polled 250 ms)', faultMs: t0, onsetMs: L.membership(L.names.find((n) => n !== victim)!, t0), pagedMs: stale.at, forMs: 0 });
    expect(stale.b.Status.Health).not.toBe('OK');
    const offline = await L.page('PacemakerNodeOffline', 'firing', t0, 60_000, (l) => l['node'] === victim);
    results.push({ scenario: `8 partition + management cut (${victim})`, what: `PacemakerNodeOffline ${victim} (survivors' view)`, faultMs: t0, onsetMs: L.membership(L.names.find((n) => n !== victim)!, t0), pagedMs: offline.atMs, forMs: 5_000 });
    await sleep(5_000);
    expect((await nodeBody()).Agent?.State).toBe('stale');
    // nothing about the unreachable node is resolved or made up while it cannot be heard
    expect(L.lab.hook.since(t0, undefined, 'resolved')).toEqual([]);
    expect(L.lab.hook.since(t0, 'PacemakerSplitBrain')).toEqual([]);

    const { t0Ms: heal } = await L.lab.run(['heal-net']);
    await waitFor(`REST: ${victim}'s agent up again`, async () => ((await nodeBody()).Agent?.State === 'up' ? true : undefined), 60_000, 250);
    // What the node saw while nobody could hear it: its quorum loss, stamped within the partition.
    const events = await waitFor(`Events: ${victim} lost quorum during the partition`, async () => {
      const e = await L.lab.collector.api<{ Members: { EventTimestamp: string; Kind: string; ToState: string }[] }>(
        `/api/v1/Clusters/${L.cluster}/Events?$expand=.&$top=1000&$filter=${encodeURIComponent(`Node eq '${victim}' and Kind eq 'corosync_quorum'`)}`,
      );
      const lost = e.Members.find((m) => m.ToState === 'not-quorate' && Date.parse(m.EventTimestamp) > t0 && Date.parse(m.EventTimestamp) < heal!);
      return lost ? e.Members : undefined;
    }, 30_000, 500);
    expect(events.length).toBeGreaterThan(0);
    await L.healthy();
    const late = L.lab.hook.since(heal!, 'PacemakerQuorumLost', 'firing');
    if (late.length) console.log(`scenario 8: pages after the heal for what happened during it: ${L.lab.hook.timeline(heal!)}`);
    expect(L.lab.hook.since(t0, 'PacemakerSplitBrain')).toEqual([]);
  }, 300_000);
});

describe.skipIf(SKIP !== null)(`pacemaker lab, 2 nodes with two_node${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  const L = pcmkLab('q', 2);

  beforeAll(() => L.setup(), 300_000);
  afterAll(() => L.teardown(), 120_000);

  it('6. two_node partition: both halves quorate with their own DC, dummy on both: PacemakerSplitBrain and PacemakerResourceActiveTwice; heal resolves', async () => {
    await randomPhase();
    const { t0Ms } = await L.lab.run(['split', 'n2']);
    const t0 = t0Ms!;
    // ground truth: dummy's state file on both nodes
    const both = waitFor('dummy running on both nodes', () => (['n1', 'n2'].every((n) => existsSync(join(L.lab.dir, n, 'run', 'Dummy-dummy.state'))) ? Date.now() : undefined), 60_000, 100);
    const split = await L.page('PacemakerSplitBrain', 'firing', t0, 60_000);
    const twice = await L.page('PacemakerResourceActiveTwice', 'firing', t0, 60_000, (l) => l['resource'] === 'dummy');
    const bothAt = await both;
    const onset = L.membership('n1', t0);
    results.push({ scenario: '6 two_node partition', what: 'PacemakerSplitBrain', faultMs: t0, onsetMs: onset, pagedMs: split.atMs, forMs: 0 });
    results.push({ scenario: '6 two_node partition', what: 'PacemakerResourceActiveTwice', faultMs: t0, onsetMs: bothAt, pagedMs: twice.atMs, forMs: pacemakerResourceMultiActive.forMs });
    expect(onset).not.toBeNull();
    expect(split.summary).toMatch(/2 partitions each have a DC with quorum \(n1, n2\)/);
    expect(twice.summary).toContain('n1, n2');
    const api = await L.apiAlerts();
    expect(api.find((a) => a.Id === split.fingerprint)).toMatchObject({ Rule: 'PacemakerSplitBrain', AlertStatus: 'firing' });
    expect(api.find((a) => a.Id === twice.fingerprint)).toMatchObject({ Rule: 'PacemakerResourceActiveTwice', AlertStatus: 'firing' });
    await sleep(5_000);
    expect(new Set(L.lab.hook.since(t0, 'PacemakerSplitBrain', 'firing').map((a) => `${a.fingerprint} ${a.startsAt}`)).size).toBe(1);

    const { t0Ms: heal } = await L.lab.run(['heal-net']);
    const sr = await L.page('PacemakerSplitBrain', 'resolved', heal!, 60_000);
    const tr = await L.page('PacemakerResourceActiveTwice', 'resolved', heal!, 60_000);
    const rejoin = L.membership('n1', heal!);
    results.push({ scenario: '6 two_node partition: heal', what: 'PacemakerSplitBrain resolved', faultMs: heal!, onsetMs: rejoin, pagedMs: sr.atMs, forMs: 0 });
    results.push({ scenario: '6 two_node partition: heal', what: 'PacemakerResourceActiveTwice resolved', faultMs: heal!, onsetMs: rejoin, pagedMs: tr.atMs, forMs: 0 });
    await L.healthy();
  }, 300_000);
});
