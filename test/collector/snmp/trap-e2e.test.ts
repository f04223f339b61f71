// End to end: a real collector with its SNMP agent and an snmp-trap notifier; keepalived's recorded split brain
// (vrrp-split-brain-port, through the real vrrp report builder) pushed over HTTP as two agents would; the alert
// engine fires VrrpSplitBrain, the delivery queue sends it, and a real snmptrapd logs it by name. The collector's
// own SNMP agent shows the same alert in hawatchAlertTable; after the heal the resolve arrives the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { push, startTestCollector, type TestCollector } from '../../helpers/collector.js';
import { freePort, waitFor } from '../../helpers/processes.js';
import type { Timeline } from '../../../demo/timeline.js';
import { cell, MIB_ARGS, missingTools, parseWalk, runTool, startTrapd, suiteTitle, type Trapd } from './helpers.js';
import { AFTER_HEAL_MS, DURING_SPLIT_MS, probeBatch, splitTimeline, vrrpAt } from './reports.js';

const TRAP_COMMUNITY = 'hawatch-e2e-traps';
const READ_COMMUNITY = 'hawatch-e2e-ro';
const missing = missingTools(['snmptrapd', 'snmpwalk', 'snmptable']);

/** The line snmptrapd -Lo logged for one notification (its varbinds are tab-separated on one line). */
const logged = (t: Trapd, notification: string): string[] => t.output().split('\n').filter((l) => l.includes(`OID: HAWATCH-MIB::${notification}\t`));

describe.skipIf(missing.length > 0)(suiteTitle('collector → snmp-trap notifier → snmptrapd, on a replayed VRRP split brain', missing), () => {
  let trapd: Trapd;
  let collector: TestCollector;
  let timeline: Timeline;
  let snmpTarget = '';
  let seq = 0;

  const pushAt = async (scenarioMs: number) => {
    seq++;
    const at = Date.now();
    for (const node of ['node-a', 'node-b']) {
      const res = await push(collector.url, probeBatch('vrrplab', node, seq, at, { vrrp: vrrpAt(timeline, node, scenarioMs) }));
      expect(res.status, await res.text()).toBe(200);
    }
  };

  beforeAll(async () => {
    timeline = splitTimeline();
    trapd = await startTrapd(await freePort(), TRAP_COMMUNITY);
    const snmpPort = await freePort();
    collector = await startTestCollector({
      snmp: { enabled: true, listen: `127.0.0.1:${snmpPort}`, communities: [{ community: READ_COMMUNITY }], viewReuseMs: 0 },
      notifiers: [{ type: 'snmp-trap', name: 'nms', targets: [{ name: 'trapd', host: '127.0.0.1', port: trapd.port, community: TRAP_COMMUNITY, mode: 'inform' }] }],
      delivery: { backoffInitialSeconds: 0.1, backoffMaxSeconds: 1 },
    });
    snmpTarget = `127.0.0.1:${snmpPort}`;
  }, 30_000);
  afterAll(async () => {
    await collector?.cleanup();
    await trapd?.stop();
  });

  it('the split fires VrrpSplitBrain: snmptrapd logs hawatchAlertFiring with rule and summary, and the split-brain notification', async () => {
    await pushAt(DURING_SPLIT_MS);
    // VrrpSplitBrain holds for its `for` (1 s) before it fires; the collector evaluates at once when it is due.
    await trapd.waitFor(/hawatchAlertFiring\t/, 15_000);
    const [fired] = logged(trapd, 'hawatchAlertFiring');
    expect(fired).toContain('HAWATCH-MIB::hawatchNotifyRule.0 = STRING: VrrpSplitBrain');
    expect(fired).toContain('HAWATCH-MIB::hawatchNotifySummary.0 = STRING: VRRP split brain on vrid 51: 2 nodes are MASTER (node-a, node-b); 10.213.0.100 is on node-a and node-b');
    expect(fired).toContain('HAWATCH-MIB::hawatchNotifyCluster.0 = STRING: vrrplab');
    expect(fired).toContain('HAWATCH-MIB::hawatchNotifySeverity.0 = INTEGER: critical(3)');
    expect(fired).toContain('HAWATCH-MIB::hawatchNotifyObject.0 = STRING: vrrp/51');
    // The collector's agent lent its sysUpTime: seconds since it started, not the process's.
    expect(fired).toMatch(/SNMPv2-MIB::sysUpTime\.0 = Timeticks: \(\d+\)/);
    const fingerprint = collector.alerts.openAlerts().find((a) => a.rule === 'VrrpSplitBrain')?.fingerprint ?? '?';
    expect(fired).toContain(`HAWATCH-MIB::hawatchNotifyAlertId.0 = STRING: ${fingerprint}`);

    await trapd.waitFor(/hawatchSplitBrainDetected\t/);
    const [sb] = logged(trapd, 'hawatchSplitBrainDetected');
    expect(sb).toContain('HAWATCH-MIB::hawatchNotifySignal.0 = STRING: vrrp-multi-master');
    expect(sb).toContain('HAWATCH-MIB::hawatchNotifyNodes.0 = STRING: node-a,node-b');

    // Delivered through the queue: the delivery log has it.
    await waitFor('delivery logged', () => {
      const r = collector.db.prepare(`SELECT outcome FROM alert_delivery_log WHERE notifier = 'nms' AND fingerprint = ? AND kind = 'firing'`).all(fingerprint) as { outcome: string }[];
      return r.some((x) => x.outcome === 'sent') ? true : undefined;
    });
  });

  it("the collector's SNMP agent shows the alert row and both VRRP masters", async () => {
    const alerts = parseWalk((await runTool('snmpwalk', ['-v2c', '-c', READ_COMMUNITY, ...MIB_ARGS, snmpTarget, 'hawatchAlertTable'])).stdout);
    const index = [...(alerts.get('hawatchAlertRule')?.entries() ?? [])].find(([, v]) => v === 'VrrpSplitBrain')?.[0];
    expect(index, JSON.stringify([...alerts])).toBeDefined();
    expect(cell(alerts, 'hawatchAlertSeverity', index ?? '')).toBe('critical(3)');
    expect(cell(alerts, 'hawatchAlertCluster', index ?? '')).toBe('vrrplab');
    const r = await runTool('snmptable', ['-v2c', '-c', READ_COMMUNITY, ...MIB_ARGS, '-Ci', '-Cf', '|', snmpTarget, 'hawatchVrrpTable']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1.1.1|VI_1|51|eth0|master|');
    expect(r.stdout).toContain('1.2.1|VI_1|51|eth0|master|');
  });

  it('after the heal, hawatchAlertResolved and hawatchSplitBrainCleared arrive', async () => {
    await pushAt(AFTER_HEAL_MS);
    await trapd.waitFor(/hawatchSplitBrainCleared\t/, 15_000);
    const [resolved] = logged(trapd, 'hawatchAlertResolved');
    expect(resolved).toContain('HAWATCH-MIB::hawatchNotifyRule.0 = STRING: VrrpSplitBrain');
    expect(logged(trapd, 'hawatchAlertFiring')).toHaveLength(1);
    const w = parseWalk((await runTool('snmpwalk', ['-v2c', '-c', READ_COMMUNITY, ...MIB_ARGS, snmpTarget, 'hawatchVipTable'])).stdout);
    expect(cell(w, 'hawatchVipHolderCount', '1.1')).toBe('1');
    expect(cell(w, 'hawatchVipHolders', '1.1')).toBe('node-a');
    expect(cell(w, 'hawatchVipExpectedHolder', '1.1')).toBe('node-a');
  });
});
