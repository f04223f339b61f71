// The REST resource tree: one table of views (path → schema → builder). Routes, $expand's resolver and the
// OpenAPI operations all come from this table, so a link the API hands out is a route it serves.
import Type from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClusterModel, ModelSnapshot } from '../model/model.js';
import type { Db } from '../store/db.js';
import { ApiError } from './errors.js';
import { EventStore, eventBody } from './events.js';
import { API_BASE, link, matchRoute, paramsOf, paths, worst } from './odata.js';
import { ALWAYS_SELECTED, expand, navigationOf, parseQuery, QUERY_ERROR, querySchema, select, type QueryOptions } from './query.js';
import { schemaById, SHARED_SCHEMAS, SUBSCRIPTION_PROTOCOLS, SubscriptionCreate } from './schemas.js';
import { checkSubscription, MAX_SUBSCRIPTIONS, SubscriptionStore, subscriptionBody, type SubscriptionInput, type SubscriptionRow } from './subscriptions.js';
import {
  clusterBody,
  clusterCollections,
  clusterFacts,
  clustersBody,
  clusterVerdict,
  collectionBody,
  nodeBody,
  replicatedVolumeBody,
  resourceBody,
  storageSessionBody,
  virtualRouterBody,
  type ClusterFacts,
} from './views/bodies.js';

export interface RestDeps {
  model: ClusterModel;
  /** The collector's store: Events and EventService read and write it. */
  db: Db | undefined;
  now: () => number;
  /** Told when the API creates or deletes a subscription, so the alert notifiers follow at once. */
  onSubscription?: (change: { created: SubscriptionRow } | { deleted: string }) => void;
}

type Body = Record<string, unknown>;

/** What one request may read; the snapshot and each cluster's facts are computed at most once per request. */
interface Ctx {
  snap: ModelSnapshot;
  facts(cluster: string): ClusterFacts;
  events(): EventStore;
  subscriptions(): SubscriptionStore;
}

interface Page {
  top: number | null;
  skip: number;
  filter: QueryOptions['filter'];
}

interface View {
  url: string;
  operationId: string;
  summary: string;
  tag: string;
  schema: string;
  /** Collections: the member schema ($select names), or null for a collection of plain links. */
  member?: string | null;
  filterable?: boolean;
  /** Collections that page in SQL rather than in memory. */
  pagesItself?: boolean;
  build(ctx: Ctx, p: Record<string, string>, page: Page): Body;
}

export const EVENTS_DEFAULT_TOP = 100;
export const EVENTS_MAX_TOP = 1000;
const MEMORY_MAX_TOP = 100_000;

const notFound = (what: string): never => {
  throw new ApiError(404, 'hawatch.rest.not_found', what);
};

const STORE_MISSING = 'this collector was started without its store wired to the REST API';

const param = (p: Record<string, string>, k: string): string => p[k] ?? notFound(`missing ${k}`);

const rootBody = (ctx: Ctx): Body => ({
  '@odata.id': paths.root,
  '@odata.type': '#ServiceRoot.v1_0_0.ServiceRoot',
  Id: 'hawatch',
  Name: 'hawatch collector',
  cimClass: 'CIM_Service',
  Status: { State: 'Enabled', Health: 'OK', HealthRollup: worst(ctx.snap.clusters.map((c) => clusterVerdict(ctx.facts(c.name)).rollup)) },
  Product: 'hawatch',
  OpenAPI: paths.openapi,
  Clusters: link(paths.clusters),
  Alerts: link(paths.alerts),
  // Silences, inhibition and grouping: served by collector/alerts/routes.ts.
  AlertService: link(`${API_BASE}/AlertService`),
  EventService: link(paths.eventService),
  // Served by views/availability.ts (registered by collector/main.ts with the SLA figures).
  Availability: link(`${API_BASE}/Availability`),
});

const eventServiceBody = (): Body => ({
  '@odata.id': paths.eventService,
  '@odata.type': '#HawatchEventService.v1_0_0.HawatchEventService',
  Id: 'EventService',
  Name: 'Event Service',
  cimClass: 'CIM_IndicationService',
  Status: { State: 'Enabled', Health: 'OK', HealthRollup: 'OK' },
  Description: 'Alerts are delivered to every subscription here (from the moment it is created) and to the notifiers in the collector\'s configuration file.',
  ServiceEnabled: true,
  Protocols: [...SUBSCRIPTION_PROTOCOLS],
  Subscriptions: link(paths.subscriptions),
});

const c = (p: Record<string, string>) => param(p, 'cluster');

export const VIEWS: readonly View[] = [
  { url: API_BASE, operationId: 'getServiceRoot', summary: 'The service root', tag: 'Service', schema: 'ServiceRoot', build: (ctx) => rootBody(ctx) },
  { url: paths.clusters, operationId: 'listClusters', summary: 'Clusters', tag: 'Clusters', schema: 'HawatchClusterCollection', member: 'HawatchCluster', build: (ctx) => clustersBody(ctx.snap) },
  { url: `${paths.clusters}/:cluster`, operationId: 'getCluster', summary: 'A cluster: quorum, votes, DCs, partitions', tag: 'Clusters', schema: 'HawatchCluster', build: (ctx, p) => clusterBody(ctx.facts(c(p))) },
  {
    url: `${paths.clusters}/:cluster/Nodes`,
    operationId: 'listNodes',
    summary: 'Nodes of a cluster',
    tag: 'Nodes',
    schema: 'HawatchNodeCollection',
    member: 'HawatchNode',
    build: (ctx, p) => clusterCollections.nodes(ctx.facts(c(p))),
  },
  {
    url: `${paths.clusters}/:cluster/Nodes/:node`,
    operationId: 'getNode',
    summary: 'A node: agent, probes, how its peers see it',
    tag: 'Nodes',
    schema: 'HawatchNode',
    build: (ctx, p) => nodeBody(ctx.facts(c(p)), param(p, 'node')) ?? notFound(`no node named ${p['node']} in cluster ${c(p)}`),
  },
  {
    url: `${paths.clusters}/:cluster/Resources`,
    operationId: 'listResources',
    summary: 'Pacemaker resources of a cluster',
    tag: 'Resources',
    schema: 'HawatchResourceCollection',
    member: 'HawatchResource',
    build: (ctx, p) => clusterCollections.resources(ctx.facts(c(p))),
  },
  {
    url: `${paths.clusters}/:cluster/Resources/:resource`,
    operationId: 'getResource',
    summary: 'A Pacemaker resource, cluster-wide',
    tag: 'Resources',
    schema: 'HawatchResource',
    build: (ctx, p) => resourceBody(ctx.facts(c(p)), param(p, 'resource')) ?? notFound(`no resource named ${p['resource']} in cluster ${c(p)}`),
  },
  {
    url: `${paths.clusters}/:cluster/VirtualRouters`,
    operationId: 'listVirtualRouters',
    summary: 'VRRP virtual routers of a cluster',
    tag: 'VirtualRouters',
    schema: 'HawatchVirtualRouterCollection',
    member: 'HawatchVirtualRouter',
    build: (ctx, p) => clusterCollections.virtualRouters(ctx.facts(c(p))),
  },
  {
    url: `${paths.clusters}/:cluster/VirtualRouters/:router`,
    operationId: 'getVirtualRouter',
    summary: 'A VRRP virtual router across nodes',
    tag: 'VirtualRouters',
    schema: 'HawatchVirtualRouter',
    build: (ctx, p) => virtualRouterBody(ctx.facts(c(p)), param(p, 'router')) ?? notFound(`no virtual router ${p['router']} in cluster ${c(p)}`),
  },
  {
    url: `${paths.clusters}/:cluster/ReplicatedVolumes`,
    operationId: 'listReplicatedVolumes',
    summary: 'DRBD resources of a cluster',
    tag: 'ReplicatedVolumes',
    schema: 'HawatchReplicatedVolumeCollection',
    member: 'HawatchReplicatedVolume',
    build: (ctx, p) => clusterCollections.replicatedVolumes(ctx.facts(c(p))),
  },
  {
    url: `${paths.clusters}/:cluster/ReplicatedVolumes/:volume`,
    operationId: 'getReplicatedVolume',
    summary: 'A DRBD resource across nodes',
    tag: 'ReplicatedVolumes',
    schema: 'HawatchReplicatedVolume',
    build: (ctx, p) => replicatedVolumeBody(ctx.facts(c(p)), param(p, 'volume')) ?? notFound(`no replicated volume ${p['volume']} in cluster ${c(p)}`),
  },
  {
    url: `${paths.clusters}/:cluster/StorageSessions`,
    operationId: 'listStorageSessions',
    summary: 'iSCSI sessions of a cluster',
    tag: 'StorageSessions',
    schema: 'HawatchStorageSessionCollection',
    member: 'HawatchStorageSession',
    build: (ctx, p) => clusterCollections.storageSessions(ctx.facts(c(p))),
  },
  {
    url: `${paths.clusters}/:cluster/StorageSessions/:target`,
    operationId: 'getStorageSession',
    summary: 'An iSCSI target and the sessions to it across nodes',
    tag: 'StorageSessions',
    schema: 'HawatchStorageSession',
    build: (ctx, p) => storageSessionBody(ctx.facts(c(p)), param(p, 'target')) ?? notFound(`no storage session target ${p['target']} in cluster ${c(p)}`),
  },
  {
    url: `${paths.clusters}/:cluster/Events`,
    operationId: 'listEvents',
    summary: 'State changes of a cluster, newest first',
    tag: 'Events',
    schema: 'HawatchEventCollection',
    member: 'HawatchEvent',
    filterable: true,
    pagesItself: true,
    build: (ctx, p, page) => {
      const f = ctx.facts(c(p));
      const top = page.top ?? EVENTS_DEFAULT_TOP;
      const { rows, count } = ctx.events().page(f.cluster.name, page.filter, top, page.skip);
      return {
        ...collectionBody(paths.events(f.cluster.name), 'HawatchEventCollection', `Events of ${f.cluster.name}`, 'State changes as the nodes reported them, newest first.', rows.map((r) => paths.event(r.cluster, r.id))),
        'Members@odata.count': count,
      };
    },
  },
  {
    url: `${paths.clusters}/:cluster/Events/:event`,
    operationId: 'getEvent',
    summary: 'One state change',
    tag: 'Events',
    schema: 'HawatchEvent',
    build: (ctx, p) => {
      const f = ctx.facts(c(p));
      const id = param(p, 'event');
      const row = /^\d{1,15}$/.test(id) ? ctx.events().get(f.cluster.name, Number(id)) : null;
      if (!row) return notFound(`no event ${id} in cluster ${f.cluster.name}`);
      return eventBody(row, (cl, n) => ctx.facts(cl).nodeNames.includes(n));
    },
  },
  { url: paths.eventService, operationId: 'getEventService', summary: 'The event service', tag: 'EventService', schema: 'HawatchEventService', build: () => eventServiceBody() },
  {
    url: paths.subscriptions,
    operationId: 'listSubscriptions',
    summary: 'Alert destinations',
    tag: 'EventService',
    schema: 'HawatchSubscriptionCollection',
    member: 'HawatchSubscription',
    build: (ctx) =>
      collectionBody(paths.subscriptions, 'HawatchSubscriptionCollection', 'Subscriptions', 'Alert destinations: webhook, alertmanager, pagerduty, snmp-trap.', ctx.subscriptions().list().map((s) => paths.subscription(s.id))),
  },
  {
    url: `${paths.subscriptions}/:subscription`,
    operationId: 'getSubscription',
    summary: 'An alert destination',
    tag: 'EventService',
    schema: 'HawatchSubscription',
    build: (ctx, p) => {
      const row = ctx.subscriptions().get(param(p, 'subscription'));
      return row ? subscriptionBody(row) : notFound(`no subscription ${p['subscription']}`);
    },
  },
];

const match = (id: string) => matchRoute(VIEWS, id);

interface Stores {
  events: EventStore | null;
  subscriptions: SubscriptionStore | null;
}

const unwired = (): never => {
  throw new ApiError(503, 'hawatch.rest.store_unavailable', STORE_MISSING);
};

const makeCtx = (model: ClusterModel, stores: Stores): Ctx => {
  const snap = model.snapshot();
  const facts = new Map<string, ClusterFacts>();
  return {
    snap,
    facts: (name) => {
      const cached = facts.get(name);
      if (cached) return cached;
      const cluster = snap.clusters.find((x) => x.name === name) ?? notFound(`no cluster named ${name}`);
      const f = clusterFacts(cluster);
      facts.set(name, f);
      return f;
    },
    events: () => stores.events ?? unwired(),
    subscriptions: () => stores.subscriptions ?? unwired(),
  };
};

const ERROR_RESPONSES = {
  400: Type.Ref('HawatchError', { description: 'a bad path parameter or query option; the message names it' }),
  401: Type.Ref('HawatchError', { description: 'no token, or a token this collector does not know' }),
  403: Type.Ref('HawatchError', { description: 'the token\'s role does not allow this' }),
  404: Type.Ref('HawatchError', { description: 'no such resource' }),
  503: Type.Ref('HawatchError', { description: 'the store is not available' }),
};
const NOT_MODIFIED = Type.Null({ description: 'Not Modified: the representation still has the ETag given in If-None-Match' });

const selectableOf = (view: View): string[] => {
  const id = view.member === undefined ? view.schema : view.member;
  const s = id === null ? undefined : schemaById(id);
  return s ? Object.keys(s.properties).filter((k) => !(ALWAYS_SELECTED as readonly string[]).includes(k)) : [];
};

const nextLink = (url: string, raw: Record<string, unknown>, skip: number, top: number): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' && k !== '$skip' && k !== '$top') q.set(k, v);
  q.set('$skip', String(skip));
  q.set('$top', String(top));
  return `${url}?${q.toString()}`;
};

/** Register the resource tree. Shared schemas go to `app` itself, so every route and the document see them. */
export const registerRestApi = (app: FastifyInstance, deps: RestDeps): void => {
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  const stores: Stores = {
    events: deps.db ? new EventStore(deps.db) : null,
    subscriptions: deps.db ? new SubscriptionStore(deps.db) : null,
  };

  const resolve = (ctx: Ctx) => (id: string): Body | null => {
    const m = match(id);
    if (!m) return null;
    try {
      return m.view.build(ctx, m.params, { top: null, skip: 0, filter: [] });
    } catch (e) {
      if (e instanceof ApiError && e.statusCode === 404) return null; // a link to something gone stays a link
      throw e;
    }
  };

  for (const view of VIEWS) {
    const collection = view.member !== undefined;
    const target = {
      collection,
      filterable: view.filterable === true,
      selectable: selectableOf(view),
      maxTop: view.pagesItself ? EVENTS_MAX_TOP : MEMORY_MAX_TOP,
    };
    const names = paramsOf(view.url);
    const nav = navigationOf(schemaById(view.schema) as Parameters<typeof navigationOf>[0]);
    app.get(
      view.url,
      {
        config: { role: 'read' },
        // Query options are checked by parseQuery, which names the bad option; the schema documents them.
        attachValidation: true,
        schema: {
          operationId: view.operationId,
          summary: view.summary,
          tags: [view.tag],
          ...(names.length > 0 ? { params: Type.Object(Object.fromEntries(names.map((n) => [n, Type.String({ minLength: 1, maxLength: 1024 })])), { additionalProperties: false }) } : {}),
          querystring: querySchema(target),
          response: { 200: Type.Ref(view.schema, { description: 'OK' }), 304: NOT_MODIFIED, ...ERROR_RESPONSES },
        },
      },
      async (req: FastifyRequest) => {
        const raw = (req.query ?? {}) as Record<string, unknown>;
        const q = parseQuery(raw, target);
        if (req.validationError) {
          // parseQuery accepted what the schema refused: name it all the same rather than serve it.
          const where = req.validationError.validation[0]?.instancePath.replace(/^\//, '') || req.validationError.validationContext || 'request';
          throw new ApiError(400, req.validationError.validationContext === 'querystring' ? QUERY_ERROR : 'hawatch.request.invalid', `${where}: ${req.validationError.message}`);
        }
        const ctx = makeCtx(deps.model, stores);
        const params = req.params as Record<string, string>;
        let body = view.build(ctx, params, { top: q.top, skip: q.skip, filter: q.filter });
        if (collection) {
          const members = body['Members'] as unknown[];
          const total = body['Members@odata.count'] as number;
          let page = members;
          if (!view.pagesItself) page = members.slice(q.skip, q.top === null ? undefined : q.skip + q.top);
          const top = q.top ?? (view.pagesItself ? EVENTS_DEFAULT_TOP : page.length);
          body = { ...body, Members: page };
          // No next link for $top=0: following it would never end.
          if (top > 0 && q.skip + page.length < total) body['Members@odata.nextLink'] = nextLink(req.url.split('?')[0] as string, raw, q.skip + page.length, top);
        }
        if (q.expand !== null) body = expand(body, q.expand, nav, resolve(ctx));
        if (q.select !== null) {
          const names2 = q.select;
          body = collection
            ? { ...body, Members: (body['Members'] as Body[]).map((m) => (Object.keys(m).length > 1 ? select(m, names2) : m)) }
            : select(body, names2);
        }
        return body;
      },
    );
  }

  const write = { role: 'admin' as const };
  app.post(
    paths.subscriptions,
    {
      config: write,
      // fastify also parses text/plain; saying 415 beats a schema error about a string body.
      preValidation: async (req: FastifyRequest) => {
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          throw new ApiError(415, 'hawatch.request.media_type', 'send the subscription as application/json');
        }
      },
      schema: {
        operationId: 'createSubscription',
        summary: 'Add an alert destination (admin)',
        tags: ['EventService'],
        body: SubscriptionCreate,
        response: {
          201: Type.Ref('HawatchSubscription', { description: 'Created; Location names the new subscription' }),
          ...ERROR_RESPONSES,
          409: Type.Ref('HawatchError', { description: `already ${MAX_SUBSCRIPTIONS} subscriptions` }),
          413: Type.Ref('HawatchError', { description: 'the body is too large' }),
          415: Type.Ref('HawatchError', { description: 'the body is not application/json' }),
        },
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const input = req.body as SubscriptionInput;
      const store = stores.subscriptions ?? unwired();
      const checked = checkSubscription(input);
      if (!checked.ok) throw new ApiError(400, 'hawatch.request.invalid', checked.problem, [checked.problem]);
      if (store.count() >= MAX_SUBSCRIPTIONS) throw new ApiError(409, 'hawatch.rest.limit', `there are ${MAX_SUBSCRIPTIONS} subscriptions already; delete one first`);
      const row = store.create(input, checked.destination, req.principal?.name ?? 'anonymous', deps.now());
      req.log.info({ id: row.id, protocol: row.protocol, by: row.created_by }, 'subscription created');
      deps.onSubscription?.({ created: row });
      return reply.code(201).header('location', paths.subscription(row.id)).send(subscriptionBody(row));
    },
  );
  app.delete(
    `${paths.subscriptions}/:subscription`,
    {
      config: write,
      schema: {
        operationId: 'deleteSubscription',
        summary: 'Remove an alert destination (admin)',
        tags: ['EventService'],
        params: Type.Object({ subscription: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Deleted' }), ...ERROR_RESPONSES },
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const id = (req.params as { subscription: string }).subscription;
      if (!(stores.subscriptions ?? unwired()).remove(id)) notFound(`no subscription ${id}`);
      req.log.info({ id, by: req.principal?.name }, 'subscription deleted');
      deps.onSubscription?.({ deleted: id });
      return reply.code(204).send();
    },
  );
};
