// `hawatch report --url`: the history of a running collector read through its REST API (Events with $filter,
// Nodes for the agents' last pushes), held in memory as an SLA source, so that any window can be reported (the
// API's Availability resources serve only the current and previous period) from the transitions the store holds.
// Cost: every event of the kinds asked up to the window's end is read (newest first, 1000 a page), because the
// state an object was in at the window's start may come from any earlier event.
import { MemorySlaSource, type AgentRecord, type MemoryRow } from '../sla/store.js';
import type { Availability, TimeRange } from '../sla/index.js';

const API = '/api/v1';
const PAGE = 1000;

export interface RestSourceOptions {
  /** Base URL of the collector, e.g. http://127.0.0.1:9470 */
  readonly url: string;
  /** A read token; not needed when the collector runs with auth.openReads. */
  readonly token?: string;
  readonly cluster?: string;
  /** Store kinds to read (STORE_KINDS values and LIVENESS_KIND). */
  readonly kinds: readonly string[];
  readonly range: TimeRange;
  readonly fetch?: typeof fetch;
}

export interface RestSource {
  readonly source: MemorySlaSource;
  readonly events: number;
  /** Events whose reporting node the collector no longer serves (no ReportedBy link): left out. */
  readonly unattributed: number;
}

interface Link {
  '@odata.id': string;
}
interface EventBody {
  Id: string;
  Kind: string;
  Object: string;
  ToState: string;
  Availability: Availability;
  EventTimestamp: string;
  Links: { ReportedBy: Link | null };
}
interface NodeBody {
  Id: string;
  Agent: { LastPush: string; PushIntervalSeconds: number } | null;
}

const lastSegment = (id: string): string => decodeURIComponent(id.slice(id.lastIndexOf('/') + 1));

export const fetchRestSource = async (o: RestSourceOptions): Promise<RestSource> => {
  const f = o.fetch ?? fetch;
  const base = o.url.replace(/\/+$/, '');
  const get = async (pathAndQuery: string): Promise<Record<string, unknown>> => {
    const res = await f(`${base}${pathAndQuery}`, { headers: { accept: 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) } });
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new Error(`GET ${base}${pathAndQuery}: HTTP ${res.status} ${body.slice(0, 300)}`);
    }
    return (await res.json()) as Record<string, unknown>;
  };
  const clusters =
    o.cluster !== undefined ? [o.cluster] : ((await get(`${API}/Clusters`))['Members'] as Link[]).map((m) => lastSegment(m['@odata.id']));
  const rows: MemoryRow[] = [];
  const agents = new Map<string, AgentRecord[]>();
  let unattributed = 0;
  let events = 0;
  const until = new Date(o.range.toMs).toISOString();
  for (const cluster of clusters) {
    const c = encodeURIComponent(cluster);
    const nodes = (await get(`${API}/Clusters/${c}/Nodes?$expand=.`))['Members'] as NodeBody[];
    agents.set(
      cluster,
      nodes.flatMap((n) =>
        n.Agent === null ? [] : [{ node: n.Id, firstSeenMs: -Infinity, lastSeenMs: Date.parse(n.Agent.LastPush), intervalMs: n.Agent.PushIntervalSeconds * 1000 }],
      ),
    );
    const seen = new Set<string>();
    for (const kind of o.kinds) {
      const filter = `Kind eq '${kind.replace(/'/g, "''")}' and Time le ${until}`;
      let next: string | undefined = `${API}/Clusters/${c}/Events?${new URLSearchParams({ $filter: filter, $expand: '.', $top: String(PAGE) }).toString()}`;
      while (next !== undefined) {
        const page = await get(next);
        for (const e of page['Members'] as EventBody[]) {
          // Newest first with $skip: an event stored meanwhile can shift a page; the id says it was seen.
          if (seen.has(e.Id)) continue;
          seen.add(e.Id);
          events++;
          if (e.Links.ReportedBy === null) {
            unattributed++;
            continue;
          }
          rows.push({ cluster, kind: e.Kind, object: e.Object, node: lastSegment(e.Links.ReportedBy['@odata.id']), atMs: Date.parse(e.EventTimestamp), state: e.ToState, availability: e.Availability });
        }
        next = page['Members@odata.nextLink'] as string | undefined;
      }
    }
  }
  return { source: new MemorySlaSource(rows, agents), events, unattributed };
};
