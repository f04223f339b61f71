// Redfish conventions shared by every view: resource paths, links, Status and health roll-up.
export const API_BASE = '/api/v1';

const seg = encodeURIComponent;

/** Every @odata.id the API hands out is built here, so links and routes cannot drift apart. */
export const paths = {
  root: API_BASE,
  clusters: `${API_BASE}/Clusters`,
  cluster: (c: string) => `${API_BASE}/Clusters/${seg(c)}`,
  nodes: (c: string) => `${paths.cluster(c)}/Nodes`,
  node: (c: string, n: string) => `${paths.nodes(c)}/${seg(n)}`,
  resources: (c: string) => `${paths.cluster(c)}/Resources`,
  resource: (c: string, r: string) => `${paths.resources(c)}/${seg(r)}`,
  virtualRouters: (c: string) => `${paths.cluster(c)}/VirtualRouters`,
  virtualRouter: (c: string, v: string) => `${paths.virtualRouters(c)}/${seg(v)}`,
  replicatedVolumes: (c: string) => `${paths.cluster(c)}/ReplicatedVolumes`,
  replicatedVolume: (c: string, v: string) => `${paths.replicatedVolumes(c)}/${seg(v)}`,
  storageSessions: (c: string) => `${paths.cluster(c)}/StorageSessions`,
  storageSession: (c: string, iqn: string) => `${paths.storageSessions(c)}/${seg(iqn)}`,
  events: (c: string) => `${paths.cluster(c)}/Events`,
  event: (c: string, id: number | string) => `${paths.events(c)}/${seg(String(id))}`,
  alerts: `${API_BASE}/Alerts`,
  eventService: `${API_BASE}/EventService`,
  subscriptions: `${API_BASE}/EventService/Subscriptions`,
  subscription: (id: string) => `${API_BASE}/EventService/Subscriptions/${seg(id)}`,
  openapi: `${API_BASE}/openapi.json`,
  docs: `${API_BASE}/docs`,
} as const;

export interface Link {
  '@odata.id': string;
}
export const link = (id: string): Link => ({ '@odata.id': id });

export type Health = 'OK' | 'Warning' | 'Critical';
/** Redfish's Resource.State values that hawatch uses. */
export type State = 'Enabled' | 'Disabled' | 'StandbyOffline' | 'Starting' | 'Absent' | 'UnavailableOffline' | 'Deferring' | 'Quiesced';
export const STATES: readonly State[] = ['Enabled', 'Disabled', 'StandbyOffline', 'Starting', 'Absent', 'UnavailableOffline', 'Deferring', 'Quiesced'];
export const HEALTHS: readonly Health[] = ['OK', 'Warning', 'Critical'];

export interface Status {
  State: State;
  Health: Health;
  HealthRollup: Health;
}

const rank: Record<Health, number> = { OK: 0, Warning: 1, Critical: 2 };
export const worst = (hs: readonly Health[]): Health => hs.reduce<Health>((a, b) => (rank[b] > rank[a] ? b : a), 'OK');

/** Health with the reasons behind it, collected while a view is built. */
export class Verdict {
  private readonly found: { health: Health; reason: string }[] = [];
  add(health: Health, reason: string): void {
    this.found.push({ health, reason });
  }
  get health(): Health {
    return worst(this.found.map((f) => f.health));
  }
  get reasons(): string[] {
    return this.found.filter((f) => f.health !== 'OK').map((f) => f.reason);
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The parameter names of a route URL (`/Clusters/:cluster/Nodes/:node` → cluster, node), in order. */
export const paramsOf = (url: string): string[] => [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);

/** Which of `routes` an @odata.id points at, with its decoded parameters; null when none serves it. */
export const matchRoute = <R extends { url: string }>(routes: readonly R[], id: string): { view: R; params: Record<string, string> } | null => {
  const parts = id.split('/');
  for (const view of routes) {
    const pattern = view.url.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pattern.forEach((seg, i) => {
      const got = parts[i] as string;
      if (seg.startsWith(':')) {
        try {
          params[seg.slice(1)] = decodeURIComponent(got);
        } catch {
          ok = false; // a malformed escape is no link of ours
        }
      } else if (seg !== got) ok = false;
    });
    if (ok) return { view, params };
  }
  return null;
};
