// Pure assembly of the vrrp report from what each source said: the notify-FIFO history, keepalived's dumps,
// keepalived.conf, and `ip -j addr show`. keepalived's word is the claim; the addresses on the interfaces are the
// ground truth, and both are kept side by side so the collector can tell a claim from a fact.
import type { VrrpGroup, VrrpInstance, VrrpProblem, VrrpReport, VrrpSourceName, VrrpStateName, VrrpStateSource, VrrpVip } from '../../protocol/vrrp.js';
import {
  parseIpAddrJson,
  parseKeepalivedConf,
  parseKeepalivedJson,
  parseKeepalivedText,
  parseNotifyFifoLine,
  type DumpGroup,
  type DumpInstance,
  type FifoEvent,
  type IpInterface,
  type KeepalivedConf,
  type KeepalivedJsonDump,
  type KeepalivedTextDump,
  type VipSpec,
} from './parse.js';

/** The latest FIFO word for one instance or group. */
export interface FifoEntry {
  word: string;
  /** null: a word this probe does not know; the state stays what it was. */
  state: VrrpStateName | null;
  priority: number;
  /** When it was read (ms; epoch in the agent, any common clock in a replay), null when not known. */
  atMs: number | null;
}

/** What the notify FIFO has said so far: the latest entry per instance and per sync group. */
export interface FifoMemory {
  instances: ReadonlyMap<string, FifoEntry>;
  groups: ReadonlyMap<string, FifoEntry>;
  lines: number;
  badLines: number;
}

export const emptyFifoMemory = (): FifoMemory => ({ instances: new Map(), groups: new Map(), lines: 0, badLines: 0 });

/** The memory after one FIFO event (pure: returns a new memory). */
export const applyFifoEvent = (m: FifoMemory, e: FifoEvent, atMs: number | null): FifoMemory => {
  if (e.type === 'checker') return { ...m, lines: m.lines + 1 };
  const list = e.type === 'instance' ? m.instances : m.groups;
  const prev = list.get(e.name);
  const next = new Map(list);
  next.set(e.name, { word: e.word, state: e.state ?? prev?.state ?? null, priority: e.priority, atMs });
  return e.type === 'instance' ? { ...m, instances: next, lines: m.lines + 1 } : { ...m, groups: next, lines: m.lines + 1 };
};

/** The memory after one raw FIFO line; a line that is not keepalived's is counted, not applied. */
export const applyFifoLine = (m: FifoMemory, line: string, atMs: number | null): FifoMemory => {
  const r = parseNotifyFifoLine(line);
  return r.ok ? applyFifoEvent(m, r.value, atMs) : { ...m, badLines: m.badLines + 1 };
};

export interface VrrpInputs {
  keepalived?: VrrpReport['keepalived'];
  /** The FIFO reader's status; null/absent when the probe does not watch one. */
  fifo?: { path: string; open: boolean } | null;
  fifoMemory?: FifoMemory | null;
  json?: { dump: KeepalivedJsonDump; atMs: number | null } | null;
  data?: { dump: Extract<KeepalivedTextDump, { kind: 'data' }>; atMs: number | null } | null;
  stats?: { dump: Extract<KeepalivedTextDump, { kind: 'stats' }>; atMs: number | null } | null;
  conf?: KeepalivedConf | null;
  ip?: IpInterface[] | null;
  problems?: readonly VrrpProblem[];
}

interface Claim {
  source: Exclude<VrrpStateSource, 'process' | 'none'>;
  state: VrrpStateName;
  priority: number | null;
  atMs: number | null;
}

/**
 * The claim to believe: candidates come in order of preference (FIFO, JSON dump, data dump); a later one wins
 * only when both times are known and it is strictly newer. A FIFO line is an event, a dump a snapshot taken
 * whenever someone signalled keepalived, so without times the FIFO wins.
 */
const newest = (claims: readonly Claim[]): Claim | null => {
  let best: Claim | null = null;
  for (const c of claims) {
    if (best === null || (best.atMs !== null && c.atMs !== null && c.atMs > best.atMs)) best = c;
  }
  return best;
};

const sameAddress = (vip: VipSpec, ip: IpInterface[]): IpInterface | undefined =>
  ip.find((i) => i.addresses.some((a) => a.family === vip.family && a.address === vip.address));

const toVip = (spec: VipSpec, excluded: boolean, ip: IpInterface[] | null): VrrpVip => {
  const on = ip === null ? undefined : sameAddress(spec, ip);
  return {
    address: spec.address,
    family: spec.family,
    prefixLength: spec.prefixLength,
    device: spec.device,
    label: spec.label,
    excluded,
    present: ip === null ? null : on !== undefined,
    presentOn: on?.name ?? null,
    keepalivedSet: spec.set,
  };
};

/** The instance's base interface: keepalived.conf, the data dump's `vmac on X`, or the VMAC's parent in `ip`. */
const baseInterface = (c: KeepalivedConf['instances'][number] | undefined, d: DumpInstance | undefined, j: DumpInstance | undefined, vmac: string | null, ip: IpInterface[] | null): string | null => {
  if (c?.interface) return c.interface;
  if (d?.baseInterface) return d.baseInterface;
  const dumped = d?.interface ?? j?.interface ?? null;
  if (dumped === null) return null;
  // keepalived 2.2.7's JSON gives the VMAC as ifp_ifname under use_vmac; its parent is in `ip -j` as `link`.
  if (vmac !== null && dumped === vmac) return ip?.find((i) => i.name === vmac)?.link ?? null;
  return dumped;
};

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const buildInstance = (name: string, inp: VrrpInputs, running: boolean | null): VrrpInstance => {
  const ip = inp.ip ?? null;
  const c = inp.conf?.instances.find((x) => x.name === name);
  const j = inp.json?.dump.instances.find((x) => x.name === name);
  const d = inp.data?.dump.instances.find((x) => x.name === name);
  const f = inp.fifoMemory?.instances.get(name);
  const vmacInterface = j?.vmacInterface ?? d?.vmacInterface ?? c?.vmacInterface ?? null;
  const iface = baseInterface(c, d, j, vmacInterface, ip);

  const claims: Claim[] = [];
  if (f !== undefined && f.state !== null) claims.push({ source: 'keepalived-fifo', state: f.state, priority: f.priority, atMs: f.atMs });
  if (j !== undefined) claims.push({ source: 'keepalived-json', state: j.state, priority: j.effectivePriority, atMs: inp.json?.atMs ?? null });
  if (d !== undefined) claims.push({ source: 'keepalived-data', state: d.state, priority: d.effectivePriority, atMs: inp.data?.atMs ?? null });
  const claim = newest(claims);
  const withPriority = newest(claims.filter((x) => x.priority !== null));

  let state: VrrpStateName = claim?.state ?? 'UNKNOWN';
  let stateSource: VrrpStateSource = claim?.source ?? 'none';
  let claimedState: VrrpStateName | null = null;
  if (running === false && claim?.state !== 'DELETED') {
    // keepalived is gone: whatever it said last (MASTER, after a crash) is no longer true; keep it as the claim.
    // A DELETED instance stays deleted: it is not part of the configuration that would start again.
    if (claim !== null && claim.state !== 'STOP') claimedState = claim.state;
    state = 'STOP';
    stateSource = 'process';
  }

  // Master priority/router and the transition time only mean something while the dump's state is still current.
  const dump = j ?? d;
  const dumpCurrent = (x: DumpInstance | undefined): boolean => x !== undefined && (claim?.state ?? null) === x.state;
  const specs = j ?? d;
  const vips: VrrpVip[] =
    specs !== undefined
      ? [...specs.vips.map((v) => toVip(v, false, ip)), ...specs.excludedVips.map((v) => toVip(v, true, ip))]
      : [...(c?.vips ?? []).map((v) => toVip(v, false, ip)), ...(c?.excludedVips ?? []).map((v) => toVip(v, true, ip))];
  const ifaceInfo = iface === null || ip === null ? undefined : ip.find((i) => i.name === iface);

  return {
    name,
    vrid: dump?.vrid ?? c?.vrid ?? null,
    interface: iface,
    vmacInterface,
    version: dump?.version ?? c?.version ?? null,
    state,
    stateSource,
    claimedState,
    configuredState: c?.state ?? null,
    priority: dump?.basePriority ?? c?.priority ?? null,
    effectivePriority: withPriority?.priority ?? null,
    // keepalived 2.2.7 keeps the last master's priority in its JSON after becoming MASTER itself; only a BACKUP's is current.
    masterPriority: state !== 'BACKUP' ? null : dumpCurrent(j) ? (j?.masterPriority ?? null) : dumpCurrent(d) ? (d?.masterPriority ?? null) : null,
    masterRouter: state === 'BACKUP' && dumpCurrent(d) ? (d?.masterRouter ?? null) : null,
    lastEvent: f?.word ?? null,
    lastTransition: dumpCurrent(j) ? (j?.lastTransition ?? null) : dumpCurrent(d) ? (d?.lastTransition ?? null) : null,
    interfaceUp: ip === null || iface === null ? null : ifaceInfo !== undefined && ifaceInfo.up && ifaceInfo.lowerUp,
    vips,
    stats: j?.stats ?? inp.stats?.dump.instances.find((x) => x.name === name)?.stats ?? null,
  };
};

const buildGroup = (name: string, inp: VrrpInputs, running: boolean | null): VrrpGroup => {
  const c = inp.conf?.groups.find((g) => g.name === name);
  const d: DumpGroup | undefined = inp.data?.dump.groups.find((g) => g.name === name);
  const f = inp.fifoMemory?.groups.get(name);
  const claims: Claim[] = [];
  if (f !== undefined && f.state !== null) claims.push({ source: 'keepalived-fifo', state: f.state, priority: null, atMs: f.atMs });
  if (d !== undefined) claims.push({ source: 'keepalived-data', state: d.state, priority: null, atMs: inp.data?.atMs ?? null });
  const claim = newest(claims);
  return {
    name,
    state: running === false ? 'STOP' : (claim?.state ?? 'UNKNOWN'),
    stateSource: running === false ? 'process' : (claim?.source ?? 'none'),
    members: d?.members ?? c?.members ?? [],
  };
};

/** The report from parsed inputs. Instances and groups are sorted by name; VIPs keep keepalived's order. */
export const buildVrrpReport = (inp: VrrpInputs): VrrpReport => {
  const running = inp.keepalived?.running ?? null;
  const names = new Set<string>([
    ...(inp.conf?.instances.map((i) => i.name) ?? []),
    ...(inp.json?.dump.instances.map((i) => i.name) ?? []),
    ...(inp.data?.dump.instances.map((i) => i.name) ?? []),
    ...(inp.fifoMemory?.instances.keys() ?? []),
  ]);
  const groupNames = new Set<string>([
    ...(inp.conf?.groups.map((g) => g.name) ?? []),
    ...(inp.data?.dump.groups.map((g) => g.name) ?? []),
    ...(inp.fifoMemory?.groups.keys() ?? []),
  ]);
  const sources: VrrpSourceName[] = [];
  const mem = inp.fifoMemory;
  if (mem && (mem.instances.size > 0 || mem.groups.size > 0)) sources.push('keepalived-fifo');
  if (inp.json) sources.push('keepalived-json');
  if (inp.data) sources.push('keepalived-data');
  if (inp.stats) sources.push('keepalived-stats');
  if (inp.conf) sources.push('keepalived-conf');
  if (inp.ip) sources.push('ip-addr-json');
  return {
    keepalived: inp.keepalived ?? { running: null, pid: null, version: null },
    fifo: inp.fifo ? { path: inp.fifo.path, open: inp.fifo.open, lines: mem?.lines ?? 0, badLines: mem?.badLines ?? 0 } : null,
    jsonDumpAt: inp.json?.atMs ?? null,
    sources,
    instances: [...names].sort(cmp).map((n) => buildInstance(n, inp, running)),
    groups: [...groupNames].sort(cmp).map((n) => buildGroup(n, inp, running)),
    problems: [...(inp.problems ?? [])],
  };
};

/** A recorded FIFO line, optionally with the time it was read. */
export type FifoLineInput = string | { line: string; atMs: number };
/** A recorded dump, optionally with its time (the file's mtime, or when it was taken). */
export type DumpInput = string | { text: string; atMs: number };

export interface VrrpRecordings {
  /** Notify-FIFO lines in the order they were read (each without its newline; a text with several lines is split). */
  fifoLines?: readonly FifoLineInput[] | null;
  /** `ip -j addr show` output. */
  ipAddrJson?: string | null;
  /** /tmp/keepalived.json */
  jsonDump?: DumpInput | null;
  /** /tmp/keepalived.data */
  dataDump?: DumpInput | null;
  /** /tmp/keepalived.stats */
  statsDump?: DumpInput | null;
  /** keepalived.conf text */
  conf?: string | null;
  /** keepalived's config id for `@id` lines in keepalived.conf */
  configId?: string | null;
  keepalived?: VrrpReport['keepalived'];
}

const textOf = (d: DumpInput): { text: string; atMs: number | null } => (typeof d === 'string' ? { text: d, atMs: null } : { text: d.text, atMs: d.atMs });

/**
 * A report from recorded outputs (the demo's replay, `hawatch parse`, tests): every input is optional; one that
 * cannot be read becomes a `problems` entry and the report is built from the rest.
 */
export const vrrpReportFrom = (rec: VrrpRecordings): VrrpReport => {
  const problems: VrrpProblem[] = [];
  const inputs: VrrpInputs = { problems };
  if (rec.keepalived !== undefined) inputs.keepalived = rec.keepalived;
  if (rec.fifoLines) {
    let mem = emptyFifoMemory();
    for (const item of rec.fifoLines) {
      const { line, atMs } = typeof item === 'string' ? { line: item, atMs: null } : item;
      for (const l of line.split('\n')) {
        if (l.trim() === '') continue;
        const before = mem.badLines;
        mem = applyFifoLine(mem, l, atMs);
        if (mem.badLines > before && problems.length < 20) {
          problems.push({ source: 'keepalived-fifo', code: 'vrrp.fifo_bad_line', message: `not a keepalived notify-FIFO line: ${JSON.stringify(l.slice(0, 200))}` });
        }
      }
    }
    inputs.fifoMemory = mem;
  }
  if (rec.ipAddrJson != null) {
    const r = parseIpAddrJson(rec.ipAddrJson);
    if (r.ok) inputs.ip = r.value;
    else problems.push({ source: 'ip-addr-json', code: r.error.code, message: r.error.message });
  }
  if (rec.jsonDump != null) {
    const { text, atMs } = textOf(rec.jsonDump);
    const r = parseKeepalivedJson(text);
    if (r.ok) inputs.json = { dump: r.value, atMs };
    else problems.push({ source: 'keepalived-json', code: r.error.code, message: r.error.message });
  }
  for (const [key, input] of [
    ['data', rec.dataDump],
    ['stats', rec.statsDump],
  ] as const) {
    if (input == null) continue;
    const { text, atMs } = textOf(input);
    const r = parseKeepalivedText(text);
    const source = key === 'data' ? 'keepalived-data' : 'keepalived-stats';
    if (!r.ok) problems.push({ source, code: r.error.code, message: r.error.message });
    else if (r.value.kind === 'data' && key === 'data') inputs.data = { dump: r.value, atMs };
    else if (r.value.kind === 'stats' && key === 'stats') inputs.stats = { dump: r.value, atMs };
    else problems.push({ source, code: 'vrrp.unknown_format', message: `expected the ${key} dump, got the ${r.value.kind} dump` });
  }
  if (rec.conf != null) {
    const r = parseKeepalivedConf(rec.conf, rec.configId ?? null);
    if (r.ok) inputs.conf = r.value;
    else problems.push({ source: 'keepalived-conf', code: r.error.code, message: r.error.message });
  }
  return buildVrrpReport(inputs);
};
