// Pure parsers for what the vrrp probe reads: keepalived's notify-FIFO lines, its JSON dump
// (/tmp/keepalived.json), its text dumps (/tmp/keepalived.data, /tmp/keepalived.stats), keepalived.conf, and
// `ip -j addr show`. No I/O, clock or environment: text in, typed result or typed ParseError out; never a throw.
import { isIPv4, isIPv6 } from 'node:net';
import { parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type { VrrpStateName, VrrpStats } from '../../protocol/vrrp.js';

/** Stable error codes of these parsers. */
export const VRRP_PARSE_ERRORS = {
  empty: 'vrrp.empty',
  fifoBadLine: 'vrrp.fifo_bad_line',
  invalidJson: 'vrrp.invalid_json',
  unknownFormat: 'vrrp.unknown_format',
  badValue: 'vrrp.bad_value',
  confSyntax: 'vrrp.conf_syntax',
} as const;

const E = VRRP_PARSE_ERRORS;

const isBlank = (text: string): boolean => text.trim() === '';
const snippet = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

// ---- addresses ------------------------------------------------------------------------------------------

/** Canonical form of an IPv6 address as inet_ntop prints it (RFC 5952: longest zero run of 2+ groups compressed). */
const canonicalIpv6 = (text: string): string | null => {
  if (!isIPv6(text)) return null;
  let s = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups first.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    s = `${s.slice(0, -v4[1]!.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const nums = groups.map((g) => parseInt(g, 16));
  // ::ffff:a.b.c.d is printed by inet_ntop with the IPv4 tail.
  if (nums.slice(0, 5).every((n) => n === 0) && nums[5] === 0xffff) {
    const a = nums[6]!;
    const b = nums[7]!;
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (nums[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && nums[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = nums.map((n) => n.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
};

/** `10.0.0.1` / `FD00::0:1` → canonical text and family; null when not an IP address. */
export const canonicalAddress = (text: string): { address: string; family: 'inet' | 'inet6' } | null => {
  if (isIPv4(text)) return { address: text, family: 'inet' };
  const v6 = canonicalIpv6(text);
  return v6 === null ? null : { address: v6, family: 'inet6' };
};

/** One virtual address as keepalived prints it in its dumps or as written in keepalived.conf. */
export interface VipSpec {
  address: string;
  family: 'inet' | 'inet6';
  prefixLength: number | null;
  device: string | null;
  label: string | null;
  /** keepalived's `set` flag (dumps only; null for keepalived.conf). */
  set: boolean | null;
}

/**
 * `10.98.0.100/24 dev eth0 scope global label eth0:vip1 set` (dumps, keepalived 2.2.7 format_ipaddress) or
 * `10.98.0.100/24 dev eth0 label eth0:vip1` (keepalived.conf). A dump's `dev vrrp.72@eth1` names the VMAC and
 * its base interface: the device is the part before `@`.
 */
export const parseVipSpec = (text: string, fromDump: boolean): VipSpec | null => {
  const words = text.trim().split(/\s+/);
  const first = words[0] ?? '';
  const slash = first.indexOf('/');
  const addrText = slash < 0 ? first : first.slice(0, slash);
  const a = canonicalAddress(addrText);
  if (a === null) return null;
  let prefixLength: number | null = null;
  if (slash >= 0) {
    const p = first.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > (a.family === 'inet' ? 32 : 128)) return null;
    prefixLength = Number(p);
  }
  let device: string | null = null;
  let label: string | null = null;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === 'dev' && next !== undefined) {
      device = next.split('@')[0] ?? next;
      i++;
    } else if (w === 'label' && next !== undefined) {
      label = next;
      i++;
    } else if ((w === 'brd' || w === 'scope' || w === 'peer' || w === 'track_group' || w === 'preferred_lft') && next !== undefined) {
      i++;
    }
  }
  return { ...a, prefixLength, device, label, set: fromDump ? words.slice(1).includes('set') : null };
};

// ---- notify FIFO ----------------------------------------------------------------------------------------

export type FifoEvent =
  | {
      type: 'instance' | 'group';
      name: string;
      /** The word keepalived wrote: a state, or an event such as MASTER_RX_LOWER_PRI. */
      word: string;
      /** The state it implies; null for a word this parser does not know (state then unchanged). */
      state: VrrpStateName | null;
      /** Effective priority (always 0 for groups). */
      priority: number;
    }
  /** `VS …` / `RS …` lines of the checker, present when the global `notify_fifo` is read: not VRRP. */
  | { type: 'checker'; text: string };

/**
 * keepalived 2.2.7 vrrp_notify.c notify_fifo(): `INSTANCE "<name>" <word> <priority>\n`, `GROUP "<name>" <word> 0\n`.
 * The event words keep the instance in a state: MASTER_RX_LOWER_PRI (a master that heard a lower-priority advert),
 * MASTER_PRIORITY / BACKUP_PRIORITY (effective priority changed, with `vrrp_notify_priority_changes`).
 */
const FIFO_WORDS: Readonly<Record<string, VrrpStateName>> = {
  MASTER: 'MASTER',
  BACKUP: 'BACKUP',
  FAULT: 'FAULT',
  STOP: 'STOP',
  DELETED: 'DELETED',
  MASTER_RX_LOWER_PRI: 'MASTER',
  MASTER_PRIORITY: 'MASTER',
  BACKUP_PRIORITY: 'BACKUP',
  '{UNKNOWN}': 'UNKNOWN',
};

const FIFO_LINE = /^(INSTANCE|GROUP) "(.+)" (\{?[A-Z][A-Z_]*\}?) (-?\d{1,6})$/;

/** One FIFO line, without its newline. */
export const parseNotifyFifoLine = (line: string): ParseResult<FifoEvent> => {
  const l = line.replace(/\r$/, '');
  if (/^(VS|RS) \S/.test(l)) return parsed({ type: 'checker', text: l });
  const m = FIFO_LINE.exec(l);
  if (!m) return parseFailed(E.fifoBadLine, `not a keepalived notify-FIFO line: ${snippet(l)}`);
  const word = m[3]!;
  return parsed({
    type: m[1] === 'GROUP' ? 'group' : 'instance',
    name: m[2]!,
    word,
    state: FIFO_WORDS[word] ?? null,
    priority: Number(m[4]),
  });
};

/** Every line of a FIFO capture; the first bad line fails the whole text (with its line number). */
export const parseNotifyFifo = (text: string): ParseResult<FifoEvent[]> => {
  if (isBlank(text)) return parseFailed(E.empty, 'no notify-FIFO lines');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: FifoEvent[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const r = parseNotifyFifoLine(line);
    if (!r.ok) return parseFailed(r.error.code, `line ${i + 1}: ${r.error.message}`);
    out.push(r.value);
  }
  return parsed(out);
};

// ---- keepalived's dumps ---------------------------------------------------------------------------------

/** keepalived's state numbers (vrrp.h: INIT 0, BACK 1, MAST 2, FAULT 3, DELETED 97, STOP 98). */
export const stateFromNumber = (n: number): VrrpStateName =>
  n === 0 ? 'INIT' : n === 1 ? 'BACKUP' : n === 2 ? 'MASTER' : n === 3 ? 'FAULT' : n === 97 ? 'DELETED' : n === 98 ? 'STOP' : 'UNKNOWN';

/** What the JSON and text dumps say about one instance (fields a format lacks are null). */
export interface DumpInstance {
  name: string;
  vrid: number | null;
  /** The interface keepalived sends on (with use_vmac in 2.2.7's JSON: the VMAC, not the base). */
  interface: string | null;
  /** The base interface under a VMAC (data dump: `Interface = vrrp.72, vmac on eth1`). */
  baseInterface: string | null;
  vmacInterface: string | null;
  state: VrrpStateName;
  wantState: VrrpStateName | null;
  basePriority: number | null;
  effectivePriority: number | null;
  masterPriority: number | null;
  masterRouter: string | null;
  lastTransition: number | null;
  version: number | null;
  syncGroup: string | null;
  vips: VipSpec[];
  excludedVips: VipSpec[];
  stats: VrrpStats | null;
}

export interface KeepalivedJsonDump {
  /** `array`: keepalived ≤ 2.2.7 and json_version 1; `object`: json_version 2 (`{"vrrp": [...]}`, 2.2.8+). */
  format: 'array' | 'object';
  instances: DumpInstance[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const STAT_KEYS: readonly (readonly [keyof VrrpStats, string])[] = [
  ['advertRcvd', 'advert_rcvd'],
  ['advertSent', 'advert_sent'],
  ['becomeMaster', 'become_master'],
  ['releaseMaster', 'release_master'],
  ['packetLenErr', 'packet_len_err'],
  ['advertIntervalErr', 'advert_interval_err'],
  ['ipTtlErr', 'ip_ttl_err'],
  ['invalidTypeRcvd', 'invalid_type_rcvd'],
  ['addrListErr', 'addr_list_err'],
  ['invalidAuthtype', 'invalid_authtype'],
  ['authtypeMismatch', 'authtype_mismatch'],
  ['authFailure', 'auth_failure'],
  ['priZeroRcvd', 'pri_zero_rcvd'],
  ['priZeroSent', 'pri_zero_sent'],
];

const emptyStats = (): VrrpStats => ({
  advertRcvd: 0,
  advertSent: 0,
  becomeMaster: 0,
  releaseMaster: 0,
  packetLenErr: 0,
  advertIntervalErr: 0,
  ipTtlErr: 0,
  invalidTypeRcvd: 0,
  addrListErr: 0,
  invalidAuthtype: 0,
  authtypeMismatch: 0,
  authFailure: 0,
  priZeroRcvd: 0,
  priZeroSent: 0,
});

class BadValue extends Error {}

const optInt = (o: Obj, key: string, where: string): number | null => {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadValue(`${where}: "${key}" is not an integer: ${snippet(JSON.stringify(v) ?? '')}`);
  return v;
};
const optNum = (o: Obj, key: string, where: string): number | null => {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadValue(`${where}: "${key}" is not a number`);
  return v;
};
const optStr = (o: Obj, key: string, where: string): string | null => {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'string') throw new BadValue(`${where}: "${key}" is not a string`);
  return v;
};
const vipList = (o: Obj, key: string, where: string): VipSpec[] => {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new BadValue(`${where}: "${key}" is not an array`);
  return v.map((x, i) => {
    const spec = typeof x === 'string' ? parseVipSpec(x, true) : null;
    if (spec === null) throw new BadValue(`${where}: ${key}[${i}] is not an address: ${snippet(JSON.stringify(x) ?? '')}`);
    return spec;
  });
};

const jsonInstance = (el: unknown, i: number): DumpInstance => {
  const where = `instance ${i}`;
  if (!isObj(el) || !isObj(el['data'])) throw new BadValue(`${where}: no "data" object`);
  const d = el['data'];
  const name = optStr(d, 'iname', where);
  if (name === null || name === '') throw new BadValue(`${where}: no "iname"`);
  const w = `instance ${JSON.stringify(name)}`;
  const stateNum = optInt(d, 'state', w);
  const want = optInt(d, 'wantstate', w);
  const vmac = optStr(d, 'vmac_ifname', w);
  let stats: VrrpStats | null = null;
  const s = el['stats'];
  if (isObj(s)) {
    stats = emptyStats();
    for (const [k, key] of STAT_KEYS) stats[k] = optInt(s, key, `${w} stats`) ?? 0;
  }
  // Deliberately not read: auth_data (keepalived 2.2.7 writes the VRRP password in clear; masked from 2.4.0).
  return {
    name,
    vrid: optInt(d, 'vrid', w),
    interface: optStr(d, 'ifp_ifname', w),
    baseInterface: null,
    vmacInterface: vmac === '' ? null : vmac,
    state: stateNum === null ? 'UNKNOWN' : stateFromNumber(stateNum),
    wantState: want === null ? null : stateFromNumber(want),
    basePriority: optInt(d, 'base_priority', w),
    effectivePriority: optInt(d, 'effective_priority', w),
    masterPriority: optInt(d, 'master_priority', w),
    masterRouter: null,
    lastTransition: optNum(d, 'last_transition', w),
    version: optInt(d, 'version', w),
    syncGroup: null,
    vips: vipList(d, 'vips', w),
    excludedVips: vipList(d, 'evips', w),
    stats,
  };
};

/** /tmp/keepalived.json as written on keepalived's JSON signal (`keepalived --signum=JSON`, 36 on Debian 12). */
export const parseKeepalivedJson = (text: string): ParseResult<KeepalivedJsonDump> => {
  if (isBlank(text)) return parseFailed(E.empty, 'empty JSON dump');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // keepalived ≤ 2.2.x writes the file in place, so a reader racing the writer sees it cut short.
    return parseFailed(E.invalidJson, `JSON dump is not valid JSON (truncated?): ${(e as Error).message}`, e);
  }
  let list: unknown;
  let format: KeepalivedJsonDump['format'];
  if (Array.isArray(doc)) {
    list = doc;
    format = 'array';
  } else if (isObj(doc) && Array.isArray(doc['vrrp'])) {
    list = doc['vrrp'];
    format = 'object';
  } else return parseFailed(E.unknownFormat, 'not a keepalived JSON dump: expected an array of instances or {"vrrp": [...]}');
  try {
    return parsed({ format, instances: (list as unknown[]).map(jsonInstance) });
  } catch (e) {
    if (e instanceof BadValue) return parseFailed(E.unknownFormat, `not a keepalived JSON dump: ${e.message}`);
    throw e;
  }
};

export interface DumpGroup {
  name: string;
  state: VrrpStateName;
  members: string[];
}

export type KeepalivedTextDump =
  /** /tmp/keepalived.data (SIGUSR1, `--signum=DATA`): configuration and state. */
  | { kind: 'data'; instances: DumpInstance[]; groups: DumpGroup[] }
  /** /tmp/keepalived.stats (SIGUSR2, `--signum=STATS`): counters only. */
  | { kind: 'stats'; instances: { name: string; stats: VrrpStats }[] };

const TEXT_STATES: Readonly<Record<string, VrrpStateName>> = { INIT: 'INIT', BACKUP: 'BACKUP', MASTER: 'MASTER', FAULT: 'FAULT' };
// keepalived 2.2.7 get_state_str() prints "unknown" for anything else (STOP, DELETED).
const textState = (s: string): VrrpStateName => TEXT_STATES[s.trim()] ?? 'UNKNOWN';

const intOf = (s: string, what: string): number => {
  if (!/^-?\d+$/.test(s.trim())) throw new BadValue(`${what} is not an integer: ${snippet(s)}`);
  return Number(s.trim());
};

const sections = (text: string): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of text.split('\n')) {
    const h = /^------< (.+) >------$/.exec(line);
    if (h) {
      cur = [];
      out.set(h[1]!, cur);
    } else if (cur !== null) cur.push(line);
  }
  return out;
};

const dataInstances = (lines: readonly string[]): DumpInstance[] => {
  const out: DumpInstance[] = [];
  let cur: DumpInstance | null = null;
  let vipsInto: VipSpec[] | null = null;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    const start = /^ VRRP Instance = (.+)$/.exec(line);
    if (start) {
      cur = {
        name: start[1]!,
        vrid: null,
        interface: null,
        baseInterface: null,
        vmacInterface: null,
        state: 'UNKNOWN',
        wantState: null,
        basePriority: null,
        effectivePriority: null,
        masterPriority: null,
        masterRouter: null,
        lastTransition: null,
        version: null,
        syncGroup: null,
        vips: [],
        excludedVips: [],
        stats: null,
      };
      out.push(cur);
      vipsInto = null;
      continue;
    }
    if (cur === null) continue;
    if (vipsInto !== null && /^ {5}\S/.test(line)) {
      const spec = parseVipSpec(line, true);
      if (spec === null) throw new BadValue(`instance ${JSON.stringify(cur.name)}: not an address: ${snippet(line.trim())}`);
      vipsInto.push(spec);
      continue;
    }
    vipsInto = null;
    const vipHead = /^ {3}Virtual IP( Excluded)? ?(?:\(\d+\))? ?:$/.exec(line);
    if (vipHead) {
      vipsInto = vipHead[1] ? cur.excludedVips : cur.vips;
      continue;
    }
    const vmac = /^ {3}Use VMAC, i\/f name (\S+?),/.exec(line);
    if (vmac) {
      cur.vmacInterface = vmac[1]!;
      continue;
    }
    const kv = /^ {3}([A-Za-z][A-Za-z _]*?) = (.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1]!;
    const value = kv[2]!;
    const what = `instance ${JSON.stringify(cur.name)}: ${key}`;
    switch (key) {
      case 'State':
        cur.state = textState(value);
        break;
      case 'Wantstate':
        cur.wantState = textState(value);
        break;
      case 'Master router':
        cur.masterRouter = value.trim();
        break;
      case 'Master priority':
        cur.masterPriority = intOf(value, what);
        break;
      case 'Virtual Router ID':
        cur.vrid = intOf(value, what);
        break;
      case 'Priority':
        cur.basePriority = intOf(value, what);
        break;
      case 'Effective priority':
        cur.effectivePriority = intOf(value, what);
        break;
      case 'VRRP Version':
        cur.version = intOf(value, what);
        break;
      case 'Sync group':
        cur.syncGroup = value.trim();
        break;
      case 'Last transition': {
        const t = /^(\d+(?:\.\d+)?)/.exec(value);
        cur.lastTransition = t ? Number(t[1]) : null;
        break;
      }
      case 'Interface': {
        // `eth0`, `not configured`, or `vrrp.72, vmac on eth1` (also `ipvlan on`).
        const m = /^(\S+?), (?:vmac|ipvlan) on (\S+?)(?:,.*)?$/.exec(value.trim());
        if (m) {
          cur.interface = m[1]!;
          cur.baseInterface = m[2] === '(unknown)' ? null : m[2]!;
        } else cur.interface = value.trim() === 'not configured' ? null : value.trim();
        break;
      }
      default:
        break;
    }
  }
  return out;
};

const dataGroups = (lines: readonly string[]): DumpGroup[] => {
  const out: DumpGroup[] = [];
  let cur: DumpGroup | null = null;
  let inMembers = false;
  for (const line of lines) {
    const g = /^ VRRP Sync Group = (.+), (\S+)$/.exec(line);
    if (g) {
      cur = { name: g[1]!, state: textState(g[2]!), members: [] };
      out.push(cur);
      inMembers = false;
    } else if (cur !== null && /^ {3}VRRP member instances :/.test(line)) inMembers = true;
    else if (cur !== null && inMembers && /^ {5}\S/.test(line)) cur.members.push(line.trim());
    else inMembers = false;
  }
  return out;
};

// /tmp/keepalived.stats: `VRRP Instance: NAME`, then two-space headings with four-space counters.
const STATS_PATHS: Readonly<Record<string, keyof VrrpStats>> = {
  'Advertisements/Received': 'advertRcvd',
  'Advertisements/Sent': 'advertSent',
  'Became master': 'becomeMaster',
  'Released master': 'releaseMaster',
  'Packet Errors/Length': 'packetLenErr',
  'Packet Errors/TTL': 'ipTtlErr',
  'Packet Errors/Invalid Type': 'invalidTypeRcvd',
  'Packet Errors/Advertisement Interval': 'advertIntervalErr',
  'Packet Errors/Address List': 'addrListErr',
  'Authentication Errors/Invalid Type': 'invalidAuthtype',
  'Authentication Errors/Type Mismatch': 'authtypeMismatch',
  'Authentication Errors/Failure': 'authFailure',
  'Priority Zero/Received': 'priZeroRcvd',
  'Priority Zero/Sent': 'priZeroSent',
};

const statsInstances = (text: string): { name: string; stats: VrrpStats }[] => {
  const out: { name: string; stats: VrrpStats }[] = [];
  let cur: { name: string; stats: VrrpStats } | null = null;
  let heading = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const start = /^VRRP Instance: (.+)$/.exec(line);
    if (start) {
      cur = { name: start[1]!, stats: emptyStats() };
      out.push(cur);
      heading = '';
      continue;
    }
    if (cur === null || line.trim() === '') continue;
    const top = /^ {2}([A-Za-z][A-Za-z ]*):(?: (.*))?$/.exec(line);
    const sub = /^ {4}([A-Za-z][A-Za-z ]*): (.*)$/.exec(line);
    if (top) {
      heading = top[1]!;
      if (top[2] !== undefined && top[2] !== '') {
        const k = STATS_PATHS[heading];
        if (k) cur.stats[k] = intOf(top[2], `instance ${JSON.stringify(cur.name)}: ${heading}`);
      }
    } else if (sub) {
      const k = STATS_PATHS[`${heading}/${sub[1]!}`];
      if (k) cur.stats[k] = intOf(sub[2]!, `instance ${JSON.stringify(cur.name)}: ${heading}/${sub[1]!}`);
    }
  }
  return out;
};

/** /tmp/keepalived.data or /tmp/keepalived.stats (told apart by their content). */
export const parseKeepalivedText = (text: string): ParseResult<KeepalivedTextDump> => {
  if (isBlank(text)) return parseFailed(E.empty, 'empty keepalived dump');
  try {
    if (/^VRRP Instance: /m.test(text)) return parsed({ kind: 'stats', instances: statsInstances(text) });
    const secs = sections(text);
    const topo = secs.get('VRRP Topology');
    if (topo === undefined) {
      if (secs.has('Global definitions')) return parsed({ kind: 'data', instances: [], groups: [] });
      return parseFailed(E.unknownFormat, 'not a keepalived data or stats dump (no "------< VRRP Topology >------" and no "VRRP Instance:")');
    }
    return parsed({ kind: 'data', instances: dataInstances(topo), groups: dataGroups(secs.get('VRRP Sync groups') ?? []) });
  } catch (e) {
    if (e instanceof BadValue) return parseFailed(E.badValue, e.message);
    throw e;
  }
};

// ---- ip -j addr show -------------------------------------------------------------------------------------

export interface IpAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number | null;
  label: string | null;
}

export interface IpInterface {
  name: string;
  /** The parent of a VLAN/macvlan (VMAC) interface (`link`), when ip names one in this namespace. */
  link: string | null;
  operstate: string | null;
  /** Administratively UP and LOWER_UP (carrier). */
  up: boolean;
  lowerUp: boolean;
  addresses: IpAddress[];
}

/** `ip -j addr show` (iproute2 JSON, seen with 6.1.0). */
export const parseIpAddrJson = (text: string): ParseResult<IpInterface[]> => {
  if (isBlank(text)) return parseFailed(E.empty, 'empty `ip -j addr show` output');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return parseFailed(E.invalidJson, `\`ip -j addr show\` output is not valid JSON (truncated?): ${(e as Error).message}`, e);
  }
  if (!Array.isArray(doc)) return parseFailed(E.unknownFormat, '`ip -j addr show` output is not a JSON array');
  const out: IpInterface[] = [];
  for (const [i, el] of doc.entries()) {
    if (!isObj(el)) return parseFailed(E.unknownFormat, `\`ip -j addr show\`: element ${i} is not an object`);
    // Older iproute2 prints {} for links that a family filter (-4/-6) left without addresses: skip those.
    if (Object.keys(el).length === 0) continue;
    const name = el['ifname'];
    if (typeof name !== 'string' || name === '') return parseFailed(E.unknownFormat, `\`ip -j addr show\`: element ${i} has no "ifname"`);
    const flags = Array.isArray(el['flags']) ? el['flags'].filter((f): f is string => typeof f === 'string') : [];
    const addrs: IpAddress[] = [];
    const info = el['addr_info'];
    if (info !== undefined && !Array.isArray(info)) return parseFailed(E.unknownFormat, `\`ip -j addr show\`: ${name}: "addr_info" is not an array`);
    for (const a of (info ?? []) as unknown[]) {
      if (!isObj(a) || typeof a['local'] !== 'string') continue;
      const c = canonicalAddress(a['local']);
      if (c === null) continue;
      const p = a['prefixlen'];
      addrs.push({
        ...c,
        prefixLength: typeof p === 'number' && Number.isInteger(p) ? p : null,
        label: typeof a['label'] === 'string' ? a['label'] : null,
      });
    }
    out.push({
      name,
      link: typeof el['link'] === 'string' ? el['link'] : null,
      operstate: typeof el['operstate'] === 'string' ? el['operstate'] : null,
      up: flags.includes('UP'),
      lowerUp: flags.includes('LOWER_UP'),
      addresses: addrs,
    });
  }
  return parsed(out);
};

// ---- keepalived.conf ------------------------------------------------------------------------------------

export interface ConfInstance {
  name: string;
  interface: string | null;
  vrid: number | null;
  /** keepalived's default when not given: 100. */
  priority: number;
  /** `state` as written (MASTER/BACKUP), null when not given. */
  state: string | null;
  version: number | null;
  /** `use_vmac [NAME]`: the VMAC name (keepalived's default `vrrp.<vrid>`), null without use_vmac. */
  vmacInterface: string | null;
  nopreempt: boolean;
  vips: VipSpec[];
  excludedVips: VipSpec[];
}

export interface KeepalivedConf {
  instances: ConfInstance[];
  groups: { name: string; members: string[] }[];
  /** `global_defs { notify_fifo … }` and `vrrp_notify_fifo …` */
  notifyFifo: string | null;
  vrrpNotifyFifo: string | null;
  /** `include` patterns at the top level, as written (the reader resolves them). */
  includes: string[];
  /** Things this small parser did not follow: conditional `@id` lines without a config id, `$VAR` definitions … */
  warnings: string[];
}

interface Stmt {
  words: string[];
  line: number;
  block: Stmt[] | null;
}

/** keepalived's tokens: whitespace-separated words, "quoted strings", `{` and `}`; `#`/`!` start a comment. */
const tokenize = (line: string): string[] => {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || c === '!') break;
    else if (c === '{' || c === '}') {
      out.push(c);
      i++;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      const stop = end < 0 ? line.length : end;
      out.push(line.slice(i + 1, stop));
      i = stop + 1;
    } else {
      let j = i;
      while (j < line.length && !' \t\r{}"'.includes(line[j]!)) j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
};

const KNOWN_TOP = new Set([
  'global_defs',
  'vrrp_instance',
  'vrrp_sync_group',
  'vrrp_script',
  'vrrp_track_file',
  'track_file',
  'vrrp_track_process',
  'track_process',
  'virtual_server',
  'virtual_server_group',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'static_track_group',
  'linkbeat_interfaces',
  'bfd_instance',
  'garp_group',
  'net_namespace',
  'include',
]);

const buildTree = (text: string, configId: string | null, warnings: string[]): ParseResult<Stmt[]> => {
  const root: Stmt[] = [];
  const stack: Stmt[][] = [root];
  let last: Stmt | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    let tokens = tokenize(raw);
    const lineNo = i + 1;
    const first = tokens[0];
    if (first !== undefined && first.startsWith('@')) {
      // keepalived's conditional configuration: `@ID rest` applies when ID is the config id, `@^ID` when not.
      const neg = first.startsWith('@^');
      const id = first.slice(neg ? 2 : 1);
      if (configId === null) {
        warnings.push(`line ${lineNo}: conditional line ${snippet(raw.trim())} skipped (no config id)`);
        continue;
      }
      if ((id === configId) === neg) continue;
      tokens = tokens.slice(1);
    }
    if (first !== undefined && first.startsWith('$')) {
      warnings.push(`line ${lineNo}: parameter ${snippet(raw.trim())} not supported`);
      continue;
    }
    let words: string[] = [];
    // A statement ends at a brace or at the end of its line (keepalived's configuration is line-oriented).
    for (const t of [...tokens, '\n']) {
      if (t !== '{' && t !== '}' && t !== '\n') {
        words.push(t);
        continue;
      }
      if (words.length > 0) {
        last = { words, line: lineNo, block: null };
        stack[stack.length - 1]!.push(last);
        words = [];
      }
      if (t === '{') {
        // `keyword {`, or a `{` on the line after the keyword.
        const owner: Stmt | null = last;
        if (owner === null || owner.block !== null) return parseFailed(E.confSyntax, `line ${lineNo}: "{" without a keyword before it`);
        owner.block = [];
        stack.push(owner.block);
        last = null;
      } else if (t === '}') {
        if (stack.length === 1) return parseFailed(E.confSyntax, `line ${lineNo}: "}" without an open block`);
        stack.pop();
        last = null;
      }
    }
  }
  if (stack.length > 1) return parseFailed(E.confSyntax, `unclosed block at the end of the file (${stack.length - 1} "{" not closed)`);
  return parsed(root);
};

const confVips = (stmts: readonly Stmt[] | null, where: string, warnings: string[]): VipSpec[] => {
  const out: VipSpec[] = [];
  for (const s of stmts ?? []) {
    const spec = parseVipSpec(s.words.join(' '), false);
    if (spec === null) warnings.push(`line ${s.line}: ${where}: not an address: ${snippet(s.words.join(' '))}`);
    else out.push(spec);
  }
  return out;
};

const confInt = (s: Stmt, min: number, max: number): number => {
  const v = s.words[1];
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new BadValue(`line ${s.line}: ${s.words[0]} must be an integer ${min}..${max}: ${snippet(s.words.slice(1).join(' '))}`);
  }
  return Number(v);
};

const confInstance = (s: Stmt, warnings: string[]): ConfInstance => {
  const name = s.words[1];
  if (name === undefined) throw new BadValue(`line ${s.line}: vrrp_instance without a name`);
  const inst: ConfInstance = {
    name,
    interface: null,
    vrid: null,
    priority: 100,
    state: null,
    version: null,
    vmacInterface: null,
    nopreempt: false,
    vips: [],
    excludedVips: [],
  };
  let useVmac: string | true | null = null;
  for (const c of s.block ?? []) {
    const key = c.words[0];
    const arg = c.words[1];
    switch (key) {
      case 'interface':
        inst.interface = arg ?? null;
        break;
      case 'virtual_router_id':
        inst.vrid = confInt(c, 0, 255);
        break;
      case 'priority':
        inst.priority = confInt(c, 1, 255);
        break;
      case 'state':
        inst.state = arg ?? null;
        break;
      case 'version':
        inst.version = confInt(c, 2, 3);
        break;
      case 'use_vmac':
        useVmac = arg ?? true;
        break;
      case 'nopreempt':
        inst.nopreempt = true;
        break;
      case 'virtual_ipaddress':
        inst.vips.push(...confVips(c.block, `${name} virtual_ipaddress`, warnings));
        break;
      case 'virtual_ipaddress_excluded':
        inst.excludedVips.push(...confVips(c.block, `${name} virtual_ipaddress_excluded`, warnings));
        break;
      default:
        break;
    }
  }
  if (useVmac !== null) inst.vmacInterface = useVmac === true ? (inst.vrid === null ? null : `vrrp.${inst.vrid}`) : useVmac;
  return inst;
};

/**
 * The VRRP parts of keepalived.conf: vrrp_instance blocks (name, interface, virtual_router_id, priority, state,
 * version, use_vmac, virtual_ipaddress[_excluded]), vrrp_sync_group members, the notify FIFO paths of global_defs,
 * and top-level `include` patterns. `configId` is keepalived's config id for `@id` lines (default: the host name
 * up to the first dot); null skips those lines with a warning.
 */
export const parseKeepalivedConf = (text: string, configId: string | null = null): ParseResult<KeepalivedConf> => {
  if (isBlank(text)) return parseFailed(E.empty, 'empty keepalived.conf');
  if (text.includes('\u0000')) return parseFailed(E.unknownFormat, 'keepalived.conf contains NUL bytes: not a text file');
  const warnings: string[] = [];
  const tree = buildTree(text, configId, warnings);
  if (!tree.ok) return tree;
  const top = tree.value;
  if (!top.some((s) => KNOWN_TOP.has(s.words[0] ?? ''))) {
    return parseFailed(E.unknownFormat, `no keepalived keyword at the top level (first: ${snippet(top[0]?.words.join(' ') ?? '')})`);
  }
  const conf: KeepalivedConf = { instances: [], groups: [], notifyFifo: null, vrrpNotifyFifo: null, includes: [], warnings };
  try {
    for (const s of top) {
      switch (s.words[0]) {
        case 'vrrp_instance':
          conf.instances.push(confInstance(s, warnings));
          break;
        case 'vrrp_sync_group': {
          const name = s.words[1];
          if (name === undefined) throw new BadValue(`line ${s.line}: vrrp_sync_group without a name`);
          const group = (s.block ?? []).find((c) => c.words[0] === 'group');
          conf.groups.push({ name, members: (group?.block ?? []).flatMap((c) => c.words) });
          break;
        }
        case 'global_defs':
          for (const c of s.block ?? []) {
            if (c.words[0] === 'notify_fifo' && c.words[1] !== undefined) conf.notifyFifo = c.words[1];
            if (c.words[0] === 'vrrp_notify_fifo' && c.words[1] !== undefined) conf.vrrpNotifyFifo = c.words[1];
          }
          break;
        case 'include':
          if (s.words[1] !== undefined) conf.includes.push(s.words.slice(1).join(' '));
          break;
        default:
          break;
      }
    }
  } catch (e) {
    if (e instanceof BadValue) return parseFailed(E.badValue, e.message);
    throw e;
  }
  return parsed(conf);
};
