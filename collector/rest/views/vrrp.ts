// Pure: VRRP virtual routers across nodes, from each fresh node's vrrp report. keepalived's state is the claim;
// `ip addr` (VrrpVip.present) is the ground truth. Two MASTERs for one VRID, or one address on two nodes, is
// split brain, and only the collector can see it.
import type { ClusterView } from '../../model/model.js';
import type { VrrpInstance } from '../../../agent/protocol/vrrp.js';
import { Verdict, type Health } from '../odata.js';
import { vrrpReports } from './reports.js';

export interface RouterInstance {
  node: string;
  atMs: number;
  instance: VrrpInstance;
}

export interface VirtualRouterRow {
  id: string;
  vrid: number | null;
  family: 'inet' | 'inet6';
  names: string[];
  instances: RouterInstance[];
  masters: string[];
  vips: { address: string; family: 'inet' | 'inet6'; heldBy: string[] }[];
  health: Health;
  reasons: string[];
}

const familyOf = (i: VrrpInstance): 'inet' | 'inet6' => i.vips[0]?.family ?? 'inet';

/** VRID identifies a router on a segment; IPv4 and IPv6 routers may share a VRID, so the family is part of the key. */
export const routerKey = (i: VrrpInstance): string =>
  i.vrid === null ? `instance-${i.name}` : familyOf(i) === 'inet6' ? `${i.vrid}-inet6` : String(i.vrid);

export const virtualRouterRows = (c: ClusterView): VirtualRouterRow[] => {
  const groups = new Map<string, RouterInstance[]>();
  for (const { node, report, atMs } of vrrpReports(c)) {
    for (const instance of report.instances) {
      if (instance.state === 'DELETED') continue; // removed by a reload: no longer part of the router
      const key = routerKey(instance);
      groups.set(key, [...(groups.get(key) ?? []), { node: node.name, atMs, instance }]);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([id, instances]) => routerRow(id, instances));
};

const routerRow = (id: string, instances: RouterInstance[]): VirtualRouterRow => {
  const first = instances[0]?.instance;
  const masters = [...new Set(instances.filter((x) => x.instance.state === 'MASTER').map((x) => x.node))].sort();
  const vips = new Map<string, { address: string; family: 'inet' | 'inet6'; heldBy: Set<string> }>();
  for (const x of instances) {
    for (const v of x.instance.vips) {
      const entry = vips.get(v.address) ?? { address: v.address, family: v.family, heldBy: new Set<string>() };
      if (v.present === true) entry.heldBy.add(x.node);
      vips.set(v.address, entry);
    }
  }
  const v = new Verdict();
  if (masters.length > 1) v.add('Critical', `${masters.length} nodes claim MASTER: ${masters.join(', ')}`);
  for (const vip of vips.values()) {
    if (vip.heldBy.size > 1) v.add('Critical', `${vip.address} sits on ${vip.heldBy.size} nodes: ${[...vip.heldBy].sort().join(', ')}`);
  }
  const live = instances.filter((x) => !['STOP', 'UNKNOWN'].includes(x.instance.state));
  if (masters.length === 0 && live.length > 0) v.add('Critical', 'no node is MASTER');
  for (const x of instances) {
    if (x.instance.state === 'FAULT') v.add('Warning', `${x.node}: instance ${x.instance.name} is FAULT`);
    if (x.instance.state === 'UNKNOWN') v.add('Warning', `${x.node}: state of instance ${x.instance.name} is unknown`);
  }
  if (masters.length === 1) {
    for (const vip of vips.values()) if (vip.heldBy.size === 0) v.add('Warning', `${vip.address} sits on no node although ${masters[0]} is MASTER`);
  }
  return {
    id,
    vrid: first?.vrid ?? null,
    family: first ? familyOf(first) : 'inet',
    names: [...new Set(instances.map((x) => x.instance.name))].sort(),
    instances: [...instances].sort((a, b) => a.node.localeCompare(b.node)),
    masters,
    vips: [...vips.values()].map((x) => ({ address: x.address, family: x.family, heldBy: [...x.heldBy].sort() })),
    health: v.health,
    reasons: v.reasons,
  };
};
