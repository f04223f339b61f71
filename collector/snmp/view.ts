// One snapshot's rows as a sorted array of varbinds: GET is a binary search, GETNEXT the next element.
// npm net-snmp's own MIB tree sorts a node's children on every GETNEXT step, so a walk costs O(rows²)
// (npm-stack.md pitfall 12: 27 s for 10k rows); serving from this array keeps each step O(log n).
import snmp from 'net-snmp';
import { SNMP_ERRORS, SnmpError } from './errors.js';
import { compareOids, oidString, type HawatchMib, type MibObject, type Oid } from './mib.js';
import { SCALAR_NAMES, TABLE_COLUMNS, type CellValue, type SnmpRows } from './rows.js';
import { encodeValue, type WireValue } from './values.js';

export interface Varbind {
  oid: string;
  type: snmp.ObjectType;
  value: WireValue | null;
}

/** The system group as this agent answers it (SNMPv2-MIB). */
export interface SystemValues {
  sysDescr: string;
  sysContact: string;
  sysName: string;
  sysLocation: string;
  /** hundredths of a second since the agent started, as of the snapshot */
  sysUpTime: number;
}

export type GetResult = { found: Varbind } | { missing: 'noSuchObject' | 'noSuchInstance' };

export interface SnmpView {
  /** ms since the epoch of the model snapshot behind every value */
  takenAtMs: number;
  size: number;
  get(oid: Oid): GetResult;
  /** The first varbind after `oid`, or null at the end of the MIB view. */
  next(oid: Oid): { oid: Oid; vb: Varbind } | null;
  /** A cell that could not be encoded is left out and named here (logged once per view by the agent). */
  problems: readonly string[];
}

/** Every column the rows fill is a readable MIB column, and every readable MIB column is filled: both ways. */
export const checkMibCoversRows = (mib: HawatchMib): string[] => {
  const problems: string[] = [];
  for (const [entry, cols] of Object.entries(TABLE_COLUMNS)) {
    const t = mib.tables.get(entry);
    if (!t) {
      problems.push(`table ${entry} is not in the MIB`);
      continue;
    }
    const readable = [...t.columns.values()].filter((c) => c.access === 'read-only').map((c) => c.name);
    for (const c of cols) if (!readable.includes(c)) problems.push(`${entry}: column ${c} is not a read-only column of the MIB`);
    for (const c of readable) if (!(cols as readonly string[]).includes(c)) problems.push(`${entry}: MIB column ${c} is not served`);
    for (const i of t.index) {
      const o = mib.objects.get(i);
      if (!o || o.type !== snmp.ObjectType.Gauge) problems.push(`${entry}: index ${i} must be an Unsigned32 column (only integer indexes are encoded)`);
    }
  }
  const scalars = mib.scalars.map((s) => s.name);
  for (const s of SCALAR_NAMES) if (!scalars.includes(s)) problems.push(`scalar ${s} is not a readable scalar of the MIB`);
  for (const s of scalars) if (!(SCALAR_NAMES as readonly string[]).includes(s)) problems.push(`MIB scalar ${s} is not served`);
  return problems;
};

const instance = (oid: Oid, suffix: readonly number[]): number[] => [...oid, ...suffix];

export const buildView = (mib: HawatchMib, rows: SnmpRows, system: SystemValues, takenAtMs: number): SnmpView => {
  const oids: Oid[] = [];
  const vbs: Varbind[] = [];
  const objects = new Set<string>();
  const problems: string[] = [];

  const push = (o: MibObject, suffix: readonly number[], v: CellValue | null): void => {
    if (v === null) return; // unknown: no instance
    try {
      const e = encodeValue(o, v);
      const oid = instance(o.oid, suffix);
      oids.push(oid);
      vbs.push({ oid: oidString(oid), type: e.type, value: e.value });
    } catch (err) {
      problems.push((err as Error).message);
    }
  };

  const sys = (name: string): MibObject => {
    const o = mib.system.get(name);
    if (!o) throw new SnmpError(SNMP_ERRORS.mib, `system group lacks ${name}`);
    return o;
  };
  const sysObjectId = mib.identities.get('hawatchCollectorAgent');
  const systemCells: [string, CellValue | null][] = [
    ['sysDescr', system.sysDescr],
    ['sysObjectID', sysObjectId ? oidString(sysObjectId) : null],
    ['sysUpTime', system.sysUpTime],
    ['sysContact', system.sysContact],
    ['sysName', system.sysName],
    ['sysLocation', system.sysLocation],
    // 72 = application (64) + end-to-end (8), as RFC 3418 suggests for a host running an application
    ['sysServices', 72],
  ];
  for (const [name, v] of systemCells.sort(([a], [b]) => compareOids(sys(a).oid, sys(b).oid))) {
    objects.add(oidString(sys(name).oid));
    push(sys(name), [0], v);
  }

  for (const o of mib.scalars) {
    objects.add(oidString(o.oid));
    push(o, [0], (rows.scalars as unknown as Record<string, CellValue>)[o.name] ?? null);
  }

  const tables = [...mib.tables.values()].sort((a, b) => compareOids(a.oid, b.oid));
  for (const t of tables) {
    const list = (TABLE_COLUMNS as Record<string, readonly string[]>)[t.entry];
    const tableRows = (rows.tables as unknown as Record<string, ({ index: number[] } & Record<string, CellValue | null>)[]>)[t.entry];
    if (list === undefined || tableRows === undefined) continue;
    const sorted = [...tableRows].sort((a, b) => compareOids(a.index, b.index));
    const columns = [...t.columns.values()].filter((c) => list.includes(c.name)).sort((a, b) => a.column - b.column);
    for (const c of columns) {
      objects.add(oidString(c.oid));
      for (const r of sorted) push(c, r.index, r[c.name] ?? null);
    }
  }

  // Emitted in OID order by construction; sort only if a future table breaks that.
  let ordered = true;
  for (let i = 1; i < oids.length && ordered; i++) ordered = compareOids(oids[i - 1] as Oid, oids[i] as Oid) < 0;
  if (!ordered) {
    const order = oids.map((_, i) => i).sort((a, b) => compareOids(oids[a] as Oid, oids[b] as Oid));
    const o2 = order.map((i) => oids[i] as Oid);
    const v2 = order.map((i) => vbs[i] as Varbind);
    o2.forEach((o, k) => (oids[k] = o));
    v2.forEach((v, k) => (vbs[k] = v));
  }

  /** Index of the first element > oid (or >= when inclusive). */
  const search = (oid: Oid, inclusive: boolean): number => {
    let lo = 0;
    let hi = oids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareOids(oids[mid] as Oid, oid);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    takenAtMs,
    size: oids.length,
    problems,
    get: (oid) => {
      const i = search(oid, true);
      const at = oids[i];
      if (at !== undefined && compareOids(at, oid) === 0) return { found: vbs[i] as Varbind };
      for (let k = oid.length - 1; k > 0; k--) if (objects.has(oid.slice(0, k).join('.'))) return { missing: 'noSuchInstance' };
      return { missing: 'noSuchObject' };
    },
    next: (oid) => {
      const i = search(oid, false);
      const at = oids[i];
      return at === undefined ? null : { oid: at, vb: vbs[i] as Varbind };
    },
  };
};

