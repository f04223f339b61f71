// The collector's SNMP agent: read-only, v2c communities and v3 USM users (authPriv, SHA/SHA-256 + AES),
// GET, GETNEXT and GETBULK over HAWATCH-MIB and the system group.
//
// npm net-snmp does the transport, message decoding, community and USM checks, encryption and BER encoding.
// The answers come from a sorted view of one model snapshot (view.ts) instead of net-snmp's MIB tree, whose
// GETNEXT is O(children) per step: the request handlers of the agent instance are replaced (see Internals).
//
// Consistency: a walk is served from ONE snapshot. A GETNEXT/GETBULK that continues a walk (it starts from the
// OIDs of the previous answer to the same manager, i.e. the same address, port, version and security name), or
// a retransmission (same request id), gets the view that walk started on, as long as the walk keeps moving
// (gaps under walkIdleMs) and is younger than walkMaxMs. Any other request starts a new walk on the newest view,
// which is rebuilt from model.snapshot() when it is older than viewReuseMs (2 s, or 5× the last build time for a
// large model): many managers polling at once share one snapshot, and a poller never sees data older than that.
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { Socket } from 'node:dgram';
import type { Logger } from 'pino';
import snmp from 'net-snmp';
import type { ModelSnapshot } from '../model/model.js';
import type { Alert } from '../alerts/types.js';
import type { LiveSlaFigures } from '../sla/live.js';
import { SNMP_ERRORS, SnmpError } from './errors.js';
import { loadHawatchMib, type HawatchMib, type Oid } from './mib.js';
import { buildRows } from './rows.js';
import { buildView, checkMibCoversRows, type SnmpView, type Varbind } from './view.js';

export interface SnmpV3User {
  name: string;
  authProtocol: 'sha' | 'sha256';
  authKey: string;
  privProtocol: 'aes';
  privKey: string;
}

export interface SnmpAgentOptions {
  model: { snapshot(): ModelSnapshot };
  /** The alert engine's open alerts (AlertEngine.openAlerts), read with each snapshot for hawatchAlertTable. */
  alerts?: () => readonly Alert[];
  /** The current periods' SLA figures (cached by collector/sla/live.ts), read with each snapshot for hawatchAvailTable. */
  availability?: () => readonly LiveSlaFigures[];
  listen: { host: string; port: number };
  communities: readonly string[];
  v3Users: readonly SnmpV3User[];
  logger: Logger;
  /** The folder holding HAWATCH-MIB.txt (the repository's mibs/). */
  mibDir: string;
  collectorVersion?: string;
  /** Hex snmpEngineID, so the v3 engine keeps its identity across restarts (net-snmp makes a random one). */
  engineId?: string;
  system?: { descr?: string; contact?: string; name?: string; location?: string };
  now?: () => number;
  /** A new walk reuses the newest snapshot while it is younger than this (default 2000 ms). */
  viewReuseMs?: number;
  /** A walk that pauses longer than this starts over on a newer snapshot (default 10000 ms). */
  walkIdleMs?: number;
  /** No walk is served from a snapshot older than this (default 60000 ms). */
  walkMaxMs?: number;
  /**
   * Upper bound of a GETBULK answer (default: a UDP datagram, 65507). Lower it where big fragmented datagrams get
   * lost between the NMS and the collector; a v3 manager's msgMaxSize lowers it too.
   */
  maxResponseBytes?: number;
}

export interface RunningSnmpAgent {
  port: number;
  mib: HawatchMib;
  /** sysUpTime now, in hundredths of a second: notifications carry it. */
  upTime(): number;
  close(): Promise<void>;
}

// ---- Internals of npm net-snmp 3.29.2 used here; its typings declare createAgent as any ---------------------------

interface RequestVarbind {
  oid: string;
  type?: number;
  value?: unknown;
}
interface RequestPdu {
  id: number;
  type: number;
  varbinds: RequestVarbind[];
  nonRepeaters?: number;
  maxRepetitions?: number;
  getResponsePduForRequest(): ResponsePdu;
}
interface ResponsePdu {
  varbinds: Varbind[];
  errorStatus?: number;
  errorIndex?: number;
}
interface RequestMessage {
  version: number;
  community?: string;
  user?: { name: string };
  pdu: RequestPdu;
  msgGlobalData?: { msgMaxSize?: number };
}
interface RemoteInfo {
  address: string;
  port: number;
}
type RequestHandler = (socket: Socket, message: RequestMessage, rinfo: RemoteInfo) => void;
interface NpmAgent {
  getRequest: RequestHandler;
  getNextRequest: RequestHandler;
  getBulkRequest: RequestHandler;
  setRequest: RequestHandler;
  sendResponse(socket: Socket, rinfo: RemoteInfo, message: RequestMessage, pdu: ResponsePdu): void;
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: snmp.User): void };
  listener: { sockets: Record<string, Socket> };
  close(cb: () => void): void;
}

// ---- the view cache: one snapshot per walk ---------------------------------------------------------------------

interface Walk {
  view: SnmpView;
  startedAt: number;
  lastAt: number;
  /** The request id last answered: a retransmission repeats it. */
  lastRequestId: number | null;
  /** The OIDs of the last answer: the next step of a walk starts from them. */
  returned: Set<string>;
}

/** What the cache needs to know of a request. */
export interface WalkStep {
  requestId: number;
  oids: readonly string[];
  /** GETNEXT and GETBULK move a walk on; a GET repeated by a poller must not pin an old view. */
  moves: boolean;
}

const MAX_WALKS = 512;
const BUILD_COST_FACTOR = 5;

export class ViewCache {
  private latest: { view: SnmpView; builtAt: number } | null = null;
  private buildMs = 0;
  private readonly walks = new Map<string, Walk>();

  constructor(
    private readonly build: () => SnmpView,
    private readonly now: () => number,
    private readonly reuseMs: number,
    private readonly idleMs: number,
    private readonly maxMs: number,
  ) {}

  /** The view for a request from `manager`: the walk's own view if it continues one, else the newest. */
  viewFor(manager: string, step: WalkStep): SnmpView {
    const t = this.now();
    const w = this.walks.get(manager);
    this.walks.delete(manager); // re-inserted below: Map order is the LRU order
    const continues =
      w !== undefined &&
      t - w.lastAt <= this.idleMs &&
      t - w.startedAt <= this.maxMs &&
      (step.requestId === w.lastRequestId || (step.moves && step.oids.length > 0 && step.oids.every((o) => w.returned.has(o))));
    if (continues) {
      w.lastAt = t;
      this.walks.set(manager, w);
      return w.view;
    }
    const view = this.current(t);
    this.walks.set(manager, { view, startedAt: t, lastAt: t, lastRequestId: null, returned: new Set() });
    this.evict(t);
    return view;
  }

  /** Record what a manager got, so that its next request can be recognised as the same walk. */
  answered(manager: string, requestId: number, returned: readonly string[]): void {
    const w = this.walks.get(manager);
    if (!w) return;
    w.lastRequestId = requestId;
    w.returned = new Set(returned);
  }

  private current(t: number): SnmpView {
    // A large model takes long to snapshot (1000 nodes: ~1 s); sharing each view for at least 5× its build time
    // keeps polling NMSs from spending more than ~20% of the event loop on SNMP.
    const reuse = Math.max(this.reuseMs, BUILD_COST_FACTOR * this.buildMs);
    if (this.latest && t - this.latest.builtAt < reuse) return this.latest.view;
    const t0 = performance.now();
    const view = this.build();
    this.buildMs = performance.now() - t0;
    this.latest = { view, builtAt: t };
    return view;
  }

  /** Drop idle walks (they pin old views) and keep the table bounded. */
  private evict(t: number): void {
    for (const [k, w] of this.walks) {
      if (this.walks.size <= MAX_WALKS && t - w.lastAt <= this.idleMs) break;
      this.walks.delete(k);
    }
  }
}

// ---- request handling ---------------------------------------------------------------------------------------------

const ERR = { noError: 0, tooBig: 1, genErr: 5, notWritable: 17 } as const;
/** Room left for the message header and USM parameters around the varbinds. */
const HEADER_ROOM = 400;
const UDP_MAX = 65507;

const parseOid = (s: string): Oid | null => {
  const parts = s.split('.').map(Number);
  return parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 0xffffffff) ? parts : null;
};

const subidBytes = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/** An upper estimate of a varbind's BER size, to keep a GETBULK answer within the manager's message size. */
const varbindBytes = (vb: Varbind): number => {
  let oid = 0;
  for (const p of vb.oid.split('.')) oid += subidBytes(Number(p));
  const v = vb.value;
  const value = v === null ? 0 : typeof v === 'number' ? 5 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  return oid + value + 12;
};

const endOfMib = (oid: string): Varbind => ({ oid, type: snmp.ObjectType.EndOfMibView, value: null });

interface Answer {
  varbinds: Varbind[];
  errorStatus: number;
  errorIndex: number;
}

const getNext = (view: SnmpView, oid: string): Varbind => {
  const o = parseOid(oid);
  const n = o === null ? null : view.next(o);
  return n === null ? endOfMib(oid) : n.vb;
};

export const answerGet = (view: SnmpView, oids: readonly string[]): Answer => ({
  varbinds: oids.map((oid) => {
    const o = parseOid(oid);
    const r = o === null ? ({ missing: 'noSuchObject' } as const) : view.get(o);
    if ('found' in r) return r.found;
    return { oid, type: r.missing === 'noSuchObject' ? snmp.ObjectType.NoSuchObject : snmp.ObjectType.NoSuchInstance, value: null };
  }),
  errorStatus: ERR.noError,
  errorIndex: 0,
});

export const answerGetNext = (view: SnmpView, oids: readonly string[]): Answer => ({
  varbinds: oids.map((oid) => getNext(view, oid)),
  errorStatus: ERR.noError,
  errorIndex: 0,
});

/** RFC 3416 4.2.3, stopping early once every repeater is past the end or the answer would not fit. */
export const answerGetBulk = (view: SnmpView, oids: readonly string[], nonRepeaters: number, maxRepetitions: number, maxBytes: number): Answer => {
  const n = Math.min(Math.max(nonRepeaters, 0), oids.length);
  const m = Math.max(maxRepetitions, 0);
  const out: Varbind[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const vb = getNext(view, oids[i] as string);
    bytes += varbindBytes(vb);
    out.push(vb);
  }
  if (bytes > maxBytes) return { varbinds: [], errorStatus: ERR.tooBig, errorIndex: 0 };
  let cursors = oids.slice(n);
  for (let r = 0; r < m && cursors.length > 0; r++) {
    const row = cursors.map((oid) => getNext(view, oid));
    const rowBytes = row.reduce((s, vb) => s + varbindBytes(vb), 0);
    if (bytes + rowBytes > maxBytes) break;
    bytes += rowBytes;
    out.push(...row);
    if (row.every((vb) => vb.type === snmp.ObjectType.EndOfMibView)) break;
    cursors = row.map((vb) => vb.oid);
  }
  return { varbinds: out, errorStatus: ERR.noError, errorIndex: 0 };
};

const validate = (o: SnmpAgentOptions): void => {
  const fail = (msg: string) => {
    throw new SnmpError(SNMP_ERRORS.config, msg);
  };
  if (!Number.isInteger(o.listen.port) || o.listen.port < 1 || o.listen.port > 65535) {
    // npm net-snmp turns port 0 into 161, so an ephemeral port cannot be asked for.
    fail(`snmp listen port must be 1..65535, got ${o.listen.port}`);
  }
  if (o.communities.length === 0 && o.v3Users.length === 0) fail('snmp needs at least one community or v3 user, or it answers nobody');
  for (const c of o.communities) if (c.length === 0) fail('snmp community must not be empty');
  for (const u of o.v3Users) {
    if (u.name.length === 0 || u.name.length > 32) fail('snmp v3 user name must be 1..32 characters');
    // RFC 3414 11.2 and Net-SNMP's tools refuse shorter passphrases.
    if (u.authKey.length < 8 || u.privKey.length < 8) fail(`snmp v3 user ${u.name}: authKey and privKey need at least 8 characters`);
  }
  if (o.maxResponseBytes !== undefined && !(o.maxResponseBytes >= 1472 && o.maxResponseBytes <= UDP_MAX)) fail(`snmp maxResponseBytes must be 1472..${UDP_MAX}`);
  if (o.engineId !== undefined && !/^(0x)?([0-9a-fA-F]{2}){5,32}$/.test(o.engineId)) fail('snmp engineId must be 5..32 octets of hex');
};

const AUTH = { sha: snmp.AuthProtocols.sha, sha256: snmp.AuthProtocols.sha256 } as const;

/** Start the agent; resolves once the UDP socket is bound. */
export const startSnmpAgent = async (o: SnmpAgentOptions): Promise<RunningSnmpAgent> => {
  validate(o);
  const log = o.logger;
  const now = o.now ?? Date.now;
  const mib = loadHawatchMib(o.mibDir);
  const problems = checkMibCoversRows(mib);
  if (problems.length > 0) throw new SnmpError(SNMP_ERRORS.mib, `${o.mibDir}: MIB and agent disagree: ${problems.join('; ')}`);

  const startedAt = now();
  const upTime = () => Math.floor(Math.max(0, now() - startedAt) / 10);
  const version = o.collectorVersion ?? 'unknown';
  const reported = new Set<string>();
  const build = (): SnmpView => {
    const t0 = performance.now();
    const snapshot = o.model.snapshot();
    const view = buildView(
      mib,
      buildRows(snapshot, version, o.alerts?.() ?? [], o.availability?.() ?? []),
      {
        sysDescr: o.system?.descr ?? `hawatch collector ${version}`,
        sysContact: o.system?.contact ?? '',
        sysName: o.system?.name ?? hostname(),
        sysLocation: o.system?.location ?? '',
        sysUpTime: upTime(),
      },
      snapshot.takenAtMs,
    );
    for (const p of view.problems) {
      if (reported.has(p)) continue;
      if (reported.size < 1000) reported.add(p);
      log.warn({ problem: p }, 'snmp: a model value does not fit its MIB object; that cell is left out');
    }
    log.debug({ varbinds: view.size, ms: Math.round(performance.now() - t0) }, 'snmp: view built from a model snapshot');
    return view;
  };
  const cache = new ViewCache(build, now, o.viewReuseMs ?? 2000, o.walkIdleMs ?? 10_000, o.walkMaxMs ?? 60_000);

  const transport = isIP(o.listen.host) === 6 ? 'udp6' : 'udp4';
  const agent = snmp.createAgent(
    {
      port: o.listen.port,
      address: o.listen.host,
      transport,
      ...(o.engineId === undefined ? {} : { engineID: o.engineId }),
    },
    (error: (Error & { rinfo?: RemoteInfo }) | null) => {
      // net-snmp calls back with null after each response it sends; only errors matter here.
      if (!error) return;
      log.debug({ err: error.message, from: error.rinfo ? `${error.rinfo.address}:${error.rinfo.port}` : undefined }, 'snmp: request dropped');
    },
  ) as NpmAgent;
  const auth = agent.getAuthorizer();
  for (const c of o.communities) auth.addCommunity(c);
  for (const u of o.v3Users) {
    auth.addUser({
      name: u.name,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: AUTH[u.authProtocol],
      authKey: u.authKey,
      privProtocol: snmp.PrivProtocols.aes,
      privKey: u.privKey,
    });
  }

  const serve = (kind: 'get' | 'getnext' | 'getbulk' | 'set'): RequestHandler => (socket, message, rinfo) => {
    try {
      if (message.version === snmp.Version1) {
        log.debug({ from: `${rinfo.address}:${rinfo.port}` }, 'snmp: SNMPv1 request ignored (v2c and v3 only)');
        return;
      }
      const pdu = message.pdu;
      const oids = pdu.varbinds.map((v) => v.oid);
      const response = pdu.getResponsePduForRequest();
      let answer: Answer;
      if (kind === 'set') {
        // Read-only agent: every object is notWritable (RFC 3416 4.2.5).
        answer = { varbinds: pdu.varbinds.map((v) => ({ oid: v.oid, type: snmp.ObjectType.Null, value: null })), errorStatus: ERR.notWritable, errorIndex: 1 };
      } else {
        const manager = `${rinfo.address}:${rinfo.port}/${message.version}/${message.user?.name ?? message.community ?? ''}`;
        const view = cache.viewFor(manager, { requestId: pdu.id, oids, moves: kind !== 'get' });
        const maxBytes = Math.min(message.msgGlobalData?.msgMaxSize ?? UDP_MAX, o.maxResponseBytes ?? UDP_MAX, UDP_MAX) - HEADER_ROOM;
        answer =
          kind === 'get' ? answerGet(view, oids)
          : kind === 'getnext' ? answerGetNext(view, oids)
          : answerGetBulk(view, oids, pdu.nonRepeaters ?? 0, pdu.maxRepetitions ?? 0, maxBytes);
        cache.answered(manager, pdu.id, answer.varbinds.map((v) => v.oid));
      }
      response.varbinds = answer.varbinds;
      response.errorStatus = answer.errorStatus;
      response.errorIndex = answer.errorIndex;
      agent.sendResponse(socket, rinfo, message, response);
    } catch (e) {
      // A throw here would escape from the socket's message event and end the collector.
      log.error({ err: e }, 'snmp: request failed');
    }
  };
  agent.getRequest = serve('get');
  agent.getNextRequest = serve('getnext');
  agent.getBulkRequest = serve('getbulk');
  agent.setRequest = serve('set');

  const sockets = Object.values(agent.listener.sockets);
  const socket = sockets[0];
  if (!socket) throw new SnmpError(SNMP_ERRORS.listen, 'net-snmp created no socket');
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => {
      socket.off('listening', onListening);
      reject(new SnmpError(SNMP_ERRORS.listen, `cannot listen on udp ${o.listen.host}:${o.listen.port}: ${e.message}`, { cause: e }));
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
  }).catch((e: unknown) => {
    try {
      socket.close();
    } catch (closeError) {
      log.debug({ err: closeError }, 'snmp: socket already closed after the failed bind');
    }
    throw e;
  });
  const port = socket.address().port;
  log.info({ host: o.listen.host, port, communities: o.communities.length, v3Users: o.v3Users.map((u) => u.name) }, 'snmp agent listening');

  let closing: Promise<void> | null = null;
  return {
    port,
    mib,
    upTime,
    close: () => {
      closing ??= new Promise<void>((resolve) => agent.close(() => resolve()));
      return closing;
    },
  };
};
