// Notifications received by a real snmptrapd on a loopback port and logged by name from HAWATCH-MIB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHawatchMib } from '../../../collector/snmp/mib.js';
import { notificationVarbinds, sendNotification, type NotificationValues, type TrapTarget } from '../../../collector/snmp/notify.js';
import { freePort } from '../../helpers/processes.js';
import { logger, MIB_DIR, missingTools, startTrapd, suiteTitle, TRAP_ENGINE_ID, TRAP_USERS, type Trapd } from './helpers.js';

const mib = loadHawatchMib(MIB_DIR);
const COMMUNITY = 'hawatch-traps';
const missing = missingTools(['snmptrapd']);

const splitBrain = (cluster: string): NotificationValues => ({
  hawatchNotifyCluster: cluster,
  hawatchNotifySignal: 'pacemaker-partition',
  hawatchNotifyNodes: 'n1,n2',
  hawatchNotifyEvidence: 'n1 and n2 each report themselves DC with quorum (crm_mon at 18:05:57)',
  hawatchNotifyTime: new Date(Date.UTC(2026, 10, 23, 18, 5, 57)),
});

/** One logged notification: snmptrapd -Lo prints a header line, then the varbinds separated by tabs. */
const received = (out: string, cluster: string): string | undefined =>
  out.split('\n').find((l) => l.includes('hawatchSplitBrainDetected') && l.includes(`hawatchNotifyCluster.0 = STRING: ${cluster}\t`));

describe('notification varbinds', () => {
  it('follow the OBJECTS order of the MIB and need every object', () => {
    const vbs = notificationVarbinds(mib, 'hawatchSplitBrainDetected', splitBrain('c1'));
    expect(vbs.map((v) => v.oid)).toEqual(['1.3.6.1.4.1.32473.1.11.1.0', '1.3.6.1.4.1.32473.1.11.4.0', '1.3.6.1.4.1.32473.1.11.2.0', '1.3.6.1.4.1.32473.1.11.9.0', '1.3.6.1.4.1.32473.1.11.10.0']);
    expect(() => notificationVarbinds(mib, 'hawatchAlertFiring', splitBrain('c1'))).toThrow(/needs a value for hawatchNotifyAlertId/);
  });
});

describe.skipIf(missing.length > 0)(suiteTitle('SNMP notifications to snmptrapd', missing), () => {
  let trapd: Trapd;
  beforeAll(async () => {
    trapd = await startTrapd(await freePort(), COMMUNITY);
  });
  afterAll(async () => {
    await trapd?.stop();
  });

  const target = (t: Omit<TrapTarget, 'host' | 'port'>): TrapTarget => ({ host: '127.0.0.1', port: trapd.port, ...t });

  it('delivers a split-brain notification as v2c trap, v2c inform, v3 trap and v3 inform, logged by name', async () => {
    const cases: [string, Omit<TrapTarget, 'host' | 'port'>][] = [
      ['c-v2trap', { name: 'v2-trap', version: '2c', community: COMMUNITY, mode: 'trap' }],
      ['c-v2inform', { name: 'v2-inform', version: '2c', community: COMMUNITY, mode: 'inform' }],
      ['c-v3trap', { name: 'v3-trap', version: '3', user: TRAP_USERS.trap, engineId: TRAP_ENGINE_ID, mode: 'trap' }],
      ['c-v3inform', { name: 'v3-inform', version: '3', user: TRAP_USERS.inform, mode: 'inform' }],
    ];
    for (const [cluster, t] of cases) {
      const results = await sendNotification({ mib, logger, targets: [target(t)], upTime: 4242 }, 'hawatchSplitBrainDetected', splitBrain(cluster));
      expect(results).toEqual([{ target: t.name, ok: true }]);
      await trapd.waitFor(new RegExp(`hawatchNotifyCluster\\.0 = STRING: ${cluster}\\t`));
      const line = received(trapd.output(), cluster) ?? '';
      expect(line).toContain('SNMPv2-MIB::sysUpTime.0 = Timeticks: (4242)');
      expect(line).toContain('SNMPv2-MIB::snmpTrapOID.0 = OID: HAWATCH-MIB::hawatchSplitBrainDetected');
      expect(line).toContain('HAWATCH-MIB::hawatchNotifySignal.0 = STRING: pacemaker-partition');
      expect(line).toContain('HAWATCH-MIB::hawatchNotifyNodes.0 = STRING: n1,n2');
      expect(line).toContain('HAWATCH-MIB::hawatchNotifyTime.0 = STRING: 2026-11-23,18:5:57.0,+0:0');
    }
  });

  it('sends alert notifications with the severity by name', async () => {
    const results = await sendNotification({ mib, logger, targets: [target({ name: 'nms', version: '2c', community: COMMUNITY, mode: 'inform' })] }, 'hawatchAlertFiring', {
      hawatchNotifyAlertId: 'a-17', hawatchNotifyCluster: 'lab', hawatchNotifyRule: 'quorum-lost', hawatchNotifySeverity: 'critical',
      hawatchNotifyObject: 'cluster/lab', hawatchNotifySummary: 'lab has no quorum', hawatchNotifyEvidence: 'node1: partition without quorum', hawatchNotifyTime: new Date(),
    });
    expect(results[0]?.ok).toBe(true);
    const out = await trapd.waitFor(/hawatchNotifyAlertId\.0 = STRING: a-17/);
    expect(out).toContain('HAWATCH-MIB::hawatchNotifySeverity.0 = INTEGER: critical(3)');
    expect(out).toContain('OID: HAWATCH-MIB::hawatchAlertFiring');
  });

  it('is not logged with a wrong community, and reports an unanswered inform as a failed result', async () => {
    const bad = await sendNotification({ mib, logger, targets: [target({ name: 'bad', version: '2c', community: 'wrong', mode: 'trap' })] }, 'hawatchSplitBrainDetected', splitBrain('c-wrong'));
    expect(bad[0]?.ok).toBe(true); // a trap is fire-and-forget
    const deadPort = await freePort();
    const lost = await sendNotification(
      { mib, logger, targets: [{ name: 'gone', host: '127.0.0.1', port: deadPort, version: '2c', community: COMMUNITY, mode: 'inform', timeoutMs: 200, retries: 0 }] },
      'hawatchSplitBrainDetected',
      splitBrain('c-gone'),
    );
    expect(lost[0]).toMatchObject({ target: 'gone', ok: false, error: { code: 'snmp.notify' } });
    await trapd.waitFor(/NET-SNMP version/); // still running
    await new Promise((r) => setTimeout(r, 300));
    expect(trapd.output()).not.toContain('c-wrong');
  });
});
