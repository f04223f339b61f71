// `hawatch demo` as a newcomer runs it: real collector, three agents replaying a real Pacemaker partition.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startCli, stopAll, waitFor } from '../helpers/processes.js';

const MIBS = join(import.meta.dirname, '..', '..', 'mibs');
const MIB = ['-M', `+${MIBS}:${join(MIBS, 'base')}`, '-m', 'SNMPv2-MIB:HAWATCH-MIB'];
const snmp = (tool: string, args: string[]): string => execFileSync(tool, args, { encoding: 'utf8', timeout: 10_000 });
const hasSnmp = (() => {
  try {
    execFileSync('snmptable', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('snmptable missing (Debian package snmp): the SNMP part of the demo test is skipped');
    return false;
  }
})();

afterAll(stopAll);

describe('hawatch demo', () => {
  it('lists the recorded scenarios', async () => {
    const p = startCli(['demo', '--list']);
    await waitFor('demo --list to exit', () => (p.child.exitCode !== null ? true : undefined), 10_000);
    expect(p.child.exitCode).toBe(0);
    for (const s of ['pcmk3-partition-node3', 'pcmk2-split-brain', 'pcmk3-resource-fail', 'vrrp-failover-term', 'vrrp-split-brain-port', 'vrrp-carrier-fault']) {
      expect(p.output()).toContain(s);
    }
  });

  it('shows three nodes over REST and /metrics, and the partition as the collector sees it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const snmpPort = await freePort();
    const demo = startCli(['demo', '--scenario', 'pcmk3-partition-node3', '--speed', '4', '--once', '--http-listen', `127.0.0.1:${port}`, '--snmp-listen', `127.0.0.1:${snmpPort}`]);
    // Reads need no token in the demo.
    const nodes = await waitFor('three nodes in REST', async () => {
      const r = await fetch(`${url}/api/v1/Clusters/hwlab/Nodes`);
      const b = (await r.json()) as { 'Members@odata.count': number };
      return b['Members@odata.count'] === 3 ? b : undefined;
    });
    expect(nodes).toMatchObject({ Members: [{ '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n1' }, {}, {}] });
    // An NMS walking the demo: the node table by name, with the MIB loaded by the client (Debian's snmp package).
    if (hasSnmp) {
      const table = await waitFor('snmptable hawatchNodeTable with 3 nodes', () => {
        const out = snmp('snmptable', ['-v2c', '-c', 'public', '-Ci', '-Cf', ',', ...MIB, `127.0.0.1:${snmpPort}`, 'hawatchNodeTable']);
        const rows = out.split('\n').filter((l) => /^1\.\d+,/.test(l));
        return rows.length === 3 ? rows : undefined;
      });
      expect(table.map((r) => r.split(',')[1])).toEqual(['n1', 'n2', 'n3']);
      const cluster = snmp('snmpget', ['-v2c', '-c', 'public', ...MIB, `127.0.0.1:${snmpPort}`, 'hawatchClusterName.1', 'hawatchClusterNodeCount.1']);
      expect(cluster).toContain('hawatchClusterName.1 = STRING: hwlab');
      expect(cluster).toContain('hawatchClusterNodeCount.1 = Gauge32: 3');
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const n of ['n1', 'n2', 'n3']) expect(metrics).toContain(`hawatch_agent_up{cluster="hwlab",node="${n}"} 1`);

    // During the partition n3 elects itself DC without quorum while n1 stays DC with quorum: two DCs, one quorate.
    const split = await waitFor(
      'the partition seen by the collector',
      async () => {
        const c = (await (await fetch(`${url}/api/v1/Clusters/hwlab`)).json()) as { Pacemaker: { DesignatedControllers: { Name: string; WithQuorum: boolean; ReportedBy: string[] }[] } };
        return c.Pacemaker.DesignatedControllers.length === 2 ? c.Pacemaker.DesignatedControllers : undefined;
      },
      20_000,
      50,
    );
    expect(split).toEqual([
      { Name: 'n1', WithQuorum: true, ReportedBy: ['n1', 'n2'] },
      { Name: 'n3', WithQuorum: false, ReportedBy: ['n3'] },
    ]);
    const n3 = (await (await fetch(`${url}/api/v1/Clusters/hwlab/Nodes/n3`)).json()) as { Pacemaker: { SeenBy: Record<string, string> } };
    expect(n3.Pacemaker.SeenBy['n1']).toBe('offline');

    // --once: the demo plays to the end of the recording (healed) and exits cleanly.
    await waitFor('demo exit', () => (demo.child.exitCode !== null ? demo.child.exitCode : undefined), 30_000);
    expect(demo.child.exitCode).toBe(0);
    const out = demo.output();
    expect(out).toContain('>>> EVENT (recorded)');
    expect(out).toContain('>>> HEAL (recorded)');
    expect(out).toMatch(/n3: DC n3 WITHOUT QUORUM/);
    expect(out).toContain('the recording has played to its end.');
  });
});
