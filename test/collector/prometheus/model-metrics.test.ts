// The model's families from real probe reports (the probes' golden outputs of recorded tool output), fed through the
// real ClusterModel: cluster-wide facts from fresh reporters only, per-node facts per node, one series per label set.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDrbdEvents2 } from '../../../agent/probes/drbd/parse.js';
import type { ProbeStatus, PushBatch } from '../../../agent/protocol/index.js';
import type { PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import type { Alert } from '../../../collector/alerts/types.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { Exposition } from '../../../collector/prometheus/exposition.js';
import { MODEL_FAMILIES } from '../../../collector/prometheus/families.js';
import { renderModel } from '../../../collector/prometheus/model-metrics.js';
import { ROOT } from './queries.js';

const NOW = 1_800_000_000_000;
const FIX = join(ROOT, 'test', 'fixtures', 'probes');
const report = <T = unknown>(probe: string, dir: string): T => (JSON.parse(readFileSync(join(FIX, probe, dir, 'expected.json'), 'utf8')) as { report: T }).report;

interface Obs {
  probe: string;
  report?: unknown;
  status?: ProbeStatus;
}

const newModel = () => new ClusterModel({ staleAfterIntervals: 3, now: () => NOW });
let instance = 0;
const push = (m: ClusterModel, cluster: string, node: string, obs: Obs[], seenMsAgo = 1000): void => {
  const seen = NOW - seenMsAgo;
  const b: PushBatch = {
    protocol: 1,
    cluster,
    node,
    agentInstance: `00000000-0000-4000-8000-${String(++instance).padStart(12, '0')}`,
    agentVersion: 'test',
    seq: 1,
    sealedAt: seen,
    intervalMs: 10_000,
    observations: obs.map((o) => ({ probe: o.probe, at: seen - 5, durationMs: 7, status: o.status ?? 'ok', ...(o.report === undefined ? {} : { report: o.report }), samples: [], states: [] })),
  };
  m.applyBatch(b, seen);
};

const render = (m: ClusterModel, alerts: Alert[] = []): { text: string; v: (series: string) => number | undefined; names: (prefix: string) => string[] } => {
  const x = new Exposition(false);
  renderModel(x, { snapshot: m.snapshot(), alerts, delivery: null });
  const text = x.text();
  const map = new Map<string, number>();
  for (const l of text.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    const i = l.lastIndexOf(' ');
    const key = l.slice(0, i);
    if (map.has(key)) throw new Error(`duplicate series ${key}`);
    map.set(key, Number(l.slice(i + 1)));
  }
  return { text, v: (s) => map.get(s), names: (p) => [...map.keys()].filter((k) => k.startsWith(p)) };
};

/** crm_mon of the healthy 3-node lab, as seen from one partition. */
const pcmkView = (dc: string, withQuorum: boolean, online: string[], activeOn: (id: string) => string[] | null = () => null): PacemakerRunning => {
  const r = structuredClone(report<PacemakerRunning>('pacemaker', 'live-01-healthy'));
  r.dc = { name: dc, id: dc.slice(-1), withQuorum };
  r.nodes = r.nodes.map((n) => ({ ...n, online: online.includes(n.name), isDc: n.name === dc }));
  r.resources = r.resources.map((x) => {
    const nodes = activeOn(x.id) ?? x.nodes.filter((n) => online.includes(n));
    return { ...x, nodes, active: nodes.length > 0, role: nodes.length > 0 ? x.role : 'Stopped' };
  });
  return r;
};

describe('cluster, partitions and nodes (Pacemaker and corosync)', () => {
  it('a node cut off: two partitions, one quorate; the node offline in the quorate view and without quorum in its own', () => {
    const m = newModel();
    const main = pcmkView('node1', true, ['node1', 'node2']);
    push(m, 'lab', 'node1', [{ probe: 'pacemaker', report: main }, { probe: 'corosync', report: report('corosync', 'shared-3node-all-up_view-node1') }]);
    push(m, 'lab', 'node2', [{ probe: 'pacemaker', report: main }]);
    push(m, 'lab', 'node3', [{ probe: 'pacemaker', report: pcmkView('node3', false, ['node3']) }, { probe: 'corosync', report: report('corosync', 'capture-knet-3node-node3-isolated_view-node3') }]);
    const { v } = render(m);
    expect(v('hawatch_cluster_partitions{cluster="lab"}')).toBe(2);
    expect(v('hawatch_cluster_quorate_partitions{cluster="lab"}')).toBe(1);
    expect(v('hawatch_cluster_dcs{cluster="lab"}')).toBe(2);
    expect(v('hawatch_cluster_quorate{cluster="lab"}')).toBe(1);
    // Votes of the largest (quorate) partition, not of node3's partition of one.
    expect([v('hawatch_cluster_votes_present{cluster="lab"}'), v('hawatch_cluster_votes_expected{cluster="lab"}'), v('hawatch_cluster_votes_quorum{cluster="lab"}')]).toEqual([3, 3, 2]);
    expect(['node1', 'node2', 'node3'].map((n) => v(`hawatch_node_quorate{cluster="lab",node="${n}"}`))).toEqual([1, 1, 0]);
    expect(v('hawatch_node_state{cluster="lab",node="node3",state="offline"}')).toBe(1);
    expect(v('hawatch_node_state{cluster="lab",node="node3",state="online"}')).toBe(0);
    expect(v('hawatch_node_state_code{cluster="lab",node="node3"}')).toBe(6);
    expect(v('hawatch_node_state_code{cluster="lab",node="node1"}')).toBe(1);
    expect(v('hawatch_node_is_dc{cluster="lab",node="node1"}')).toBe(1);
    expect(v('hawatch_node_is_dc{cluster="lab",node="node2"}')).toBe(0);
    // Roles from the quorate view: node3's own view (everything Stopped there) does not make app_data Stopped.
    expect(v('hawatch_pacemaker_resource_role{cluster="lab",resource="app_data",state="Started"}')).toBe(1);
    expect(v('hawatch_pacemaker_resource_role{cluster="lab",resource="stateful",state="Promoted"}')).toBe(1);
    expect(v('hawatch_pacemaker_resource_info{cluster="lab",resource="stateful",agent="ocf:pacemaker:Stateful",clone="stateful-clone",group=""}')).toBe(1);
    expect(v('hawatch_pacemaker_running{cluster="lab",node="node3"}')).toBe(1);
    expect(v('hawatch_corosync_running{cluster="lab",node="node3"}')).toBe(1);
  });

  it('split brain: two quorate partitions, and a primitive active on a node in each', () => {
    const m = newModel();
    push(m, 'lab', 'node1', [{ probe: 'pacemaker', report: pcmkView('node1', true, ['node1'], (id) => (id === 'app_data' ? ['node1'] : null)) }]);
    push(m, 'lab', 'node2', [{ probe: 'pacemaker', report: pcmkView('node2', true, ['node2'], (id) => (id === 'app_data' ? ['node2'] : null)) }]);
    const { v, names } = render(m);
    expect(v('hawatch_cluster_quorate_partitions{cluster="lab"}')).toBe(2);
    expect(v('hawatch_pacemaker_resource_active_nodes{cluster="lab",resource="app_data"}')).toBe(2);
    expect(names('hawatch_pacemaker_resource_active{cluster="lab",resource="app_data"')).toEqual([
      'hawatch_pacemaker_resource_active{cluster="lab",resource="app_data",node="node1"}',
      'hawatch_pacemaker_resource_active{cluster="lab",resource="app_data",node="node2"}',
    ]);
    // Each side sees the other offline: both are offline in a quorate view (as the collector's rules say).
    expect(v('hawatch_node_state_code{cluster="lab",node="node1"}')).toBe(6);
  });

  it('a silent agent: its data is unknown (it neither counts nor clears), its own series say it is silent', () => {
    const m = newModel();
    push(m, 'lab', 'node1', [{ probe: 'pacemaker', report: pcmkView('node1', true, ['node1', 'node2']) }]);
    push(m, 'lab', 'node3', [{ probe: 'pacemaker', report: pcmkView('node3', true, ['node3']) }], 60_000);
    const { v, names } = render(m);
    expect(v('hawatch_agent_up{cluster="lab",node="node3"}')).toBe(0);
    expect(v('hawatch_probe_success{cluster="lab",node="node3",probe="pacemaker"}')).toBe(1);
    expect(v('hawatch_cluster_partitions{cluster="lab"}')).toBe(1);
    expect(v('hawatch_cluster_quorate_partitions{cluster="lab"}')).toBe(1);
    expect(names('hawatch_node_quorate{cluster="lab",node="node3"')).toEqual([]);
    expect(names('hawatch_pacemaker_running{cluster="lab",node="node3"')).toEqual([]);
  });

  it('the stack down everywhere: 0 partitions and not quorate rather than no series (ha_cluster_exporter #177)', () => {
    const m = newModel();
    push(m, 'lab', 'node1', [{ probe: 'pacemaker', report: report('pacemaker', 'live-13-cluster-not-running') }, { probe: 'corosync', report: report('corosync', 'shared-corosync-not-running') }]);
    const { v } = render(m);
    expect(v('hawatch_cluster_partitions{cluster="lab"}')).toBe(0);
    expect(v('hawatch_cluster_quorate{cluster="lab"}')).toBe(0);
    expect(v('hawatch_node_quorate{cluster="lab",node="node1"}')).toBe(0);
    expect(v('hawatch_pacemaker_running{cluster="lab",node="node1"}')).toBe(0);
    expect(v('hawatch_corosync_running{cluster="lab",node="node1"}')).toBe(0);
    expect(v('hawatch_node_state{cluster="lab",node="node1",state="unknown"}')).toBe(1);
  });

  it('failed resources, fail counts, failed actions, unclean nodes and the latest fencing', () => {
    const m = newModel();
    push(m, 'q', 'node1', [{ probe: 'pacemaker', report: report('pacemaker', 'live-12-quorum-lost') }]);
    push(m, 'f', 'node1', [{ probe: 'pacemaker', report: report('pacemaker', 'sim-2node-12-stop-failed-blocked-no-stonith') }]);
    const { v } = render(m);
    expect(v('hawatch_cluster_quorate{cluster="q"}')).toBe(0);
    expect(v('hawatch_node_state{cluster="q",node="node2",state="unclean"}')).toBe(1);
    expect(v('hawatch_fencing_last_state{cluster="q",node="node3",state="failed"}')).toBe(1);
    expect(v('hawatch_fencing_last_completed_timestamp_seconds{cluster="q",node="node3"}')).toBe(Date.parse('2026-11-23T18:10:40Z') / 1000);
    expect(v('hawatch_fencing_events{cluster="q",state="failed"}')).toBe(2);
    expect(v('hawatch_pacemaker_resource_failed{cluster="f",resource="apache_web"}')).toBe(1);
    expect(v('hawatch_pacemaker_resource_blocked{cluster="f",resource="apache_web"}')).toBe(1);
    expect(v('hawatch_pacemaker_resource_managed{cluster="f",resource="apache_web"}')).toBe(0);
    expect(v('hawatch_pacemaker_resource_failcount{cluster="f",resource="apache_web",node="node1"}')).toBe(2);
    expect(v('hawatch_pacemaker_resource_failed_actions{cluster="f",resource="apache_web",node="node1"}')).toBe(1);
  });
});

describe('per-node views', () => {
  it('VRRP: instance states per node, MASTERs per VRID, and who holds each VIP (ground truth)', () => {
    const m = newModel();
    push(m, 'vr', 'node-a', [{ probe: 'vrrp', report: report('vrrp', 'lab-02-node-a-v6-priority-90-backup') }]);
    push(m, 'vr', 'node-b', [{ probe: 'vrrp', report: report('vrrp', 'lab-05-node-b-eth1-no-carrier-fault') }]);
    const { v } = render(m);
    expect(v('hawatch_vrrp_instance_state{cluster="vr",node="node-a",vrrp_instance="VI_WEB",vrid="71",state="MASTER"}')).toBe(1);
    expect(v('hawatch_vrrp_instance_state{cluster="vr",node="node-b",vrrp_instance="VI_WEB",vrid="71",state="FAULT"}')).toBe(1);
    expect(v('hawatch_vrrp_instance_state_code{cluster="vr",node="node-b",vrrp_instance="VI_WEB",vrid="71"}')).toBe(4);
    expect(v('hawatch_vrrp_masters{cluster="vr",vrid="71",vrrp_instance="VI_WEB"}')).toBe(1);
    expect(v('hawatch_vrrp_masters{cluster="vr",vrid="73",vrrp_instance="VI_V6"}')).toBe(0);
    expect(v('hawatch_vip_holders{cluster="vr",vrid="71",address="10.231.0.100"}')).toBe(1);
    expect(v('hawatch_vip_holders{cluster="vr",vrid="73",address="fd00:231::100"}')).toBe(0);
    expect(v('hawatch_vrrp_vip_present{cluster="vr",node="node-b",vrrp_instance="VI_WEB",vrid="71",address="10.231.0.100"}')).toBe(0);
  });

  it('VRRP split brain: two MASTERs and the VIP on both', () => {
    const m = newModel();
    const a = report('vrrp', 'lab-02-node-a-v6-priority-90-backup');
    push(m, 'vr', 'node-a', [{ probe: 'vrrp', report: a }]);
    push(m, 'vr', 'node-b', [{ probe: 'vrrp', report: a }]);
    const { v } = render(m);
    expect(v('hawatch_vrrp_masters{cluster="vr",vrid="71",vrrp_instance="VI_WEB"}')).toBe(2);
    expect(v('hawatch_vip_holders{cluster="vr",vrid="71",address="10.231.0.101"}')).toBe(2);
  });

  it('iSCSI: session states one-hot, and configured targets without a session', () => {
    const m = newModel();
    push(m, 'st', 's1', [{ probe: 'iscsi', report: report('iscsi', 'multipath-one-path-failed') }]);
    const { v, names } = render(m);
    expect(v('hawatch_iscsi_sessions{cluster="st",node="s1"}')).toBe(3);
    const failed = names('hawatch_iscsi_session_state{cluster="st",node="s1"').filter((s) => s.endsWith('state="FAILED"}') && v(s) === 1);
    expect(failed).toHaveLength(1);
    expect(names('hawatch_iscsi_node_session{cluster="st",node="s1"').length).toBeGreaterThan(0);
  });

  it('DRBD: resource role, disks, connection, replication, sync progress, out-of-sync bytes, split-brain helper', () => {
    // events2 lines in drbdsetup's format (as the parser's own tests use): a resync, then a split brain on r1.
    const parsed = parseDrbdEvents2(
      [
        'exists resource name:r0 role:Primary suspended:no',
        'exists device name:r0 volume:0 minor:0 disk:UpToDate client:no quorum:yes',
        'exists connection name:r0 peer-node-id:1 conn-name:bob connection:Connected role:Secondary',
        'exists peer-device name:r0 peer-node-id:1 conn-name:bob volume:0 replication:SyncSource peer-disk:Inconsistent peer-client:no done:37.50 out-of-sync:2500',
        'exists resource name:r1 role:Secondary suspended:no',
        'exists connection name:r1 peer-node-id:1 conn-name:bob connection:StandAlone role:Unknown',
        'exists -',
        'call helper name:r1 peer-node-id:1 conn-name:bob volume:0 helper:split-brain',
        '',
      ].join('\n'),
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    const m = newModel();
    push(m, 'st', 'alice', [{ probe: 'drbd', report: parsed.value }]);
    const { v } = render(m);
    const pd = 'cluster="st",node="alice",resource="r0",peer="bob",volume="0"';
    expect(v('hawatch_drbd_resource_role{cluster="st",node="alice",resource="r0",state="Primary"}')).toBe(1);
    expect(v('hawatch_drbd_device_disk_state{cluster="st",node="alice",resource="r0",volume="0",state="UpToDate"}')).toBe(1);
    expect(v('hawatch_drbd_device_client{cluster="st",node="alice",resource="r0",volume="0"}')).toBe(0);
    expect(v('hawatch_drbd_connection_state{cluster="st",node="alice",resource="r0",peer="bob",state="Connected"}')).toBe(1);
    expect(v(`hawatch_drbd_peer_device_replication_state{${pd},state="SyncSource"}`)).toBe(1);
    expect(v(`hawatch_drbd_peer_device_peer_disk_state{${pd},state="Inconsistent"}`)).toBe(1);
    expect(v(`hawatch_drbd_peer_device_sync_done_ratio{${pd}}`)).toBe(0.375);
    expect(v(`hawatch_drbd_peer_device_out_of_sync_bytes{${pd}}`)).toBe(parsed.value.resources[0]?.connections[0]?.peerDevices[0]?.outOfSyncBytes);
    expect(v('hawatch_drbd_connection_state{cluster="st",node="alice",resource="r1",peer="bob",state="StandAlone"}')).toBe(1);
    expect(v('hawatch_drbd_split_brain_helper_seen{cluster="st",node="alice",resource="r1"}')).toBe(1);
    expect(v('hawatch_drbd_split_brain_helper_seen{cluster="st",node="alice",resource="r0"}')).toBe(0);
  });

  it('fencing probe: SBD devices per node, stonith history into the latest outcome per target', () => {
    const m = newModel();
    const fencing = (JSON.parse(readFileSync(join(FIX, 'fencing', 'expected', 'probe-sbd-and-history.json'), 'utf8')) as { report: unknown }).report;
    push(m, 'fx', 'n1', [{ probe: 'fencing', report: fencing }]);
    const { v } = render(m);
    expect(v('hawatch_fencing_sbd_device_readable{cluster="fx",node="n1",device="/dev/loop0"}')).toBe(1);
    expect(v('hawatch_fencing_sbd_device_readable{cluster="fx",node="n1",device="/dev/loop1"}')).toBe(0);
    expect(v('hawatch_fencing_last_state{cluster="fx",node="ghost3",state="failed"}')).toBe(1);
    expect(v('hawatch_fencing_last_state{cluster="fx",node="ghost2",state="pending"}')).toBe(1);
    expect(v('hawatch_fencing_last_state{cluster="fx",node="ghost4",state="success"}')).toBe(1);
  });

  it('probes: absent, failed and timed-out are distinct series; durations in seconds', () => {
    const m = newModel();
    push(m, 'c', 'n1', [{ probe: 'drbd', status: 'absent' }, { probe: 'iscsi', status: 'timeout' }, { probe: 'vrrp', status: 'failed' }]);
    const { v } = render(m);
    expect(v('hawatch_probe_status{cluster="c",node="n1",probe="drbd",state="absent"}')).toBe(1);
    expect(v('hawatch_probe_status{cluster="c",node="n1",probe="drbd",state="ok"}')).toBe(0);
    expect(v('hawatch_probe_status{cluster="c",node="n1",probe="iscsi",state="timeout"}')).toBe(1);
    expect(v('hawatch_probe_status{cluster="c",node="n1",probe="vrrp",state="failed"}')).toBe(1);
    expect(v('hawatch_probe_success{cluster="c",node="n1",probe="drbd"}')).toBe(0);
    expect(v('hawatch_probe_duration_seconds{cluster="c",node="n1",probe="drbd"}')).toBe(0.007);
    expect(v('hawatch_probe_last_run_timestamp_seconds{cluster="c",node="n1",probe="drbd"}')).toBe((NOW - 1005) / 1000);
  });
});

describe('the exposition as a whole', () => {
  const everything = (): ClusterModel => {
    const m = newModel();
    const vrrp = structuredClone(report<{ instances: { vips: unknown[] }[] }>('vrrp', 'lab-02-node-a-v6-priority-90-backup'));
    // Odd tool output listing one VIP twice must still give one series.
    vrrp.instances[0]?.vips.push(vrrp.instances[0].vips[0]);
    push(m, 'lab', 'node1', [
      { probe: 'pacemaker', report: report('pacemaker', 'live-12-quorum-lost') },
      { probe: 'corosync', report: report('corosync', 'shared-3node-all-up_view-node1') },
      { probe: 'vrrp', report: vrrp },
      { probe: 'iscsi', report: report('iscsi', 'multipath-one-path-failed') },
      { probe: 'heartbeat', report: report('heartbeat', 'capture-03-node2-crashed_node1') },
      { probe: 'drbd', status: 'absent' },
    ]);
    return m;
  };
  const alert: Alert = {
    fingerprint: 'f', rule: 'PacemakerQuorumLost', cluster: 'lab', severity: 'critical', labels: { node: 'node1' }, summary: '', description: '', runbook: '',
    status: 'firing', startsAtMs: NOW - 60_000, firingAtMs: NOW - 60_000, endsAtMs: null, evidence: [], updatedAtMs: NOW,
  };

  it('every family has HELP and TYPE, in the declared order, each label set once, label names as declared', () => {
    const { text, v } = render(everything(), [alert]);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => x[1]);
    expect(types).toEqual(MODEL_FAMILIES.map((f) => f.name));
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      const m = /^([a-z_]+)(?:\{(.*)\})? \S+$/.exec(line);
      expect(m, line).not.toBeNull();
      const spec = MODEL_FAMILIES.find((f) => f.name === m?.[1]);
      expect(spec, line).toBeDefined();
      const names = [...(m?.[2] ?? '').matchAll(/([a-z_]+)="(?:[^"\\]|\\.)*"/g)].map((x) => x[1]);
      expect(names, line).toEqual(spec?.labels);
    }
    expect(v('hawatch_alerts{cluster="lab",rule="PacemakerQuorumLost",severity="critical",status="firing"}')).toBe(1);
    expect(v('hawatch_alert_started_timestamp_seconds{cluster="lab",rule="PacemakerQuorumLost",severity="critical",status="firing",subject="node=node1"}')).toBe((NOW - 60_000) / 1000);
    expect(v('hawatch_heartbeat_running{cluster="lab",node="node1"}')).toBe(1);
  });

  const promtool = existsSync('/usr/bin/promtool');
  it.skipIf(!promtool)(`promtool check metrics has nothing to say${promtool ? '' : ' (skipped: /usr/bin/promtool not installed)'}`, () => {
    const { text } = render(everything(), [alert]);
    const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
    expect(() => execFileSync('/usr/bin/promtool', ['--version'])).not.toThrow();
  });
});
