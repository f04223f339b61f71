// Pure parser for crm_mon's XML: `crm_mon --output-as=xml [--include=all]` (Pacemaker 2.1+ and 3.x,
// root <pacemaker-result>) and legacy `crm_mon --as-xml` (Pacemaker 1.1, root <crm_mon>).
// No I/O, clock or environment: text in, typed report or typed ParseError out.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ParseError, parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type {
  PacemakerBan,
  PacemakerFailCount,
  PacemakerFailedAction,
  PacemakerFenceEvent,
  PacemakerNode,
  PacemakerReport,
  PacemakerResource,
  PacemakerRunning,
  PacemakerTicket,
} from '../../protocol/pacemaker.js';

/** Stable error codes of this parser. */
export const PACEMAKER_PARSE_ERRORS = {
  empty: 'pacemaker.empty',
  notXml: 'pacemaker.not_xml',
  invalidXml: 'pacemaker.invalid_xml',
  unknownFormat: 'pacemaker.unknown_format',
  badValue: 'pacemaker.bad_value',
} as const;

/** Pacemaker's INFINITY score. */
export const PCMK_INFINITY = 1_000_000;

/** One XML element, normalised from fast-xml-parser's preserveOrder output (document order kept). */
interface El {
  tag: string;
  attrs: Readonly<Record<string, string>>;
  children: El[];
  text: string;
}

// preserveOrder keeps document order (crm_mon's resource order, clone instance order) and gives every child
// as an array whether there is one or many; attribute values stay strings (we convert them ourselves).
const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

type Raw = Record<string, unknown>;

const toEls = (nodes: unknown): El[] => {
  if (!Array.isArray(nodes)) return [];
  const out: El[] = [];
  for (const n of nodes as Raw[]) {
    let tag: string | undefined;
    for (const k of Object.keys(n)) if (k !== ':@') tag = k;
    if (tag === undefined || tag === '#text') continue;
    const attrsRaw = (n[':@'] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrsRaw)) attrs[k] = String(v);
    const kids = n[tag];
    const text = Array.isArray(kids)
      ? (kids as Raw[])
          .filter((k) => '#text' in k)
          .map((k) => String(k['#text']))
          .join('')
      : '';
    out.push({ tag, attrs, children: toEls(kids), text });
  }
  return out;
};

const kids = (el: El | undefined, tag: string): El[] => (el ? el.children.filter((c) => c.tag === tag) : []);
const kid = (el: El | undefined, tag: string): El | undefined => el?.children.find((c) => c.tag === tag);

/** Thrown inside the parser only; parseCrmMonXml turns it into a ParseResult. */
const bad = (what: string): ParseError => new ParseError(PACEMAKER_PARSE_ERRORS.badValue, what);

const where = (el: El): string => {
  const key = el.attrs['id'] !== undefined ? 'id' : el.attrs['name'] !== undefined ? 'name' : null;
  return key === null ? `<${el.tag}>` : `<${el.tag} ${key}="${el.attrs[key]}">`;
};

const str = (el: El | undefined, name: string): string | null => {
  const v = el?.attrs[name];
  return v === undefined ? null : v;
};
/** Empty strings mean "not known" in crm_mon's output (e.g. `version=""` in CTS expectations). */
const optStr = (el: El | undefined, name: string): string | null => {
  const v = str(el, name);
  return v === null || v === '' ? null : v;
};
const reqStr = (el: El, name: string): string => {
  const v = el.attrs[name];
  if (v === undefined || v === '') throw bad(`${where(el)} has no ${name}`);
  return v;
};

const TRUE = new Set(['true', 'yes', '1', 'on']);
const FALSE = new Set(['false', 'no', '0', 'off']);
const optBool = (el: El | undefined, name: string): boolean | null => {
  const v = str(el, name);
  if (v === null || v === '') return null;
  const l = v.toLowerCase();
  if (TRUE.has(l)) return true;
  if (FALSE.has(l)) return false;
  throw bad(`${el ? where(el) : '?'} ${name}="${v}" is not a boolean`);
};
const bool = (el: El | undefined, name: string, dflt = false): boolean => optBool(el, name) ?? dflt;

/** Integers as crm_mon prints them: plain, with a unit suffix (`10000ms`), or (+/-)INFINITY. */
const optInt = (el: El | undefined, name: string): number | null => {
  const v = str(el, name);
  if (v === null || v === '') return null;
  const m = /^([+-]?)(\d+|INFINITY)(ms)?$/i.exec(v.trim());
  if (!m) throw bad(`${el ? where(el) : '?'} ${name}="${v}" is not an integer`);
  const n = m[2]!.toUpperCase() === 'INFINITY' ? PCMK_INFINITY : Number(m[2]);
  return m[1] === '-' ? -n : n;
};
const int = (el: El | undefined, name: string, dflt = 0): number => optInt(el, name) ?? dflt;
/** Scores and counts are capped at INFINITY by Pacemaker itself; cap here too so sums stay in range. */
const capInf = (n: number): number => Math.max(-PCMK_INFINITY, Math.min(PCMK_INFINITY, n));

/**
 * Times: `2026-11-23 18:05:38Z` (2.1+ failures/fence history) becomes ISO 8601; epoch seconds (some 1.1
 * builds) too. ctime-style strings (`Mon Nov 23 18:05:32 2026`, local time without a zone) stay as printed:
 * turning them into instants would need the node's time zone.
 */
const time = (v: string | null): string | null => {
  if (v === null || v === '') return null;
  const z = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(v);
  if (z) return `${z[1]}T${z[2]}${z[3] ?? ''}${z[4]}`;
  if (/^\d{9,11}$/.test(v)) return new Date(Number(v) * 1000).toISOString().replace('.000Z', 'Z');
  return v;
};

// ---------------------------------------------------------------------------------------------------------
// sections

const parseNodes = (nodesEl: El | undefined): PacemakerNode[] =>
  kids(nodesEl, 'node').map((n) => ({
    name: reqStr(n, 'name'),
    id: optStr(n, 'id') ?? reqStr(n, 'name'),
    online: bool(n, 'online'),
    standby: bool(n, 'standby'),
    standbyOnFail: bool(n, 'standby_onfail'),
    maintenance: bool(n, 'maintenance'),
    pending: bool(n, 'pending'),
    unclean: bool(n, 'unclean'),
    shutdown: bool(n, 'shutdown'),
    expectedUp: bool(n, 'expected_up'),
    isDc: bool(n, 'is_dc'),
    health: optStr(n, 'health'),
    type: optStr(n, 'type') ?? 'unknown',
    resourcesRunning: Math.max(0, int(n, 'resources_running')),
  }));

interface Ctx {
  parents: string[];
  clone: string | null;
  group: string | null;
  promotable: boolean;
  instance: string | null;
}

const primitive = (r: El, ctx: Ctx): PacemakerResource => ({
  id: reqStr(r, 'id'),
  agent: str(r, 'resource_agent') ?? '',
  role: optStr(r, 'role') ?? 'Unknown',
  targetRole: optStr(r, 'target_role'),
  active: bool(r, 'active'),
  // Pacemaker 3.x prints `removed` next to (and eventually instead of) `orphaned`.
  orphaned: optBool(r, 'orphaned') ?? bool(r, 'removed'),
  blocked: bool(r, 'blocked'),
  managed: bool(r, 'managed', true),
  failed: bool(r, 'failed'),
  failureIgnored: bool(r, 'failure_ignored'),
  nodes: kids(r, 'node').map((n) => reqStr(n, 'name')),
  parents: [...ctx.parents],
  clone: ctx.clone,
  group: ctx.group,
  promotable: ctx.promotable,
  instance: ctx.instance,
});

/** `mysql-group:3` → `3`: Pacemaker 2.1+ names the instances of a cloned group this way. */
const instanceSuffix = (id: string): string | null => /:(\d+)$/.exec(id)?.[1] ?? null;

const walkResources = (container: El, ctx: Ctx, out: PacemakerResource[]): void => {
  for (const el of container.children) {
    switch (el.tag) {
      case 'resource':
        out.push(primitive(el, ctx));
        break;
      case 'group': {
        const id = reqStr(el, 'id');
        walkResources(el, { ...ctx, parents: [...ctx.parents, id], group: id }, out);
        break;
      }
      case 'clone': {
        const id = reqStr(el, 'id');
        // `multi_state` in 1.1-3.x; accept a future `promotable` attribute too.
        const promotable = bool(el, 'multi_state') || bool(el, 'promotable');
        el.children.forEach((child, i) => {
          const inner: Ctx = { parents: [...ctx.parents, id], clone: id, group: ctx.group, promotable, instance: String(i) };
          if (child.tag === 'group') {
            const gid = reqStr(child, 'id');
            const instance = instanceSuffix(gid) ?? String(i);
            walkResources(child, { ...inner, parents: [...inner.parents, gid], group: gid, instance }, out);
          } else {
            walkResources({ ...el, children: [child] }, inner, out);
          }
        });
        break;
      }
      case 'bundle': {
        const id = reqStr(el, 'id');
        kids(el, 'replica').forEach((rep, i) => {
          const instance = optStr(rep, 'id') ?? String(i);
          // Bundles are not clones to the user (their internal clone is not printed): clone stays as it was.
          walkResources(rep, { ...ctx, parents: [...ctx.parents, id], instance }, out);
        });
        break;
      }
      default:
        // Anything else (a future container type) is skipped rather than guessed at.
        break;
    }
  }
};

const parseResources = (root: El): PacemakerResource[] => {
  const out: PacemakerResource[] = [];
  const top: Ctx = { parents: [], clone: null, group: null, promotable: false, instance: null };
  const resourcesEl = kid(root, 'resources');
  if (resourcesEl) walkResources(resourcesEl, top, out);
  // `--group-by-node` lists active resources under each <node> instead, without their enclosing ids.
  for (const n of kids(kid(root, 'nodes'), 'node')) walkResources(n, top, out);
  return out;
};

const parseFailCounts = (root: El): PacemakerFailCount[] => {
  const out: PacemakerFailCount[] = [];
  const seen = new Set<string>();
  for (const n of kids(kid(root, 'node_history'), 'node')) {
    const node = reqStr(n, 'name');
    for (const h of kids(n, 'resource_history')) {
      const failCount = optInt(h, 'fail-count');
      if (failCount === null) continue;
      const resource = reqStr(h, 'id');
      seen.add(`${node}\u0000${resource}`);
      out.push({ node, resource, failCount: Math.max(0, capInf(failCount)), migrationThreshold: optInt(h, 'migration-threshold') });
    }
  }
  // Where fail counts appear only as transient node attributes (`fail-count-RSC` before 1.1.17,
  // `fail-count-RSC#OP_INTERVAL` after), sum them per resource like Pacemaker does.
  for (const n of kids(kid(root, 'node_attributes'), 'node')) {
    const node = reqStr(n, 'name');
    const sums = new Map<string, number>();
    for (const a of kids(n, 'attribute')) {
      const m = /^fail-count-(.+?)(#.*)?$/.exec(a.attrs['name'] ?? '');
      if (!m) continue;
      const v = optInt(a, 'value') ?? 0;
      sums.set(m[1]!, capInf((sums.get(m[1]!) ?? 0) + v));
    }
    for (const [resource, failCount] of sums) {
      if (seen.has(`${node}\u0000${resource}`) || failCount <= 0) continue;
      out.push({ node, resource, failCount, migrationThreshold: null });
    }
  }
  return out;
};

const parseFailedActions = (root: El): PacemakerFailedAction[] =>
  kids(kid(root, 'failures'), 'failure').map((f) => {
    const opKey = str(f, 'op_key') ?? str(f, 'id') ?? '';
    const task = optStr(f, 'task');
    const interval = optStr(f, 'interval');
    let resource = optStr(f, 'rsc') ?? optStr(f, 'resource');
    let operation = task;
    let intervalMs = optInt(f, 'interval');
    // op_key = RSC_TASK_INTERVAL; the task may itself contain "_" (migrate_to), so strip the known suffix.
    if (resource === null && task !== null && interval !== null) {
      const suffix = `_${task}_${String(optInt(f, 'interval'))}`;
      if (opKey.endsWith(suffix)) resource = opKey.slice(0, -suffix.length);
    }
    if (resource === null) {
      const m = /^(.+)_([a-z][a-z_-]*)_(\d+)$/.exec(opKey);
      if (!m) throw bad(`${where(f)} op_key="${opKey}" names no resource`);
      resource = m[1]!;
      operation ??= m[2]!;
      intervalMs ??= Number(m[3]);
    }
    return {
      resource,
      node: reqStr(f, 'node'),
      operation: operation ?? 'unknown',
      intervalMs: Math.max(0, intervalMs ?? 0),
      rc: optInt(f, 'exitcode'),
      rcText: optStr(f, 'exitstatus'),
      status: optStr(f, 'status'),
      exitReason: optStr(f, 'exitreason'),
      lastRcChange: time(str(f, 'last-rc-change')),
    };
  });

/** Pacemaker 2.0-3.x print success, failed or pending; anything else is treated as a failure. */
const fenceStatus = (v: string | null): 'success' | 'failed' | 'pending' => {
  const l = (v ?? '').toLowerCase();
  if (l.includes('pending')) return 'pending';
  if (l === 'success' || l === 'ok' || l === 'done') return 'success';
  return 'failed';
};

const parseFenceHistory = (root: El): PacemakerFenceEvent[] =>
  kids(kid(root, 'fence_history'), 'fence_event').map((e) => ({
    target: reqStr(e, 'target'),
    action: optStr(e, 'action') ?? 'unknown',
    status: fenceStatus(str(e, 'status')),
    delegate: optStr(e, 'delegate'),
    client: optStr(e, 'client'),
    origin: optStr(e, 'origin'),
    completed: time(str(e, 'completed')),
    exitReason: optStr(e, 'exit-reason') ?? optStr(e, 'exitreason'),
  }));

const parseTickets = (root: El): PacemakerTicket[] =>
  kids(kid(root, 'tickets'), 'ticket').map((t) => ({
    id: reqStr(t, 'id'),
    // 1.1-2.1 print status="granted|revoked"; accept a boolean `granted` as well.
    granted: (optStr(t, 'status') ?? '').toLowerCase() === 'granted' || bool(t, 'granted'),
    standby: bool(t, 'standby'),
    lastGranted: time(optStr(t, 'last-granted')),
  }));

const parseBans = (root: El): PacemakerBan[] =>
  kids(kid(root, 'bans'), 'ban').map((b) => ({
    id: reqStr(b, 'id'),
    resource: reqStr(b, 'resource'),
    node: reqStr(b, 'node'),
    weight: capInf(int(b, 'weight')),
    // `promoted-only` since 2.1 (with the old `master_only` kept alongside); 1.1/2.0 only `master_only`.
    promotedOnly: optBool(b, 'promoted-only') ?? bool(b, 'master_only'),
  }));

const parseRunning = (root: El, format: PacemakerRunning['format']): PacemakerRunning => {
  const summary = kid(root, 'summary');
  const dcEl = kid(summary, 'current_dc');
  const opts = kid(summary, 'cluster_options');
  const rc = kid(summary, 'resources_configured');
  const dcPresent = bool(dcEl, 'present') && optStr(dcEl, 'name') !== null;
  return {
    running: true,
    format,
    apiVersion: format === 'pacemaker-result' ? optStr(root, 'api-version') : optStr(root, 'version'),
    pacemakerVersion: optStr(dcEl, 'version'),
    stack: optStr(kid(summary, 'stack'), 'type'),
    pacemakerdState: optStr(kid(root, 'pacemakerd'), 'state'),
    dc:
      dcEl && dcPresent
        ? { name: reqStr(dcEl, 'name'), id: optStr(dcEl, 'id') ?? reqStr(dcEl, 'name'), withQuorum: bool(dcEl, 'with_quorum') }
        : null,
    lastUpdate: time(optStr(kid(summary, 'last_update'), 'time')),
    lastChange: time(optStr(kid(summary, 'last_change'), 'time')),
    nodesConfigured: Math.max(0, int(kid(summary, 'nodes_configured'), 'number')),
    resourcesConfigured: Math.max(0, int(rc, 'number')),
    resourcesDisabled: Math.max(0, int(rc, 'disabled')),
    resourcesBlocked: Math.max(0, int(rc, 'blocked')),
    // Pacemaker 3.x prints fencing-enabled and, for compatibility, stonith-enabled too: prefer the new name.
    fencingEnabled: optBool(opts, 'fencing-enabled') ?? optBool(opts, 'stonith-enabled'),
    maintenanceMode: bool(opts, 'maintenance-mode'),
    stopAllResources: bool(opts, 'stop-all-resources'),
    noQuorumPolicy: optStr(opts, 'no-quorum-policy'),
    nodes: parseNodes(kid(root, 'nodes')),
    resources: parseResources(root),
    failCounts: parseFailCounts(root),
    failedActions: parseFailedActions(root),
    fenceHistory: parseFenceHistory(root),
    tickets: parseTickets(root),
    bans: parseBans(root),
  };
};

/** `request="crm_mon --output-as=xml"`, possibly with a path: is the program crm_mon? */
const requestIsCrmMon = (request: string | null): boolean => {
  if (request === null || request.trim() === '') return true;
  const prog = request.trim().split(/\s+/)[0] ?? '';
  return /(^|\/)crm_mon$/.test(prog);
};

const parseRoot = (root: El): PacemakerReport => {
  if (root.tag === 'crm_mon') {
    if (!kid(root, 'summary')) throw new ParseError(PACEMAKER_PARSE_ERRORS.unknownFormat, '<crm_mon> without <summary>');
    return parseRunning(root, 'legacy-crm_mon');
  }
  if (root.tag !== 'pacemaker-result') {
    throw new ParseError(PACEMAKER_PARSE_ERRORS.unknownFormat, `root element <${root.tag}> is not crm_mon output`);
  }
  if (!requestIsCrmMon(str(root, 'request'))) {
    throw new ParseError(PACEMAKER_PARSE_ERRORS.unknownFormat, `<pacemaker-result> of "${str(root, 'request') ?? ''}", not of crm_mon`);
  }
  const status = kid(root, 'status');
  const code = optInt(status, 'code');
  if (kid(root, 'summary')) return parseRunning(root, 'pacemaker-result');
  if (code !== null && code !== 0) {
    // crm_mon could not read the cluster (102 "Not connected" when the local daemons are down).
    return {
      running: false,
      code,
      message: str(status, 'message') ?? '',
      errors: kids(kid(status, 'errors'), 'error').map((e) => e.text),
    };
  }
  throw new ParseError(PACEMAKER_PARSE_ERRORS.unknownFormat, '<pacemaker-result> has neither a <summary> nor an error status');
};

/** Parse crm_mon's XML output (see the file header for the formats read). Never throws. */
export const parseCrmMonXml = (text: string): ParseResult<PacemakerReport> => {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return parseFailed(PACEMAKER_PARSE_ERRORS.empty, 'empty crm_mon output');
  if (!trimmed.startsWith('<')) {
    const first = trimmed.split('\n', 1)[0] ?? '';
    return parseFailed(PACEMAKER_PARSE_ERRORS.notXml, `crm_mon output is not XML: ${first.slice(0, 200)}`);
  }
  const valid = XMLValidator.validate(trimmed);
  if (valid !== true) {
    return parseFailed(
      PACEMAKER_PARSE_ERRORS.invalidXml,
      `malformed or truncated XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  try {
    const roots = toEls(xmlParser.parse(trimmed));
    const root = roots[0];
    if (root === undefined) return parseFailed(PACEMAKER_PARSE_ERRORS.notXml, 'no XML element in crm_mon output');
    // The validator accepts several top-level elements; a crm_mon document has exactly one.
    if (roots.length > 1) return parseFailed(PACEMAKER_PARSE_ERRORS.invalidXml, `${roots.length} top-level elements`);
    return parsed(parseRoot(root));
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e };
    return parseFailed(PACEMAKER_PARSE_ERRORS.invalidXml, `XML parser failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
};
