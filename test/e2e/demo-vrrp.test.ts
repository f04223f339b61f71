// `hawatch demo` on the recorded keepalived split brain: each agent's real vrrp probe reads its node's
// keepalived.conf, notify FIFO and JSON dumps as the demo writes them from the recording.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startCli, stopAll, waitFor } from '../helpers/processes.js';

afterAll(stopAll);

interface RouterBody {
  Instances: { Node: { '@odata.id': string }; InstanceName: string; State: string; LastEvent: string | null; Priority: number | null }[];
}
interface AlertBody {
  '@odata.id': string;
  Rule: string;
  AlertStatus: string;
  Summary: string;
  FiringAt: string | null;
  EndsAt: string | null;
  Evidence: { Node: string; Probe: string; Says: string }[];
}

const CLUSTER = '/api/v1/Clusters/vrrplab';

describe('hawatch demo --scenario vrrp-split-brain-port', () => {
  it('shows the recorded VRRP states per node, the split brain alert, and its resolution', async () => {
    const [port, snmpPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    const demo = startCli(['demo', '--scenario', 'vrrp-split-brain-port', '--speed', '4', '--once', '--http-listen', `127.0.0.1:${port}`, '--snmp-listen', `127.0.0.1:${snmpPort}`]);
    const json = async <T>(path: string): Promise<T | undefined> => {
      const r = await fetch(`${url}${path}`);
      return r.ok ? ((await r.json()) as T) : undefined;
    };
    /** "node-a VI_1 MASTER" per node, from the virtual router the vrrp reports make up (VRID 51 in keepalived.conf). */
    const states = async (): Promise<string | undefined> => {
      const b = await json<RouterBody>(`${CLUSTER}/VirtualRouters/51`);
      return b?.Instances.map((i) => `${i.Node['@odata.id'].split('/').pop()} ${i.InstanceName} ${i.State}`).join(', ');
    };
    const seen = (want: string) => async () => ((await states()) === want ? Date.now() : undefined);
    const timings: Record<string, number> = {};

    // Before the event: node-a MASTER (priority 150), node-b BACKUP, as keepalived wrote them to the notify FIFO.
    timings['before'] = (await waitFor('node-a MASTER, node-b BACKUP', seen('node-a VI_1 MASTER, node-b VI_1 BACKUP'), 20_000, 50)) - t0;
    const router = await json<RouterBody>(`${CLUSTER}/VirtualRouters/51`);
    expect(router?.Instances.map((i) => i.Priority)).toEqual([150, 100]);
    for (const node of ['node-a', 'node-b']) {
      const n = await json<{ Probes: { Name: string; Status: string }[] }>(`${CLUSTER}/Nodes/${node}`);
      expect(n?.Probes.find((p) => p.Name === 'vrrp')).toMatchObject({ Status: 'ok' });
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const node of ['node-a', 'node-b']) expect(metrics).toContain(`hawatch_probe_success{cluster="vrrplab",node="${node}",probe="vrrp"} 1`);

    // The split: node-b hears no adverts and becomes MASTER too (+3090 ms recorded).
    timings['split'] = (await waitFor('both nodes MASTER', seen('node-a VI_1 MASTER, node-b VI_1 MASTER'), 20_000, 50)) - t0;
    // The heal: node-b back to BACKUP (+12096 ms); node-a's last word is MASTER_RX_LOWER_PRI.
    timings['healed'] = (await waitFor('node-b BACKUP again', seen('node-a VI_1 MASTER, node-b VI_1 BACKUP'), 20_000, 50)) - t0;
    await waitFor('node-a MASTER_RX_LOWER_PRI', async () => ((await json<RouterBody>(`${CLUSTER}/VirtualRouters/51`))?.Instances[0]?.LastEvent === 'MASTER_RX_LOWER_PRI' ? true : undefined), 10_000, 50);

    // VrrpSplitBrain (collector/alerts/rules/vrrp.ts) fired for both nodes and resolved once node-b stepped down.
    const alert = await waitFor(
      'a resolved VrrpSplitBrain alert',
      async () => (await json<{ Members: AlertBody[] }>('/api/v1/Alerts'))?.Members.find((a) => a.Rule === 'VrrpSplitBrain' && a.AlertStatus === 'resolved'),
      10_000,
      50,
    );
    timings['resolved'] = Date.now() - t0;
    expect(alert.Summary).toMatch(/node-a.*node-b/);
    expect(alert.Evidence.map((e) => [e.Node, e.Probe])).toEqual([
      ['node-a', 'vrrp'],
      ['node-b', 'vrrp'],
    ]);
    expect(Date.parse(alert.EndsAt ?? '')).toBeGreaterThan(Date.parse(alert.FiringAt ?? ''));
    const history = await json<{ History: { From: string | null; To: string }[] }>(alert['@odata.id']);
    expect(history?.History.map((h) => h.To)).toEqual(['pending', 'firing', 'resolved']);

    await waitFor('demo exit', () => (demo.child.exitCode !== null ? demo.child.exitCode : undefined), 30_000);
    timings['exit'] = Date.now() - t0;
    expect(demo.child.exitCode).toBe(0);
    const out = demo.output();
    // The narration's order: the alert fires after the recorded event and resolves after the recorded heal.
    const at = (s: string) => out.indexOf(s);
    expect(at('>>> EVENT (recorded)')).toBeGreaterThan(-1);
    expect(at('!!! ALERT FIRING [critical] VrrpSplitBrain')).toBeGreaterThan(at('>>> EVENT (recorded)'));
    expect(at('--- alert resolved [critical] VrrpSplitBrain')).toBeGreaterThan(at('>>> HEAL (recorded)'));
    expect(at('>>> HEAL (recorded)')).toBeGreaterThan(-1);
    expect(out).toContain('the recording has played to its end.');
    console.info(`demo-vrrp wall ms since start: ${JSON.stringify(timings)}`);
  });
});
