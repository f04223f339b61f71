// HAWATCH-MIB as the agent and the notifier see it: OIDs, BER types and enumerations read from the MIB file
// with net-snmp's ModuleStore, so no OID is repeated in code (design: "the MIB is the source of truth").
// net-snmp 3.29.2's parser loads a broken module silently; a wrong file shows up here as a missing object,
// and smilint (test/mibs) is what proves the file itself is sound.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import snmp from 'net-snmp';
import { SNMP_ERRORS, SnmpError } from './errors.js';

export const HAWATCH_MODULE = 'HAWATCH-MIB';
export const HAWATCH_MIB_FILE = 'HAWATCH-MIB.txt';

export type Oid = readonly number[];

export type MaxAccess = 'not-accessible' | 'accessible-for-notify' | 'read-only' | 'read-write' | 'read-create';

export interface MibObject {
  name: string;
  oid: Oid;
  /** The SYNTAX as the MIB writes it: a textual convention or base type, e.g. DateAndTime, HaNodeState, Gauge32. */
  syntax: string;
  /** The BER type the value travels as. */
  type: snmp.ObjectType;
  access: MaxAccess;
  /** Labels of an enumerated INTEGER (TruthValue included), label → number. */
  enumeration: ReadonlyMap<string, number> | null;
  /** The largest size allowed for an OCTET STRING, when the syntax limits it. */
  maxSize: number | null;
}

export interface MibColumn extends MibObject {
  column: number;
}

export interface MibTable {
  /** The conceptual row (…Entry) name: rows.ts keys its tables by it. */
  entry: string;
  /** The entry's OID: an instance is entry.column.index… */
  oid: Oid;
  /** INDEX objects, outermost first; they may be columns of another table (cluster index in the node table). */
  index: readonly string[];
  columns: ReadonlyMap<string, MibColumn>;
}

export interface MibNotification {
  name: string;
  oid: Oid;
  /** The OBJECTS clause in order: a notification carries them in this order. */
  objects: readonly string[];
}

export interface HawatchMib {
  /** The MODULE-IDENTITY's OID (the enterprise root). */
  root: Oid;
  /** Every OBJECT-TYPE of HAWATCH-MIB that has a value (scalars, columns, notification objects), by name. */
  objects: ReadonlyMap<string, MibObject>;
  /** Readable scalars of HAWATCH-MIB, in OID order. */
  scalars: readonly MibObject[];
  tables: ReadonlyMap<string, MibTable>;
  notifications: ReadonlyMap<string, MibNotification>;
  /** OBJECT-IDENTITY and OBJECT IDENTIFIER assignments, e.g. hawatchCollectorAgent (the sysObjectID). */
  identities: ReadonlyMap<string, Oid>;
  /** The scalars of SNMPv2-MIB's system group, by name. */
  system: ReadonlyMap<string, MibObject>;
}

/** One module entry as net-snmp's parser leaves it (only the fields read here). */
interface RawEntry {
  ObjectName?: string;
  MACRO?: string;
  SYNTAX?: unknown;
  'MAX-ACCESS'?: string;
  OID?: string;
  'OBJECT IDENTIFIER'?: string;
  INDEX?: string[];
  OBJECTS?: string[];
}

/** The part of net-snmp's ModuleStore used here; the package's typings declare it as any. */
interface ModuleStore {
  loadFromFile(path: string): void;
  getModule(name: string): Record<string, RawEntry> | undefined;
  getSyntaxTypes(): Record<string, unknown>;
}

const SYSTEM_GROUP = ['sysDescr', 'sysObjectID', 'sysUpTime', 'sysContact', 'sysName', 'sysLocation', 'sysServices'] as const;

const parseOid = (s: string, what: string): Oid => {
  const parts = s.split('.').map(Number);
  if (parts.length < 2 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 0xffffffff)) {
    throw new SnmpError(SNMP_ERRORS.mib, `${what}: bad OID "${s}"`);
  }
  return parts;
};

interface ResolvedSyntax {
  name: string;
  type: snmp.ObjectType;
  enumeration: Map<string, number> | null;
  maxSize: number | null;
}

/** Follow textual conventions down to a BER type, keeping the outermost enumeration and size limit. */
const resolveSyntax = (syntax: unknown, types: Record<string, unknown>, what: string, depth = 0): ResolvedSyntax => {
  if (depth > 8) throw new SnmpError(SNMP_ERRORS.mib, `${what}: SYNTAX nests too deep`);
  if (typeof syntax === 'string') {
    const t = types[syntax];
    if (typeof t === 'number') return { name: syntax, type: t, enumeration: null, maxSize: null };
    if (t !== null && typeof t === 'object') return { ...resolveSyntax(t, types, what, depth + 1), name: syntax };
    throw new SnmpError(SNMP_ERRORS.mib, `${what}: unknown SYNTAX ${syntax}`);
  }
  if (syntax !== null && typeof syntax === 'object') {
    const [key, inner] = Object.entries(syntax as Record<string, unknown>)[0] ?? [];
    if (key === undefined) throw new SnmpError(SNMP_ERRORS.mib, `${what}: empty SYNTAX`);
    const base = resolveSyntax(key, types, what, depth + 1);
    const refine = (inner ?? {}) as { sizes?: { max: number }[]; ranges?: unknown };
    let enumeration = base.enumeration;
    let maxSize = base.maxSize;
    if (Array.isArray(refine.sizes)) maxSize = Math.max(...refine.sizes.map((s) => s.max));
    else if (key === 'INTEGER' && refine.ranges === undefined) {
      enumeration = new Map(Object.entries(inner as Record<string, string>).map(([n, label]) => [label, Number(n)]));
    }
    return { name: key, type: base.type, enumeration, maxSize };
  }
  throw new SnmpError(SNMP_ERRORS.mib, `${what}: no SYNTAX`);
};

const syntaxName = (syntax: unknown): string =>
  typeof syntax === 'string' ? syntax : syntax !== null && typeof syntax === 'object' ? (Object.keys(syntax)[0] ?? '?') : '?';

const toObject = (e: RawEntry, types: Record<string, unknown>): MibObject => {
  const name = e.ObjectName ?? '?';
  const r = resolveSyntax(e.SYNTAX, types, name);
  return {
    name,
    oid: parseOid(e.OID ?? '', name),
    syntax: syntaxName(e.SYNTAX),
    type: r.type,
    access: (e['MAX-ACCESS'] ?? 'not-accessible') as MaxAccess,
    enumeration: r.enumeration,
    maxSize: r.maxSize,
  };
};

export const compareOids = (a: Oid, b: Oid): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
};

/** The repository's mibs/ folder, from the source tree (collector/snmp) or the build (dist/collector/snmp). */
export const bundledMibDir = (): string => {
  const here = import.meta.dirname;
  const candidates = [join(here, '..', '..', 'mibs'), join(here, '..', '..', '..', 'mibs')];
  return candidates.find((d) => existsSync(join(d, HAWATCH_MIB_FILE))) ?? (candidates[0] as string);
};

/** Load HAWATCH-MIB.txt from `mibDir` (the base SNMPv2 modules come with net-snmp itself). */
export const loadHawatchMib = (mibDir: string): HawatchMib => {
  const file = join(mibDir, HAWATCH_MIB_FILE);
  if (!existsSync(file)) throw new SnmpError(SNMP_ERRORS.mib, `${file}: not found`);
  const store = snmp.createModuleStore() as ModuleStore;
  try {
    store.loadFromFile(file);
  } catch (e) {
    throw new SnmpError(SNMP_ERRORS.mib, `${file}: cannot load: ${(e as Error).message}`, { cause: e });
  }
  const module = store.getModule(HAWATCH_MODULE);
  if (!module) throw new SnmpError(SNMP_ERRORS.mib, `${file}: defines no module ${HAWATCH_MODULE}`);
  // getSyntaxTypes() lets RFC1213-MIB's SMIv1 `DisplayString ::= OCTET STRING` win over SNMPv2-TC's sized TC
  // (net-snmp 3.29.2); the textual conventions of the modules we use take precedence here.
  const types: Record<string, unknown> = { ...store.getSyntaxTypes() };
  for (const m of ['SNMPv2-TC', HAWATCH_MODULE]) {
    for (const e of Object.values(store.getModule(m) ?? {})) {
      if (e?.MACRO === 'TEXTUAL-CONVENTION' && typeof e.ObjectName === 'string' && e.SYNTAX !== undefined) types[e.ObjectName] = e.SYNTAX;
    }
  }
  const entries = Object.values(module).filter((e): e is RawEntry & { ObjectName: string } => typeof e?.ObjectName === 'string');
  const parentOf = (e: RawEntry): string => (e['OBJECT IDENTIFIER'] ?? '').split(' ')[0] ?? '';

  let root: Oid | null = null;
  const objects = new Map<string, MibObject>();
  const identities = new Map<string, Oid>();
  const notifications = new Map<string, MibNotification>();
  const tableNames = new Set<string>();
  for (const e of entries) {
    if (e.MACRO === 'MODULE-IDENTITY') root = parseOid(e.OID ?? '', e.ObjectName);
    else if (e.MACRO === 'NOTIFICATION-TYPE') {
      notifications.set(e.ObjectName, { name: e.ObjectName, oid: parseOid(e.OID ?? '', e.ObjectName), objects: (e.OBJECTS ?? []).map((o) => o.trim()) });
    } else if (e.MACRO === 'OBJECT-TYPE') {
      if (typeof e.SYNTAX === 'string' && e.SYNTAX.startsWith('SEQUENCE OF')) tableNames.add(e.ObjectName);
      else if (e.INDEX === undefined) objects.set(e.ObjectName, toObject(e, types));
    } else if ((e.MACRO === 'OBJECT-IDENTITY' || e.MACRO === undefined) && typeof e.OID === 'string') {
      identities.set(e.ObjectName, parseOid(e.OID, e.ObjectName));
    }
  }
  if (root === null) throw new SnmpError(SNMP_ERRORS.mib, `${file}: no MODULE-IDENTITY`);

  const tables = new Map<string, MibTable>();
  for (const e of entries) {
    if (e.MACRO !== 'OBJECT-TYPE' || e.INDEX === undefined || !tableNames.has(parentOf(e))) continue;
    const columns = new Map<string, MibColumn>();
    for (const c of entries) {
      const o = objects.get(c.ObjectName);
      if (o && parentOf(c) === e.ObjectName) columns.set(o.name, { ...o, column: o.oid[o.oid.length - 1] as number });
    }
    tables.set(e.ObjectName, {
      entry: e.ObjectName,
      oid: parseOid(e.OID ?? '', e.ObjectName),
      index: e.INDEX.map((i) => i.trim().split(/\s+/).pop() ?? ''),
      columns,
    });
  }
  const columnNames = new Set([...tables.values()].flatMap((t) => [...t.columns.keys()]));
  const scalars = [...objects.values()]
    .filter((o) => !columnNames.has(o.name) && (o.access === 'read-only' || o.access === 'read-write'))
    .sort((a, b) => compareOids(a.oid, b.oid));

  const base = store.getModule('SNMPv2-MIB');
  const system = new Map<string, MibObject>();
  for (const name of SYSTEM_GROUP) {
    const e = base?.[name];
    if (!e) throw new SnmpError(SNMP_ERRORS.mib, `net-snmp's SNMPv2-MIB lacks ${name}`);
    system.set(name, toObject(e, types));
  }
  return { root, objects, scalars, tables, notifications, identities, system };
};

/** An object by name, or a typed error naming what the code expected of the MIB. */
export const mibObject = (mib: HawatchMib, name: string): MibObject => {
  const o = mib.objects.get(name);
  if (!o) throw new SnmpError(SNMP_ERRORS.mib, `${HAWATCH_MODULE} has no object ${name}`);
  return o;
};

export const oidString = (oid: Oid): string => oid.join('.');
