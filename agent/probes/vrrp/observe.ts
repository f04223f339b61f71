// Pure mapping of a vrrp report to Prometheus-style samples and per-object states. Enums are one-hot gauges
// with a `state` label (never a state string as a value); output is sorted so that the same report always gives
// the same arrays. Labels avoid Prometheus' own `instance`/`job`: the VRRP instance is `vrrp_instance`.
import type { ObjectState, Sample } from '../../protocol/index.js';
import { VRRP_STATES, type VrrpInstance, type VrrpReport, type VrrpStateName } from '../../protocol/vrrp.js';
import { bool01 as b, oneHot, sampleSet, sortStates, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_vrrp_';

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const VRRP_METRICS: readonly MetricDef[] = [
  { name: `${P}keepalived_running`, labels: [], help: 'a keepalived process runs on this node (absent when not checked)' },
  { name: `${P}instance_info`, labels: ['vrrp_instance', 'vrid', 'interface'], help: 'always 1: the instance with its VRID and (base) interface' },
  { name: `${P}instance_state`, labels: ['vrrp_instance', 'state'], help: 'one-hot instance state: INIT, BACKUP, MASTER, FAULT, STOP, DELETED, UNKNOWN' },
  { name: `${P}instance_priority`, labels: ['vrrp_instance'], help: 'configured (base) priority' },
  { name: `${P}instance_effective_priority`, labels: ['vrrp_instance'], help: 'priority after tracking weights (newest of notify FIFO and dump)' },
  { name: `${P}instance_interface_up`, labels: ['vrrp_instance'], help: "the instance's (base) interface is UP with carrier (LOWER_UP)" },
  { name: `${P}instance_last_transition_timestamp_seconds`, labels: ['vrrp_instance'], help: "keepalived's last state transition (from a dump that is still current)" },
  { name: `${P}instance_vips`, labels: ['vrrp_instance'], help: 'virtual addresses configured (incl. virtual_ipaddress_excluded)' },
  { name: `${P}instance_vips_present`, labels: ['vrrp_instance'], help: "of those, how many sit on this node's interfaces" },
  { name: `${P}vip_present`, labels: ['vrrp_instance', 'vip'], help: "the virtual address sits on one of this node's interfaces (ip -j addr show)" },
  { name: `${P}adverts_received_total`, labels: ['vrrp_instance'], help: 'adverts received (dump counter)' },
  { name: `${P}adverts_sent_total`, labels: ['vrrp_instance'], help: 'adverts sent (dump counter)' },
  { name: `${P}became_master_total`, labels: ['vrrp_instance'], help: 'transitions to MASTER (dump counter)' },
  { name: `${P}released_master_total`, labels: ['vrrp_instance'], help: 'transitions out of MASTER (dump counter)' },
  { name: `${P}priority_zero_received_total`, labels: ['vrrp_instance'], help: 'priority-0 adverts received: a master resigned (dump counter)' },
  { name: `${P}priority_zero_sent_total`, labels: ['vrrp_instance'], help: 'priority-0 adverts sent (dump counter)' },
  { name: `${P}packet_errors_total`, labels: ['vrrp_instance'], help: 'bad adverts: length, TTL, type, interval, address list (dump counters, summed)' },
  { name: `${P}auth_errors_total`, labels: ['vrrp_instance'], help: 'authentication errors: invalid type, type mismatch, failure (dump counters, summed)' },
  { name: `${P}group_state`, labels: ['vrrp_group', 'state'], help: 'one-hot sync group state' },
  { name: `${P}fifo_open`, labels: [], help: 'the notify-FIFO reader has the FIFO open (absent when not watching)' },
  { name: `${P}fifo_lines_total`, labels: [], help: 'notify-FIFO lines read since the agent started' },
  { name: `${P}fifo_bad_lines_total`, labels: [], help: 'notify-FIFO lines that were not keepalived notify lines' },
  { name: `${P}json_dump_timestamp_seconds`, labels: [], help: 'mtime of the JSON dump that was read' },
  { name: `${P}source_problems`, labels: [], help: 'sources present but unusable this run (see the report problems)' },
];

/** Availability of an instance or sync group state. */
export const stateAvailability = (s: VrrpStateName): Availability => {
  switch (s) {
    case 'MASTER':
    case 'BACKUP':
      return 'up';
    case 'INIT':
      return 'degraded';
    case 'FAULT':
    case 'STOP':
      return 'down';
    // Removed by a reload: an administrative change, not an outage.
    case 'DELETED':
      return 'maintenance';
    case 'UNKNOWN':
      return 'unknown';
  }
};

/**
 * A VIP as this node sees it: `present`/`absent` (ground truth) against the claim of the instances that carry it.
 * Availability says whether this node is consistent, not whether the VIP is served somewhere (that needs all
 * nodes: the collector's job).
 */
export const vipState = (present: boolean | null, owners: readonly VrrpInstance[]): { state: string; availability: Availability } => {
  if (present === null) return { state: 'unknown', availability: 'unknown' };
  const master = owners.some((o) => o.state === 'MASTER');
  const unknown = owners.every((o) => o.state === 'UNKNOWN');
  if (present) {
    if (master || unknown) return { state: 'present', availability: 'up' };
    // On this node without keepalived's claim: left behind by a crash, or a duplicate in the making.
    return { state: 'present', availability: 'degraded' };
  }
  if (master) return { state: 'absent', availability: 'down' };
  return { state: 'absent', availability: unknown ? 'unknown' : 'up' };
};

/** Samples for one report, sorted by metric then labels; no duplicates. */
export const vrrpSamples = (r: VrrpReport): Sample[] => {
  const { add, samples } = sampleSet(P);
  if (r.keepalived.running !== null) add('keepalived_running', b(r.keepalived.running));
  if (r.fifo !== null) {
    add('fifo_open', b(r.fifo.open));
    add('fifo_lines_total', r.fifo.lines);
    add('fifo_bad_lines_total', r.fifo.badLines);
  }
  if (r.jsonDumpAt !== null) add('json_dump_timestamp_seconds', r.jsonDumpAt / 1000);
  add('source_problems', r.problems.length);
  for (const i of r.instances) {
    const l = { vrrp_instance: i.name };
    add('instance_info', 1, { ...l, vrid: i.vrid === null ? '' : String(i.vrid), interface: i.interface ?? '' });
    oneHot(add, 'instance_state', VRRP_STATES, i.state, l);
    if (i.priority !== null) add('instance_priority', i.priority, l);
    if (i.effectivePriority !== null) add('instance_effective_priority', i.effectivePriority, l);
    if (i.interfaceUp !== null) add('instance_interface_up', b(i.interfaceUp), l);
    if (i.lastTransition !== null) add('instance_last_transition_timestamp_seconds', i.lastTransition, l);
    add('instance_vips', i.vips.length, l);
    const known = i.vips.filter((v) => v.present !== null);
    if (known.length > 0 || i.vips.length === 0) add('instance_vips_present', known.filter((v) => v.present).length, l);
    for (const v of known) add('vip_present', b(v.present === true), { ...l, vip: v.address });
    const s = i.stats;
    if (s !== null) {
      add('adverts_received_total', s.advertRcvd, l);
      add('adverts_sent_total', s.advertSent, l);
      add('became_master_total', s.becomeMaster, l);
      add('released_master_total', s.releaseMaster, l);
      add('priority_zero_received_total', s.priZeroRcvd, l);
      add('priority_zero_sent_total', s.priZeroSent, l);
      add('packet_errors_total', s.packetLenErr + s.ipTtlErr + s.invalidTypeRcvd + s.advertIntervalErr + s.addrListErr, l);
      add('auth_errors_total', s.invalidAuthtype + s.authtypeMismatch + s.authFailure, l);
    }
  }
  for (const g of r.groups) oneHot(add, 'group_state', VRRP_STATES, g.state, { vrrp_group: g.name });
  return samples();
};

/**
 * Object states: `vrrp_keepalived` (when checked), `vrrp_instance` per instance, `vrrp_group` per sync group,
 * `vrrp_vip` per address (one object even if two instances list it). Sorted by kind, then id.
 */
export const vrrpStates = (r: VrrpReport): ObjectState[] => {
  const out: ObjectState[] = [];
  if (r.keepalived.running !== null) {
    out.push({ kind: 'vrrp_keepalived', id: 'keepalived', state: r.keepalived.running ? 'running' : 'stopped', availability: r.keepalived.running ? 'up' : 'down' });
  }
  for (const i of r.instances) out.push({ kind: 'vrrp_instance', id: i.name, state: i.state, availability: stateAvailability(i.state) });
  for (const g of r.groups) out.push({ kind: 'vrrp_group', id: g.name, state: g.state, availability: stateAvailability(g.state) });
  const vips = new Map<string, { present: boolean | null; owners: VrrpInstance[] }>();
  for (const i of r.instances) {
    for (const v of i.vips) {
      const e = vips.get(v.address);
      if (e === undefined) vips.set(v.address, { present: v.present, owners: [i] });
      else if (!e.owners.includes(i)) e.owners.push(i);
    }
  }
  for (const [address, e] of vips) out.push({ kind: 'vrrp_vip', id: address, ...vipState(e.present, e.owners) });
  return sortStates(out);
};
