// Pure parsers for DRBD's three formats: DRBD 9 `drbdsetup status --json`, `drbdsetup events2` lines
// (`--now`, `--statistics`, `--timestamps`, `--diff`, `--color` accepted) and DRBD 8.0-8.4 `/proc/drbd`.
// No I/O, clock or environment: text in, typed report or typed ParseError out. Never throws.
import { ParseError, parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type {
  DrbdConnection,
  DrbdDevice,
  DrbdHelperEvent,
  DrbdPeerDevice,
  DrbdReport,
  DrbdResource,
} from '../../protocol/drbd.js';

/** Stable error codes of these parsers. */
export const DRBD_PARSE_ERRORS = {
  empty: 'drbd.empty',
  invalidJson: 'drbd.invalid_json',
  unknownFormat: 'drbd.unknown_format',
  badValue: 'drbd.bad_value',
  badLine: 'drbd.bad_line',
  truncated: 'drbd.truncated',
} as const;

/** Helpers that DRBD calls after it detected a split brain. */
export const SPLIT_BRAIN_HELPERS: ReadonlySet<string> = new Set(['split-brain', 'initial-split-brain', 'pri-lost-after-sb']);

/** Replication states in which a resync or online verify runs (its progress is meaningful only then). */
export const SYNC_STATES: ReadonlySet<string> = new Set([
  'StartingSyncS',
  'StartingSyncT',
  'WFBitMapS',
  'WFBitMapT',
  'WFSyncUUID',
  'SyncSource',
  'SyncTarget',
  'PausedSyncS',
  'PausedSyncT',
  'VerifyS',
  'VerifyT',
]);

const KIB = 1024;
const SECTOR = 512;
/** drbdsetup prints this for "estimated-seconds-to-finish" when it has no rate yet (drbd-utils 9.x). */
const ETA_UNKNOWN = 987_654_321;

const bad = (what: string): ParseError => new ParseError(DRBD_PARSE_ERRORS.badValue, what);

const emptyReport = (source: DrbdReport['source']): DrbdReport => ({
  source,
  moduleLoaded: true,
  kernelVersion: null,
  resources: [],
  unconfiguredMinors: [],
  helperEvents: [],
  splitBrainHelperSeen: null,
});

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortReport = (r: DrbdReport): DrbdReport => {
  for (const res of r.resources) {
    res.devices.sort((a, b) => a.volume - b.volume);
    res.connections.sort((a, b) => cmp(a.name, b.name) || (a.peerNodeId ?? -1) - (b.peerNodeId ?? -1));
    for (const c of res.connections) c.peerDevices.sort((a, b) => a.volume - b.volume);
  }
  r.resources.sort((a, b) => cmp(a.name, b.name));
  r.unconfiguredMinors.sort((a, b) => a - b);
  return r;
};

/** The last split-brain helper in a list of helper events, or null. */
export const lastSplitBrain = (events: readonly DrbdHelperEvent[]): DrbdHelperEvent | null => {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (SPLIT_BRAIN_HELPERS.has(e.helper)) return e;
  }
  return null;
};

// ---------------------------------------------------------------------------------------------------------
// drbdsetup status --json

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

const jStr = (o: J, k: string, where: string): string => {
  const v = o[k];
  if (typeof v !== 'string' || v === '') throw bad(`${where}: "${k}" is not a string`);
  return v;
};
const jOptStr = (o: J, k: string): string | null => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : null);
const jOptBool = (o: J, k: string, where: string): boolean | null => {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw bad(`${where}: "${k}" is not a boolean`);
  return v;
};
const jOptNum = (o: J, k: string, where: string): number | null => {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${where}: "${k}" is not a number`);
  return v;
};
const jInt = (o: J, k: string, where: string): number => {
  const v = jOptNum(o, k, where);
  if (v === null || !Number.isInteger(v)) throw bad(`${where}: "${k}" is not an integer`);
  return v;
};
const times = (v: number | null, f: number): number | null => (v === null ? null : Math.max(0, v * f));
const nonNeg = (v: number | null): number | null => (v === null ? null : Math.max(0, Math.trunc(v)));
const clampPct = (v: number | null): number | null => (v === null ? null : Math.min(100, Math.max(0, v)));

const jsonPeerDevice = (o: J, where: string): DrbdPeerDevice => {
  const w = `${where} volume ${String(o['volume'])}`;
  const replicationState = jStr(o, 'replication-state', w);
  const syncing = SYNC_STATES.has(replicationState);
  const eta = jOptNum(o, 'estimated-seconds-to-finish', w);
  return {
    volume: jInt(o, 'volume', w),
    replicationState,
    peerDiskState: jStr(o, 'peer-disk-state', w),
    peerClient: jOptBool(o, 'peer-client', w),
    resyncSuspended: jOptStr(o, 'resync-suspended'),
    syncDonePercent: syncing ? clampPct(jOptNum(o, 'percent-resync-done', w)) : null,
    syncEtaSeconds: syncing && eta !== null && eta !== ETA_UNKNOWN ? Math.max(0, eta) : null,
    // drbdsetup prints these in KiB (sectors / 2)
    outOfSyncBytes: times(jOptNum(o, 'out-of-sync', w), KIB),
    receivedBytes: times(jOptNum(o, 'received', w), KIB),
    sentBytes: times(jOptNum(o, 'sent', w), KIB),
    pending: nonNeg(jOptNum(o, 'pending', w)),
    unacked: nonNeg(jOptNum(o, 'unacked', w)),
  };
};

const jsonConnection = (o: J, where: string): DrbdConnection => {
  const name = jStr(o, 'name', where);
  const w = `${where} connection ${name}`;
  const pds = o['peer_devices'] ?? [];
  if (!Array.isArray(pds)) throw bad(`${w}: "peer_devices" is not a list`);
  return {
    peerNodeId: jOptNum(o, 'peer-node-id', w),
    name,
    connectionState: jStr(o, 'connection-state', w),
    peerRole: jOptStr(o, 'peer-role') ?? 'Unknown',
    congested: jOptBool(o, 'congested', w),
    // the DRBD 9 kernel counts requests in flight in sectors; drbdsetup prints them unconverted
    apInFlightBytes: times(jOptNum(o, 'ap-in-flight', w), SECTOR),
    rsInFlightBytes: times(jOptNum(o, 'rs-in-flight', w), SECTOR),
    peerDevices: pds.map((p) => {
      if (!isObj(p)) throw bad(`${w}: a peer device is not an object`);
      return jsonPeerDevice(p, w);
    }),
  };
};

const jsonDevice = (o: J, where: string): DrbdDevice => {
  const w = `${where} volume ${String(o['volume'])}`;
  return {
    volume: jInt(o, 'volume', w),
    minor: jOptNum(o, 'minor', w),
    diskState: jStr(o, 'disk-state', w),
    client: jOptBool(o, 'client', w),
    quorum: jOptBool(o, 'quorum', w),
    open: jOptBool(o, 'open', w),
    backingDevice: null,
    sizeBytes: times(jOptNum(o, 'size', w), KIB),
    readBytes: times(jOptNum(o, 'read', w), KIB),
    writtenBytes: times(jOptNum(o, 'written', w), KIB),
    alWrites: nonNeg(jOptNum(o, 'al-writes', w)),
    bmWrites: nonNeg(jOptNum(o, 'bm-writes', w)),
    upperPending: nonNeg(jOptNum(o, 'upper-pending', w)),
    lowerPending: nonNeg(jOptNum(o, 'lower-pending', w)),
  };
};

const jsonResource = (o: J): DrbdResource => {
  const name = jStr(o, 'name', 'resource');
  const w = `resource ${name}`;
  const devices = o['devices'] ?? [];
  const connections = o['connections'] ?? [];
  if (!Array.isArray(devices) || !Array.isArray(connections)) throw bad(`${w}: "devices"/"connections" are not lists`);
  const nodeId = jOptNum(o, 'node-id', w);
  return {
    name,
    nodeId: nodeId === null || nodeId < 0 ? null : nodeId,
    role: jStr(o, 'role', w),
    suspended: jOptBool(o, 'suspended', w),
    writeOrdering: jOptStr(o, 'write-ordering'),
    // `status --json` does not print may_promote / promotion_score (drbd-utils 9.22); events2 does
    mayPromote: null,
    promotionScore: null,
    devices: devices.map((d) => {
      if (!isObj(d)) throw bad(`${w}: a device is not an object`);
      return jsonDevice(d, w);
    }),
    connections: connections.map((c) => {
      if (!isObj(c)) throw bad(`${w}: a connection is not an object`);
      return jsonConnection(c, w);
    }),
  };
};

/** `drbdsetup status --json` (DRBD 9): a JSON list of resources. */
export const parseDrbdStatusJson = (text: string): ParseResult<DrbdReport> => {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return parseFailed(DRBD_PARSE_ERRORS.empty, 'empty drbdsetup status --json output');
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch (e) {
    const first = trimmed.split('\n', 1)[0] ?? '';
    const code = trimmed.startsWith('[') || trimmed.startsWith('{') ? DRBD_PARSE_ERRORS.invalidJson : DRBD_PARSE_ERRORS.unknownFormat;
    return parseFailed(code, `not valid JSON (malformed or truncated): ${first.slice(0, 200)}`, e);
  }
  if (!Array.isArray(doc)) return parseFailed(DRBD_PARSE_ERRORS.unknownFormat, 'drbdsetup status --json prints a list of resources');
  try {
    const report = emptyReport('drbdsetup-status-json');
    for (const r of doc) {
      if (!isObj(r)) throw new ParseError(DRBD_PARSE_ERRORS.unknownFormat, 'a resource entry is not an object');
      report.resources.push(jsonResource(r));
    }
    return parsed(sortReport(report));
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e };
    return parseFailed(DRBD_PARSE_ERRORS.badValue, String(e), e);
  }
};

// ---------------------------------------------------------------------------------------------------------
// drbdsetup events2

export const EVENTS2_VERBS = ['exists', 'create', 'change', 'destroy', 'call', 'response', 'rename'] as const;
export type Events2Verb = (typeof EVENTS2_VERBS)[number];
export const EVENTS2_OBJECTS = ['resource', 'device', 'connection', 'peer-device', 'path', 'helper'] as const;
export type Events2Object = (typeof EVENTS2_OBJECTS)[number];

/** One line of `drbdsetup events2`. `exists -` (end of the initial state) has object '-'. */
export interface Events2Line {
  /** ISO 8601 time from `--timestamps`, null without it (or when the tool's time was replaced, as in drbd-utils' tests) */
  at: string | null;
  verb: Events2Verb;
  object: Events2Object | '-';
  /** key:value pairs; with `--diff`, the new value (after `->`) */
  fields: Record<string, string>;
}

const VERBS: ReadonlySet<string> = new Set(EVENTS2_VERBS);
const OBJECTS: ReadonlySet<string> = new Set(EVENTS2_OBJECTS);
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ANSI = /\u001b\[[0-9;]*m/g;

/** Parse one events2 line; an empty line gives null. */
export const parseEvents2Line = (raw: string): ParseResult<Events2Line | null> => {
  const line = raw.replace(ANSI, '').trim();
  if (line === '') return parsed(null);
  const tokens = line.split(/\s+/);
  let at: string | null = null;
  // `--timestamps` puts the time first; drbd-utils' own tests replace it with the word TIME
  if (!VERBS.has(tokens[0]!) && tokens.length > 1 && VERBS.has(tokens[1]!)) {
    const ts = tokens.shift()!;
    at = ISO_TS.test(ts) ? ts : null;
  }
  const verb = tokens.shift()!;
  const object = tokens.shift();
  if (!VERBS.has(verb)) return parseFailed(DRBD_PARSE_ERRORS.badLine, `not an events2 line: ${line.slice(0, 200)}`);
  if (object === undefined) return parseFailed(DRBD_PARSE_ERRORS.truncated, `events2 line without an object: ${line.slice(0, 200)}`);
  if (object === '-') {
    if (verb !== 'exists' || tokens.length > 0) return parseFailed(DRBD_PARSE_ERRORS.badLine, `unexpected events2 line: ${line.slice(0, 200)}`);
    return parsed({ at, verb, object: '-', fields: {} });
  }
  if (!OBJECTS.has(object)) return parseFailed(DRBD_PARSE_ERRORS.badLine, `unknown events2 object "${object}": ${line.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const t of tokens) {
    const i = t.indexOf(':');
    if (i <= 0) return parseFailed(DRBD_PARSE_ERRORS.badLine, `events2 field "${t}" is not key:value: ${line.slice(0, 200)}`);
    const v = t.slice(i + 1);
    // --diff prints old->new; addresses (ipv4:1.2.3.4:7789) contain no "->"
    const arrow = v.lastIndexOf('->');
    fields[t.slice(0, i)] = arrow >= 0 ? v.slice(arrow + 2) : v;
  }
  if (fields['name'] === undefined) return parseFailed(DRBD_PARSE_ERRORS.truncated, `events2 line without name: ${line.slice(0, 200)}`);
  return parsed({ at, verb: verb as Events2Verb, object: object as Events2Object, fields });
};

const fInt = (f: Record<string, string>, k: string): number | null => {
  const v = f[k];
  if (v === undefined) return null;
  if (!/^-?\d+$/.test(v)) throw bad(`events2 ${k}:${v} is not an integer`);
  return Number(v);
};
const fNum = (f: Record<string, string>, k: string): number | null => {
  const v = f[k];
  if (v === undefined) return null;
  // `eta:nan` when drbdsetup has no rate yet (drbd-utils 9.x printf of NAN)
  if (/^-?nan$/i.test(v) || /^-?inf/i.test(v)) return null;
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw bad(`events2 ${k}:${v} is not a number`);
  return Number(v);
};
const fBool = (f: Record<string, string>, k: string): boolean | null | undefined => {
  const v = f[k];
  if (v === undefined) return undefined;
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  // `open:unknown` and the like
  return null;
};

/** The helper event of a `call helper` / `response helper` line; `now` stands in for a missing time stamp. */
export const helperEventOf = (l: Events2Line, now: string | null = null): DrbdHelperEvent => ({
  at: l.at ?? now,
  kind: l.verb === 'response' ? 'response' : 'call',
  resource: l.fields['name'] ?? '',
  peer: l.fields['conn-name'] ?? null,
  volume: fInt(l.fields, 'volume'),
  helper: l.fields['helper'] ?? 'unknown',
  status: l.verb === 'response' ? fInt(l.fields, 'status') : null,
});

/** The state that the lines of one events2 run build up. */
class Events2State {
  readonly resources = new Map<string, DrbdResource>();
  readonly helpers: DrbdHelperEvent[] = [];

  private res(name: string): DrbdResource {
    let r = this.resources.get(name);
    if (!r) {
      r = { name, nodeId: null, role: 'Unknown', suspended: null, writeOrdering: null, mayPromote: null, promotionScore: null, devices: [], connections: [] };
      this.resources.set(name, r);
    }
    return r;
  }

  private dev(r: DrbdResource, volume: number): DrbdDevice {
    let d = r.devices.find((x) => x.volume === volume);
    if (!d) {
      d = {
        volume, minor: null, diskState: 'DUnknown', client: null, quorum: null, open: null, backingDevice: null,
        sizeBytes: null, readBytes: null, writtenBytes: null, alWrites: null, bmWrites: null, upperPending: null, lowerPending: null,
      };
      r.devices.push(d);
    }
    return d;
  }

  private conn(r: DrbdResource, f: Record<string, string>): DrbdConnection {
    const id = fInt(f, 'peer-node-id');
    const name = f['conn-name'] ?? (id === null ? 'peer' : `peer-node-${id}`);
    let c = r.connections.find((x) => (id !== null && x.peerNodeId === id) || (id === null && x.name === name));
    if (!c) {
      c = { peerNodeId: id, name, connectionState: 'Unknown', peerRole: 'Unknown', congested: null, apInFlightBytes: null, rsInFlightBytes: null, peerDevices: [] };
      r.connections.push(c);
    }
    if (f['conn-name'] !== undefined) c.name = f['conn-name'];
    return c;
  }

  private peerDev(c: DrbdConnection, volume: number): DrbdPeerDevice {
    let p = c.peerDevices.find((x) => x.volume === volume);
    if (!p) {
      p = {
        volume, replicationState: 'Off', peerDiskState: 'DUnknown', peerClient: null, resyncSuspended: null, syncDonePercent: null,
        syncEtaSeconds: null, outOfSyncBytes: null, receivedBytes: null, sentBytes: null, pending: null, unacked: null,
      };
      c.peerDevices.push(p);
    }
    return p;
  }

  apply(l: Events2Line): void {
    if (l.object === '-' || l.object === 'path') return;
    const f = l.fields;
    const name = f['name']!;
    if (l.object === 'helper') {
      this.helpers.push(helperEventOf(l));
      return;
    }
    if (l.verb === 'rename') {
      const r = this.resources.get(name);
      const to = f['new_name'];
      if (r && to) {
        this.resources.delete(name);
        r.name = to;
        this.resources.set(to, r);
      }
      return;
    }
    const destroy = l.verb === 'destroy';
    const volume = fInt(f, 'volume');
    switch (l.object) {
      case 'resource': {
        if (destroy) {
          this.resources.delete(name);
          return;
        }
        const r = this.res(name);
        if (f['role'] !== undefined) r.role = f['role'];
        if (f['suspended'] !== undefined) r.suspended = f['suspended'] !== 'no';
        if (f['write-ordering'] !== undefined) r.writeOrdering = f['write-ordering'];
        const mp = fBool(f, 'may_promote');
        if (mp !== undefined) r.mayPromote = mp;
        const ps = fInt(f, 'promotion_score');
        if (ps !== null) r.promotionScore = ps;
        return;
      }
      case 'device': {
        if (volume === null) throw bad(`events2 device line without volume (resource ${name})`);
        const r = destroy ? this.resources.get(name) : this.res(name);
        if (!r) return;
        if (destroy) {
          r.devices = r.devices.filter((d) => d.volume !== volume);
          return;
        }
        const d = this.dev(r, volume);
        const minor = fInt(f, 'minor');
        if (minor !== null) d.minor = minor;
        if (f['disk'] !== undefined) d.diskState = f['disk'];
        if (f['backing_dev'] !== undefined) d.backingDevice = f['backing_dev'] === 'none' ? null : f['backing_dev'];
        for (const [k, key] of [['client', 'client'], ['open', 'open'], ['quorum', 'quorum']] as const) {
          const v = fBool(f, k);
          if (v !== undefined) d[key] = v;
        }
        // events2 --statistics prints sizes in KiB, like status
        const kib = (k: string) => times(fNum(f, k), KIB);
        d.sizeBytes = kib('size') ?? d.sizeBytes;
        d.readBytes = kib('read') ?? d.readBytes;
        d.writtenBytes = kib('written') ?? d.writtenBytes;
        d.alWrites = nonNeg(fNum(f, 'al-writes')) ?? d.alWrites;
        d.bmWrites = nonNeg(fNum(f, 'bm-writes')) ?? d.bmWrites;
        d.upperPending = nonNeg(fNum(f, 'upper-pending')) ?? d.upperPending;
        d.lowerPending = nonNeg(fNum(f, 'lower-pending')) ?? d.lowerPending;
        return;
      }
      case 'connection': {
        const r = destroy ? this.resources.get(name) : this.res(name);
        if (!r) return;
        const c = this.conn(r, f);
        if (destroy) {
          r.connections = r.connections.filter((x) => x !== c);
          return;
        }
        if (f['connection'] !== undefined) c.connectionState = f['connection'];
        if (f['role'] !== undefined) c.peerRole = f['role'];
        const cg = fBool(f, 'congested');
        if (cg !== undefined) c.congested = cg;
        c.apInFlightBytes = times(fNum(f, 'ap-in-flight'), SECTOR) ?? c.apInFlightBytes;
        c.rsInFlightBytes = times(fNum(f, 'rs-in-flight'), SECTOR) ?? c.rsInFlightBytes;
        return;
      }
      case 'peer-device': {
        if (volume === null) throw bad(`events2 peer-device line without volume (resource ${name})`);
        const r = destroy ? this.resources.get(name) : this.res(name);
        if (!r) return;
        const c = this.conn(r, f);
        if (destroy) {
          c.peerDevices = c.peerDevices.filter((p) => p.volume !== volume);
          return;
        }
        const p = this.peerDev(c, volume);
        if (f['replication'] !== undefined) p.replicationState = f['replication'];
        if (f['peer-disk'] !== undefined) p.peerDiskState = f['peer-disk'];
        const pc = fBool(f, 'peer-client');
        if (pc !== undefined) p.peerClient = pc;
        if (f['resync-suspended'] !== undefined) p.resyncSuspended = f['resync-suspended'];
        // out-of-sync, received and sent are in KiB in events2 (sectors / 2): converted to bytes
        p.outOfSyncBytes = times(fNum(f, 'out-of-sync'), KIB) ?? p.outOfSyncBytes;
        p.receivedBytes = times(fNum(f, 'received'), KIB) ?? p.receivedBytes;
        p.sentBytes = times(fNum(f, 'sent'), KIB) ?? p.sentBytes;
        p.pending = nonNeg(fNum(f, 'pending')) ?? p.pending;
        p.unacked = nonNeg(fNum(f, 'unacked')) ?? p.unacked;
        if (SYNC_STATES.has(p.replicationState)) {
          p.syncDonePercent = clampPct(fNum(f, 'done')) ?? p.syncDonePercent;
          const eta = fNum(f, 'eta');
          if (f['eta'] !== undefined) p.syncEtaSeconds = eta === null ? null : Math.max(0, eta);
        } else {
          // progress of a finished resync is stale: drbdsetup stops printing it, so drop it
          p.syncDonePercent = null;
          p.syncEtaSeconds = null;
        }
        return;
      }
    }
  }
}

/**
 * A `drbdsetup events2` output (e.g. `events2 --now --statistics`): the state that its lines build up, and every
 * helper call it shows. Empty lines are skipped; any other unreadable line fails the parse.
 */
export const parseDrbdEvents2 = (text: string): ParseResult<DrbdReport> => {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.every((l) => l.trim() === '')) return parseFailed(DRBD_PARSE_ERRORS.empty, 'empty drbdsetup events2 output');
  const state = new Events2State();
  try {
    lines.forEach((raw, i) => {
      const p = parseEvents2Line(raw);
      if (!p.ok) throw new ParseError(p.error.code, `line ${i + 1}: ${p.error.message}`);
      if (p.value !== null) state.apply(p.value);
    });
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e };
    return parseFailed(DRBD_PARSE_ERRORS.badValue, String(e), e);
  }
  const report = emptyReport('drbd-events2');
  report.resources = [...state.resources.values()];
  report.helperEvents = state.helpers;
  report.splitBrainHelperSeen = lastSplitBrain(state.helpers);
  return parsed(sortReport(report));
};

// ---------------------------------------------------------------------------------------------------------
// /proc/drbd (DRBD 8.0-8.4; DRBD 9 prints only the version lines)

/** DRBD 8.x `cs:` values that are connection states in DRBD 9 terms; the others are replication states of a connected peer. */
const PROC_CONNECTION_STATES: ReadonlySet<string> = new Set([
  'StandAlone',
  'Disconnecting',
  'Unconnected',
  'Timeout',
  'BrokenPipe',
  'NetworkFailure',
  'ProtocolError',
  'TearDown',
  'WFConnection',
  'WFReportParams',
]);

const WRITE_ORDERING: Readonly<Record<string, string>> = { n: 'none', d: 'drain', f: 'flush', b: 'barrier' };

/** `0:00:05` or `1:02:03:04`? DRBD prints h:mm:ss. */
const hms = (v: string): number | null => {
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(v);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null;
};

interface ProcDev {
  minor: number;
  cs: string;
  role: string | null;
  peerRole: string | null;
  disk: string | null;
  peerDisk: string | null;
  counters: Map<string, string>;
  syncPct: number | null;
  etaSeconds: number | null;
}

const procResource = (d: ProcDev): DrbdResource => {
  const n = (k: string): number | null => {
    const v = d.counters.get(k);
    if (v === undefined) return null;
    if (!/^\d+$/.test(v)) throw bad(`/proc/drbd minor ${d.minor}: ${k}:${v} is not a number`);
    return Number(v);
  };
  const isConn = PROC_CONNECTION_STATES.has(d.cs);
  const replicationState = isConn ? 'Off' : d.cs === 'Connected' ? 'Established' : d.cs;
  const syncing = SYNC_STATES.has(replicationState);
  const wo = d.counters.get('wo');
  return {
    name: `drbd${d.minor}`,
    nodeId: null,
    role: d.role ?? 'Unknown',
    suspended: null,
    writeOrdering: wo === undefined ? null : (WRITE_ORDERING[wo] ?? wo),
    mayPromote: null,
    promotionScore: null,
    devices: [
      {
        volume: 0,
        minor: d.minor,
        diskState: d.disk ?? 'DUnknown',
        client: null,
        quorum: null,
        open: null,
        backingDevice: null,
        sizeBytes: null,
        // dr/dw/ns/nr/oos are KiB
        readBytes: times(n('dr'), KIB),
        writtenBytes: times(n('dw'), KIB),
        alWrites: n('al'),
        bmWrites: n('bm'),
        // ap = application requests pending (upper), lo = local disk requests pending (lower)
        upperPending: n('ap'),
        lowerPending: n('lo'),
      },
    ],
    connections: [
      {
        peerNodeId: null,
        name: 'peer',
        connectionState: isConn ? d.cs : 'Connected',
        peerRole: d.peerRole ?? 'Unknown',
        congested: null,
        apInFlightBytes: null,
        rsInFlightBytes: null,
        peerDevices: [
          {
            volume: 0,
            replicationState,
            peerDiskState: d.peerDisk ?? 'DUnknown',
            peerClient: null,
            resyncSuspended: null,
            syncDonePercent: syncing ? d.syncPct : null,
            syncEtaSeconds: syncing ? d.etaSeconds : null,
            outOfSyncBytes: times(n('oos'), KIB),
            receivedBytes: times(n('nr'), KIB),
            sentBytes: times(n('ns'), KIB),
            pending: n('pe'),
            unacked: n('ua'),
          },
        ],
      },
    ],
  };
};

/** `/proc/drbd` of DRBD 8.0, 8.3 (`st:` in 8.0, `ro:` since 8.2) and 8.4; DRBD 9's version-only file gives no resources. */
export const parseProcDrbd = (text: string): ParseResult<DrbdReport> => {
  // DRBD 8.3 pads some lines with NUL bytes (seen in ganeti's 8.3.1 sample)
  const lines = text.replace(/^\uFEFF/, '').replace(/\u0000/g, '').split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return parseFailed(DRBD_PARSE_ERRORS.empty, 'empty /proc/drbd');
  const vm = /^version:\s*(\S+)/.exec(lines[first]!.trim());
  if (!vm) return parseFailed(DRBD_PARSE_ERRORS.unknownFormat, `not /proc/drbd: ${lines[first]!.trim().slice(0, 200)}`);
  const report = emptyReport('proc-drbd');
  report.kernelVersion = vm[1]!;
  const devs: ProcDev[] = [];
  let cur: ProcDev | undefined;
  try {
    for (let i = first + 1; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      const dm = /^(\d+):\s+cs:(\S+)(.*)$/.exec(line);
      if (dm) {
        const minor = Number(dm[1]);
        if (dm[2] === 'Unconfigured') {
          report.unconfiguredMinors.push(minor);
          cur = undefined;
          continue;
        }
        cur = { minor, cs: dm[2]!, role: null, peerRole: null, disk: null, peerDisk: null, counters: new Map(), syncPct: null, etaSeconds: null };
        for (const t of dm[3]!.trim().split(/\s+/)) {
          const rm = /^(ro|st|ds):([^/]+)\/(.+)$/.exec(t);
          if (!rm) continue;
          if (rm[1] === 'ds') [cur.disk, cur.peerDisk] = [rm[2]!, rm[3]!];
          else [cur.role, cur.peerRole] = [rm[2]!, rm[3]!];
        }
        if (cur.role === null || cur.disk === null) {
          throw new ParseError(DRBD_PARSE_ERRORS.truncated, `/proc/drbd minor ${minor}: no roles or disk states (line ${i + 1})`);
        }
        devs.push(cur);
        continue;
      }
      if (/^(GIT-hash|srcversion|Transports|build by|drbd)\b/i.test(line) && devs.length === 0) continue;
      if (/^(resync|act_log):/.test(line)) continue;
      const sync = /^\[[=>.]*\]\s*(?:sync'ed|verified):\s*([\d.]+)%/.exec(line);
      if (sync) {
        if (cur) cur.syncPct = Math.min(100, Number(sync[1]));
        continue;
      }
      const fin = /^finish:\s*(\S+)/.exec(line);
      if (fin) {
        if (cur) cur.etaSeconds = hms(fin[1]!);
        continue;
      }
      if (/^\w+:\S*(\s+\w+:\S*)*$/.test(line) && cur) {
        for (const t of line.split(/\s+/)) {
          const c = t.indexOf(':');
          cur.counters.set(t.slice(0, c), t.slice(c + 1));
        }
        continue;
      }
      throw new ParseError(DRBD_PARSE_ERRORS.badLine, `/proc/drbd line ${i + 1} not understood: ${line.slice(0, 200)}`);
    }
    report.resources = devs.map(procResource);
    return parsed(sortReport(report));
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e };
    return parseFailed(DRBD_PARSE_ERRORS.badValue, String(e), e);
  }
};

/** The major version in /proc/drbd's `version:` (8 or 9), or null. */
export const drbdMajor = (kernelVersion: string | null): number | null => {
  const m = /^(\d+)\./.exec(kernelVersion ?? '');
  return m ? Number(m[1]) : null;
};
