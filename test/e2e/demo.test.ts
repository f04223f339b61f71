// `hawatch demo` as a newcomer runs it: real collector, three agents replaying a real Pacemaker partition.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startCli, stopAll, waitFor } from '../helpers/processes.js';

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
    const demo = startCli(['demo', '--scenario', 'pcmk3-partition-node3', '--speed', '4', '--once', '--http-listen', `127.0.0.1:${port}`]);
    // Reads need no token in the demo.
    const nodes = await waitFor('three nodes in REST', async () => {
      const r = await fetch(`${url}/api/v1/Clusters/hwlab/Nodes`);
      const b = (await r.json()) as { 'Members@odata.count': number };
      return b['Members@odata.count'] === 3 ? b : undefined;
    });
    expect(nodes).toMatchObject({ Members: [{ '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n1' }, {}, {}] });
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
