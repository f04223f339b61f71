// Pure parsers for open-iscsi's `iscsiadm -m session` (flat, and the -P 1/2/3 tree), `iscsiadm -m node` (flat and
// -P 1), and the kernel's /sys/class/iscsi_session/session*/{targetname,state} (as `grep -H .` prints them, or as
// entries a reader collected). No I/O, clock or environment. Never throws.
import { ParseError, parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type { IscsiDisk, IscsiIface, IscsiNode, IscsiReport, IscsiSession } from '../../protocol/iscsi.js';

/** Stable error codes of these parsers. */
export const ISCSI_PARSE_ERRORS = {
  empty: 'iscsi.empty',
  unknownFormat: 'iscsi.unknown_format',
  badLine: 'iscsi.bad_line',
  badValue: 'iscsi.bad_value',
  truncated: 'iscsi.truncated',
} as const;

/** iscsiadm's message (on stderr, exit 21) when there is no session: a state, not an error. */
export const NO_ACTIVE_SESSIONS = /iscsiadm: No active sessions\./;
/** iscsiadm's message (on stderr, exit 21) when there is no node record. */
export const NO_RECORDS = /iscsiadm: No records found/;

/** iscsiadm prints `<empty>` for unset values; `default` for an unset iface hwaddress/netdev. */
const val = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  const t = v.trim();
  return t === '' || t === '<empty>' ? null : t;
};
/** "LOGGED IN" → "LOGGED_IN"; "Unknown" (iscsid did not answer) → null. */
const stateOf = (v: string | undefined): string | null => {
  const t = val(v);
  if (t === null || t.toLowerCase() === 'unknown') return null;
  return t.toUpperCase().replace(/[\s-]+/g, '_');
};
const int = (v: string | undefined, what: string): number | null => {
  const t = val(v);
  if (t === null) return null;
  if (!/^-?\d+$/.test(t)) throw new ParseError(ISCSI_PARSE_ERRORS.badValue, `${what}: "${t}" is not an integer`);
  return Number(t);
};

export interface Portal {
  address: string;
  port: number;
  /** null when unset: -1, or 4294967295 as `iscsiadm -m node` prints it (open-iscsi 2.1.8) */
  tpgt: number | null;
}

/** `10.0.0.1:3260,1`, `[fd00::1]:3260,1`, `host.example:3260,-1`, `10.0.0.1:3260` */
export const parsePortal = (s: string): Portal | null => {
  const m = /^(?:\[([^\]]+)\]|([^\s,[\]]+?)):(\d{1,5})(?:,(-?\d+))?$/.exec(s.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  const t = m[4] === undefined ? null : Number(m[4]);
  return { address: (m[1] ?? m[2])!, port, tpgt: t === null || t < 0 || t >= 0xffff_ffff ? null : t };
};

/** The portal as iscsiadm prints it (IPv6 in brackets). */
export const formatPortal = (address: string | null, port: number | null): string =>
  address === null ? '-' : `${address.includes(':') ? `[${address}]` : address}${port === null ? '' : `:${port}`}`;

const newSession = (target: string): IscsiSession => ({
  sid: -1,
  target,
  transport: null,
  address: null,
  port: null,
  tpgt: null,
  persistentAddress: null,
  persistentPort: null,
  flash: null,
  iface: null,
  sessionState: null,
  connectionState: null,
  internalState: null,
  recoveryTimeoutSeconds: null,
  targetResetTimeoutSeconds: null,
  lunResetTimeoutSeconds: null,
  abortTimeoutSeconds: null,
  hostNumber: null,
  hostState: null,
  disks: null,
});

const emptyIface = (): IscsiIface => ({ name: null, transport: null, initiatorName: null, ipAddress: null, hwAddress: null, netdev: null });

const IFACE_KEYS: Readonly<Record<string, keyof IscsiIface>> = {
  'Iface Name': 'name',
  'Iface Transport': 'transport',
  'Iface Initiatorname': 'initiatorName',
  'Iface IPaddress': 'ipAddress',
  'Iface HWaddress': 'hwAddress',
  'Iface Netdev': 'netdev',
};

/** Section headings and banner lines of the tree that carry no value. */
const SKIP = /^(\*+|Interface:|Timeouts:|CHAP:|Negotiated iSCSI params:|Attached SCSI devices:|Unavailable)$/;

/** -P 0 / plain `iscsiadm -m session` line: `tcp: [2] 10.15.84.19:3260,2 iqn... (non-flash)`; old: `tcp [2] ...`. */
const FLAT = /^([\w.-]+):?\s+\[(\d+)\]\s+(\S+)\s+(\S+)(?:\s+\((non-flash|flash)\))?$/;

const sortSessions = (s: IscsiSession[]): IscsiSession[] => s.sort((a, b) => a.sid - b.sid);

const baseReport = (): IscsiReport => ({
  sessionsSource: 'iscsiadm',
  iscsiadmVersion: null,
  transportClassVersion: null,
  sessions: [],
  nodes: null,
  problems: [],
});

const parseTree = (lines: string[], report: IscsiReport): void => {
  let target: string | null = null;
  let flash: boolean | null = null;
  let portal: { cur: Portal | null; persistent: Portal | null } = { cur: null, persistent: null };
  let cur: IscsiSession | null = null;
  let disk: IscsiDisk | null = null;
  const done = (): void => {
    if (cur && cur.sid >= 0) report.sessions.push(cur);
    else if (cur && (cur.iface !== null || cur.sessionState !== null)) {
      throw new ParseError(ISCSI_PARSE_ERRORS.truncated, `session of ${cur.target} without SID`);
    }
    cur = null;
    disk = null;
  };
  const fresh = (): IscsiSession => {
    if (target === null) throw new ParseError(ISCSI_PARSE_ERRORS.unknownFormat, 'session details before any "Target:" line');
    const s = newSession(target);
    s.flash = flash;
    if (portal.cur) [s.address, s.port, s.tpgt] = [portal.cur.address, portal.cur.port, portal.cur.tpgt];
    if (portal.persistent) [s.persistentAddress, s.persistentPort] = [portal.persistent.address, portal.persistent.port];
    return s;
  };
  /** the session a detail line belongs to; a new one when the current one is complete (has a SID already) */
  const session = (startsNew: boolean): IscsiSession => {
    if (cur && startsNew && cur.sid >= 0) done();
    cur ??= fresh();
    return cur;
  };

  lines.forEach((raw, i) => {
    const line = raw.trim();
    const at = `line ${i + 1}`;
    if (line === '') {
      // iscsiadm prints an empty line instead of the portals when the next session has the same portal
      if (cur && cur.sid >= 0) done();
      return;
    }
    if (SKIP.test(line)) return;
    let m: RegExpExecArray | null;
    if ((m = /^iSCSI Transport Class version (\S+)$/.exec(line))) {
      report.transportClassVersion = m[1]!;
      return;
    }
    if ((m = /^version (\S+)$/.exec(line))) {
      report.iscsiadmVersion = m[1]!;
      return;
    }
    if ((m = /^Target: (\S+)(?: \((non-flash|flash)\))?$/.exec(line))) {
      done();
      target = m[1]!;
      flash = m[2] === undefined ? null : m[2] === 'flash';
      portal = { cur: null, persistent: null };
      return;
    }
    if ((m = /^(Current|Persistent) Portal: (\S+)$/.exec(line))) {
      const p = parsePortal(m[2]!);
      if (!p) throw new ParseError(ISCSI_PARSE_ERRORS.badValue, `${at}: portal "${m[2]}"`);
      if (m[1] === 'Current') {
        done();
        portal = { cur: p, persistent: null };
      } else {
        portal.persistent = p;
        if (cur) [cur.persistentAddress, cur.persistentPort] = [p.address, p.port];
      }
      return;
    }
    if ((m = /^scsi(\d+) Channel (\d+) Id (\d+) Lun: (\d+)$/.exec(line))) {
      const s = session(false);
      disk = { host: Number(m[1]), channel: Number(m[2]), id: Number(m[3]), lun: Number(m[4]), device: null, state: null };
      (s.disks ??= []).push(disk);
      return;
    }
    if ((m = /^Attached scsi disk (\S+)\s+State: (.+)$/.exec(line))) {
      if (!disk) throw new ParseError(ISCSI_PARSE_ERRORS.badLine, `${at}: disk outside a LUN: ${line.slice(0, 200)}`);
      [disk.device, disk.state] = [m[1]!, val(m[2]) === 'Unknown' ? null : val(m[2])];
      return;
    }
    if ((m = /^Host Number: (\d+)\s+State: (.+)$/.exec(line))) {
      const s = session(false);
      [s.hostNumber, s.hostState] = [Number(m[1]), val(m[2]) === 'Unknown' ? null : val(m[2])];
      s.disks ??= [];
      return;
    }
    const kv = /^([^:]+?):\s?(.*)$/.exec(line);
    if (!kv) throw new ParseError(ISCSI_PARSE_ERRORS.badLine, `${at}: not understood: ${line.slice(0, 200)}`);
    const [key, v] = [kv[1]!, kv[2]!];
    const ifaceKey = IFACE_KEYS[key];
    if (ifaceKey !== undefined) {
      const s = session(true);
      s.iface ??= emptyIface();
      // iscsiadm prints "default" for an unset hwaddress/netdev
      s.iface[ifaceKey] = (ifaceKey === 'hwAddress' || ifaceKey === 'netdev') && v.trim() === 'default' ? null : val(v);
      return;
    }
    switch (key) {
      case 'SID': {
        const s = session(true);
        const sid = int(v, `${at} SID`);
        if (sid === null || sid < 0) throw new ParseError(ISCSI_PARSE_ERRORS.badValue, `${at}: SID "${v}"`);
        s.sid = sid;
        return;
      }
      case 'iSCSI Connection State':
        session(false).connectionState = stateOf(v);
        return;
      case 'iSCSI Session State':
        session(false).sessionState = stateOf(v);
        return;
      case 'Internal iscsid Session State':
        session(false).internalState = stateOf(v);
        return;
      case 'Recovery Timeout':
        session(false).recoveryTimeoutSeconds = int(v, `${at} ${key}`);
        return;
      case 'Target Reset Timeout':
        session(false).targetResetTimeoutSeconds = int(v, `${at} ${key}`);
        return;
      case 'LUN Reset Timeout':
        session(false).lunResetTimeoutSeconds = int(v, `${at} ${key}`);
        return;
      case 'Abort Timeout':
        session(false).abortTimeoutSeconds = int(v, `${at} ${key}`);
        return;
      default:
        // CHAP and negotiated parameters: read past (credentials never kept)
        if (cur === null && target === null) throw new ParseError(ISCSI_PARSE_ERRORS.unknownFormat, `${at}: not iscsiadm session output: ${line.slice(0, 200)}`);
        return;
    }
  });
  done();
  if (target !== null && report.sessions.length === 0) throw new ParseError(ISCSI_PARSE_ERRORS.truncated, 'a "Target:" without any session');
};

/**
 * `iscsiadm -m session` (flat: `-P 0` or none) or `-m session -P 1|2|3` (tree). "iscsiadm: No active sessions."
 * (what iscsiadm prints on stderr, exit 21) gives no sessions.
 */
export const parseIscsiadmSession = (text: string): ParseResult<IscsiReport> => {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const content = lines.filter((l) => l.trim() !== '');
  if (content.length === 0) return parseFailed(ISCSI_PARSE_ERRORS.empty, 'empty iscsiadm -m session output');
  const report = baseReport();
  if (content.length === 1 && NO_ACTIVE_SESSIONS.test(content[0]!)) return parsed(report);
  try {
    const flat = content.map((l) => FLAT.exec(l.trim()));
    if (flat.every((m) => m !== null)) {
      for (const m of flat as RegExpExecArray[]) {
        const p = parsePortal(m[3]!);
        if (!p) throw new ParseError(ISCSI_PARSE_ERRORS.badValue, `portal "${m[3]}"`);
        const s = newSession(m[4]!);
        Object.assign(s, { sid: Number(m[2]), transport: m[1]!, address: p.address, port: p.port, tpgt: p.tpgt, persistentAddress: p.address, persistentPort: p.port });
        s.flash = m[5] === undefined ? null : m[5] === 'flash';
        report.sessions.push(s);
      }
      report.sessions = sortSessions(report.sessions);
      return parsed(report);
    }
    if (flat.some((m) => m !== null)) {
      const bad = content.find((_, i) => flat[i] === null) ?? '';
      throw new ParseError(ISCSI_PARSE_ERRORS.badLine, `not a session line: ${bad.trim().slice(0, 200)}`);
    }
    parseTree(lines, report);
    if (report.sessions.length === 0) throw new ParseError(ISCSI_PARSE_ERRORS.unknownFormat, `not iscsiadm session output: ${content[0]!.trim().slice(0, 200)}`);
    report.sessions = sortSessions(report.sessions);
    return parsed(report);
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e };
    return parseFailed(ISCSI_PARSE_ERRORS.badValue, String(e), e);
  }
};

/** `iscsiadm -m node` (`PORTAL,TPGT TARGET` lines) or `-m node -P 1` (tree). "No records found" gives none. */
export const parseIscsiadmNode = (text: string): ParseResult<IscsiNode[]> => {
  const content = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (content.length === 0) return parseFailed(ISCSI_PARSE_ERRORS.empty, 'empty iscsiadm -m node output');
  if (content.length === 1 && NO_RECORDS.test(content[0]!)) return parsed([]);
  const nodes: IscsiNode[] = [];
  let target: string | null = null;
  for (const [i, line] of content.entries()) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(\S+)$/.exec(line)) && parsePortal(m[1]!) !== null) {
      const p = parsePortal(m[1]!)!;
      nodes.push({ target: m[2]!, address: p.address, port: p.port, tpgt: p.tpgt, iface: null });
      continue;
    }
    if ((m = /^Target: (\S+)$/.exec(line))) {
      target = m[1]!;
      continue;
    }
    if ((m = /^Portal: (\S+)$/.exec(line)) && target !== null) {
      const p = parsePortal(m[1]!);
      if (!p) return parseFailed(ISCSI_PARSE_ERRORS.badValue, `line ${i + 1}: portal "${m[1]}"`);
      nodes.push({ target, address: p.address, port: p.port, tpgt: p.tpgt, iface: null });
      continue;
    }
    if ((m = /^Iface Name: (\S+)$/.exec(line)) && nodes.length > 0) {
      nodes[nodes.length - 1]!.iface = val(m[1]);
      continue;
    }
    const code = i === 0 ? ISCSI_PARSE_ERRORS.unknownFormat : ISCSI_PARSE_ERRORS.badLine;
    return parseFailed(code, `line ${i + 1}: not an iscsiadm node record: ${line.slice(0, 200)}`);
  }
  return parsed(nodes);
};

/** One session directory under /sys/class/iscsi_session as a reader saw it. */
export interface SysfsSessionEntry {
  /** directory name: session<SID> */
  name: string;
  targetname: string | null;
  state: string | null;
}

/** Sessions from sysfs entries: SID, target and the kernel's state only (no portal: that is in iscsi_connection). */
export const iscsiSysfsSessions = (entries: readonly SysfsSessionEntry[]): ParseResult<IscsiSession[]> => {
  const out: IscsiSession[] = [];
  for (const e of entries) {
    const m = /^session(\d+)$/.exec(e.name);
    if (!m) return parseFailed(ISCSI_PARSE_ERRORS.badValue, `"${e.name}" is not a session directory`);
    const target = val(e.targetname ?? undefined);
    // a session being torn down can lose its files between listing and reading: left out, not an error
    if (target === null) continue;
    const s = newSession(target);
    s.sid = Number(m[1]);
    s.sessionState = stateOf(e.state ?? undefined);
    out.push(s);
  }
  return parsed(sortSessions(out));
};

/** `grep -H . /sys/class/iscsi_session/session*\/{targetname,state}` output. */
export const parseIscsiSysfs = (text: string): ParseResult<IscsiReport> => {
  const content = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const byName = new Map<string, SysfsSessionEntry>();
  for (const [i, line] of content.entries()) {
    const m = /^(?:\S*\/)?(session\d+)\/(targetname|state):(.*)$/.exec(line);
    if (!m) return parseFailed(i === 0 ? ISCSI_PARSE_ERRORS.unknownFormat : ISCSI_PARSE_ERRORS.badLine, `line ${i + 1}: not PATH/sessionN/(targetname|state):VALUE: ${line.slice(0, 200)}`);
    const e = byName.get(m[1]!) ?? { name: m[1]!, targetname: null, state: null };
    if (m[2] === 'targetname') e.targetname = m[3]!;
    else e.state = m[3]!;
    byName.set(m[1]!, e);
  }
  const s = iscsiSysfsSessions([...byName.values()]);
  if (!s.ok) return s;
  return parsed({ ...baseReport(), sessionsSource: 'sysfs', sessions: s.value });
};
