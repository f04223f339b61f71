// /api/v1/Availability: the SLA policies and their objects' figures, served from the SLA module's cached figures
// (collector/sla/live.ts), so REST, /metrics and SNMP show the same numbers. `?period=current|previous` picks the
// calendar period (default current). The same query options as the rest of the tree ($select, $expand, $top,
// $skip) via query.ts; ETag and 304 come from the app-wide hook (etag.ts).
import Type from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ModelSnapshot } from '../../model/model.js';
import type { AvailabilityProvider, LiveObjectFigures, LiveSlaFigures, PeriodSelector } from '../../sla/live.js';
import { downClasses } from '../../sla/policy.js';
import { describePolicy } from '../../sla/policy-config.js';
import type { SlaTarget } from '../../sla/store.js';
import { ApiError } from '../errors.js';
import { API_BASE, iso, link, matchRoute, paramsOf, paths, worst, type Health, type Link } from '../odata.js';
import { expand, navigationOf, parseQuery, QUERY_ERROR, querySchema, select, ALWAYS_SELECTED } from '../query.js';
import { schemaById } from '../schemas.js';
import { clusterFacts, nodeBody, resourceBody, type ClusterFacts } from './bodies.js';
import { PERIOD_QUERY } from './availability-schemas.js';

const seg = encodeURIComponent;

export const availabilityPaths = {
  root: `${API_BASE}/Availability`,
  sla: (s: string) => `${API_BASE}/Availability/${seg(s)}`,
  objects: (s: string) => `${availabilityPaths.sla(s)}/Objects`,
  object: (s: string, key: string) => `${availabilityPaths.objects(s)}/${seg(key)}`,
} as const;

/** An object's id within its SLA: cluster~kind~object (`~` is in no cluster name; the object id may hold anything). */
export const objectKey = (t: SlaTarget): string => `${t.cluster}~${t.kind}~${t.object}`;

type Body = Record<string, unknown>;

export interface AvailabilityApiDeps {
  /** null: not wired (the routes answer 503). */
  availability: AvailabilityProvider | null;
  model: { snapshot(): ModelSnapshot };
}

/** What one request reads: one model snapshot (for links), the figures of the period asked. */
interface Ctx {
  selector: PeriodSelector;
  figures(sla: string): LiveSlaFigures;
  facts(cluster: string): ClusterFacts | null;
}

const notFound = (what: string): never => {
  throw new ApiError(404, 'hawatch.rest.not_found', what);
};

const pct = (r: number | null): number | null => (r === null ? null : r * 100);
const sec = (ms: number): number => ms / 1000;
const secOrNull = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

const periodOf = (f: LiveSlaFigures) => ({
  Selector: f.selector,
  Unit: f.period.kind,
  Label: f.period.label,
  TimeZone: f.definition.timeZone,
  Start: iso(f.period.fromMs),
  End: iso(f.period.toMs),
  EvaluatedUntil: iso(Math.max(f.period.fromMs, Math.min(f.period.toMs, f.computedAtMs))),
});

/** Critical: the objective is missed (a spent budget cannot be won back); Warning: burning faster than the period allows. */
const healthOf = (o: LiveObjectFigures, selector: PeriodSelector): Health => {
  const r = o.report;
  if (r.availabilityRatio === null) return 'OK';
  if (r.errorBudgetRemainingMs < 0 || (selector === 'previous' && r.availabilityRatio < r.sloRatio)) return 'Critical';
  if (r.burnRate !== null && r.burnRate > 1) return 'Warning';
  return 'OK';
};

/** The live resource the object is: only when the tree serves it now, so the link never 404s. */
const objectLink = (ctx: Ctx, t: SlaTarget): Link | null => {
  const f = ctx.facts(t.cluster);
  if (f === null) return null;
  switch (t.kind) {
    case 'cluster':
      return link(paths.cluster(t.cluster));
    case 'node':
      return nodeBody(f, t.object) === null ? null : link(paths.node(t.cluster, t.object));
    case 'resource':
      return resourceBody(f, t.object) === null ? null : link(paths.resource(t.cluster, t.object));
    case 'vip': {
      const router = f.routers.find((r) => r.vips.some((v) => v.address === t.object));
      return router === undefined ? null : link(paths.virtualRouter(t.cluster, router.id));
    }
  }
};

export const slaObjectBody = (ctx: Ctx, f: LiveSlaFigures, o: LiveObjectFigures): Body => {
  const r = o.report;
  const t = o.target;
  const health = healthOf(o, f.selector);
  return {
    '@odata.id': availabilityPaths.object(f.definition.name, objectKey(t)),
    '@odata.type': '#HawatchServiceLevelObject.v1_0_0.HawatchServiceLevelObject',
    Id: objectKey(t),
    Name: `${t.object} (${t.kind} in ${t.cluster})`,
    cimClass: 'CIM_StatisticalData',
    Status: { State: 'Enabled', Health: health, HealthRollup: health },
    Cluster: t.cluster,
    Kind: t.kind,
    Object: t.object,
    Period: periodOf(f),
    AvailabilityPercent: pct(r.availabilityRatio),
    ObjectivePercent: r.sloRatio * 100,
    ObjectiveMet: r.availabilityRatio === null ? null : r.availabilityRatio >= r.sloRatio,
    UptimeSeconds: sec(r.countedUpMs),
    DowntimeSeconds: sec(r.countedDownMs),
    ExcludedSeconds: sec(r.excludedMs),
    MaintenanceSeconds: sec(r.maintenanceMs),
    UnknownSeconds: sec(r.unknownMs),
    Incidents: r.incidents,
    AcknowledgedIncidents: r.acknowledged,
    MTBFSeconds: secOrNull(r.mtbfMs),
    MTTRSeconds: secOrNull(r.mttrMs),
    MTTASeconds: secOrNull(r.mttaMs),
    ErrorBudgetSeconds: sec(r.errorBudgetMs),
    ErrorBudgetRemainingSeconds: sec(r.errorBudgetRemainingMs),
    ErrorBudgetRemainingPercent: pct(r.errorBudgetRemainingRatio),
    BurnRate: r.burnRate,
    Reporters: [...o.reporters],
    MaintenanceWindows: o.maintenance.map((w) => ({ Start: iso(w.fromMs), End: iso(w.toMs), Comment: w.comment, Source: 'api' })),
    ComputedAt: iso(f.computedAtMs),
    Links: {
      Object: objectLink(ctx, t),
      Cluster: ctx.facts(t.cluster) === null ? null : link(paths.cluster(t.cluster)),
      ServiceLevel: link(availabilityPaths.sla(f.definition.name)),
    },
  };
};

export const slaBody = (f: LiveSlaFigures): Body => {
  const def = f.definition;
  const p = def.policy;
  const ratios = f.objects.map((o) => o.report.availabilityRatio);
  const counted = ratios.filter((x): x is number => x !== null);
  const health = worst(f.objects.map((o) => healthOf(o, f.selector)));
  return {
    '@odata.id': availabilityPaths.sla(def.name),
    '@odata.type': '#HawatchServiceLevel.v1_0_0.HawatchServiceLevel',
    Id: def.name,
    Name: def.name,
    cimClass: 'CIM_Policy',
    Status: { State: 'Enabled', Health: health, HealthRollup: health },
    Description: def.description,
    ObjectivePercent: p.slo * 100,
    Period: periodOf(f),
    CountAs: {
      Degraded: p.degraded,
      Unknown: p.unknown,
      Maintenance: p.excludeMaintenance ? 'excluded' : 'down',
      SplitBrain: def.service.split,
      NoHolder: def.service.noHolderWithUnknown,
    },
    CountedAsDown: downClasses(p),
    DebounceSeconds: p.debounceMs / 1000,
    Selectors: def.objects.map((o) => ({ Cluster: o.cluster, Kind: o.kind, Id: o.id })),
    MaintenanceWindows: f.policy.maintenance
      .filter((m) => m.toMs > f.period.fromMs && m.fromMs < f.period.toMs)
      .map((m) => ({ Start: iso(m.fromMs), End: iso(m.toMs), Comment: '', Source: 'policy' })),
    WeeklyMaintenance: def.weeklyMaintenance.map((w) => w.text),
    Policy: describePolicy(def),
    Summary: {
      Objects: f.objects.length,
      Met: f.objects.filter((o) => o.report.availabilityRatio !== null && o.report.availabilityRatio >= o.report.sloRatio).length,
      Missed: f.objects.filter((o) => o.report.availabilityRatio !== null && o.report.availabilityRatio < o.report.sloRatio).length,
      NoData: ratios.length - counted.length,
      WorstAvailabilityPercent: counted.length === 0 ? null : Math.min(...counted) * 100,
      Incidents: f.objects.reduce((s, o) => s + o.report.incidents, 0),
      DowntimeSeconds: f.objects.reduce((s, o) => s + o.report.countedDownMs, 0) / 1000,
    },
    ComputedAt: iso(f.computedAtMs),
    Objects: link(availabilityPaths.objects(def.name)),
  };
};

const collectionBody = (id: string, type: string, name: string, description: string, members: string[]): Body => ({
  '@odata.id': id,
  '@odata.type': `#${type}.${type}`,
  Name: name,
  Description: description,
  Members: members.map(link),
  'Members@odata.count': members.length,
});

interface View {
  url: string;
  operationId: string;
  summary: string;
  schema: string;
  member?: string;
  build(ctx: Ctx, p: Record<string, string>, provider: AvailabilityProvider): Body;
}

const param = (p: Record<string, string>, k: string): string => p[k] ?? notFound(`missing ${k}`);

export const AVAILABILITY_VIEWS: readonly View[] = [
  {
    url: availabilityPaths.root,
    operationId: 'listServiceLevels',
    summary: 'Service level agreements',
    schema: 'HawatchAvailabilityCollection',
    member: 'HawatchServiceLevel',
    build: (_ctx, _p, provider) =>
      collectionBody(availabilityPaths.root, 'HawatchAvailabilityCollection', 'Availability', 'The SLAs of this collector (slas: in its configuration), each with its objects\' figures.', provider.definitions().map((d) => availabilityPaths.sla(d.name))),
  },
  {
    url: `${availabilityPaths.root}/:sla`,
    operationId: 'getServiceLevel',
    summary: 'An SLA: objective, period, what counts as down, and the period\'s figures',
    schema: 'HawatchServiceLevel',
    build: (ctx, p) => slaBody(ctx.figures(param(p, 'sla'))),
  },
  {
    url: `${availabilityPaths.root}/:sla/Objects`,
    operationId: 'listServiceLevelObjects',
    summary: 'The objects an SLA covers',
    schema: 'HawatchServiceLevelObjectCollection',
    member: 'HawatchServiceLevelObject',
    build: (ctx, p) => {
      const f = ctx.figures(param(p, 'sla'));
      return collectionBody(
        availabilityPaths.objects(f.definition.name),
        'HawatchServiceLevelObjectCollection',
        `Objects of ${f.definition.name}`,
        'Every object the SLA names that existed in the period, by cluster, kind and id.',
        f.objects.map((o) => availabilityPaths.object(f.definition.name, objectKey(o.target))),
      );
    },
  },
  {
    url: `${availabilityPaths.root}/:sla/Objects/:object`,
    operationId: 'getServiceLevelObject',
    summary: 'One object\'s availability, incidents, MTBF, MTTR, MTTA and error budget under an SLA',
    schema: 'HawatchServiceLevelObject',
    build: (ctx, p) => {
      const f = ctx.figures(param(p, 'sla'));
      const key = param(p, 'object');
      const o = f.objects.find((x) => objectKey(x.target) === key) ?? notFound(`no object ${key} in SLA ${f.definition.name} for the ${f.selector} period`);
      return slaObjectBody(ctx, f, o);
    },
  },
];

const ERROR_RESPONSES = {
  400: Type.Ref('HawatchError', { description: 'a bad path parameter or query option; the message names it' }),
  401: Type.Ref('HawatchError', { description: 'no token, or a token this collector does not know' }),
  403: Type.Ref('HawatchError', { description: 'the token\'s role does not allow this' }),
  404: Type.Ref('HawatchError', { description: 'no such SLA or object' }),
  503: Type.Ref('HawatchError', { description: 'SLA figures are not wired in this collector' }),
};
const NOT_MODIFIED = Type.Null({ description: 'Not Modified: the representation still has the ETag given in If-None-Match' });

const match = (id: string) => matchRoute(AVAILABILITY_VIEWS, id);

const parsePeriod = (v: unknown): PeriodSelector => {
  if (v === undefined) return 'current';
  if (v === 'current' || v === 'previous') return v;
  throw new ApiError(400, QUERY_ERROR, `period: ${JSON.stringify(v)}: use current or previous`, ['query option period is not valid']);
};

/** Register the Availability routes (documented under the Availability tag). Needs the shared schemas added first. */
export const registerAvailabilityApi = (app: FastifyInstance, deps: AvailabilityApiDeps): void => {
  const makeCtx = (provider: AvailabilityProvider, selector: PeriodSelector): Ctx => {
    let snap: ModelSnapshot | undefined;
    const facts = new Map<string, ClusterFacts | null>();
    return {
      selector,
      figures: (sla) => provider.figures(sla, selector) ?? notFound(`no SLA named ${sla}`),
      facts: (name) => {
        if (!facts.has(name)) {
          snap ??= deps.model.snapshot();
          const c = snap.clusters.find((x) => x.name === name);
          facts.set(name, c === undefined ? null : clusterFacts(c));
        }
        return facts.get(name) ?? null;
      },
    };
  };

  for (const view of AVAILABILITY_VIEWS) {
    const collection = view.member !== undefined;
    const shape = schemaById(view.member ?? view.schema);
    const target = {
      collection,
      filterable: false,
      selectable: shape ? Object.keys(shape.properties).filter((k) => !(ALWAYS_SELECTED as readonly string[]).includes(k)) : [],
      maxTop: 100_000,
    };
    const nav = navigationOf(schemaById(view.schema) as Parameters<typeof navigationOf>[0]);
    const names = paramsOf(view.url);
    app.get(
      view.url,
      {
        config: { role: 'read' },
        attachValidation: true,
        schema: {
          operationId: view.operationId,
          summary: view.summary,
          tags: ['Availability'],
          ...(names.length > 0 ? { params: Type.Object(Object.fromEntries(names.map((n) => [n, Type.String({ minLength: 1, maxLength: 1024 })])), { additionalProperties: false }) } : {}),
          querystring: Type.Object({ ...querySchema(target).properties, period: Type.Optional(PERIOD_QUERY) }, { additionalProperties: false }),
          response: { 200: Type.Ref(view.schema, { description: 'OK' }), 304: NOT_MODIFIED, ...ERROR_RESPONSES },
        },
      },
      async (req: FastifyRequest) => {
        const { period, ...raw } = (req.query ?? {}) as Record<string, unknown>;
        const selector = parsePeriod(period);
        const q = parseQuery(raw, target);
        if (req.validationError) {
          const where = req.validationError.validation[0]?.instancePath.replace(/^\//, '') || req.validationError.validationContext || 'request';
          throw new ApiError(400, req.validationError.validationContext === 'querystring' ? QUERY_ERROR : 'hawatch.request.invalid', `${where}: ${req.validationError.message}`);
        }
        const provider = deps.availability ?? (() => {
          throw new ApiError(503, 'hawatch.rest.store_unavailable', 'this collector was started without SLA figures wired to the REST API');
        })();
        const ctx = makeCtx(provider, selector);
        let body = view.build(ctx, req.params as Record<string, string>, provider);
        if (collection) {
          const members = body['Members'] as unknown[];
          const total = body['Members@odata.count'] as number;
          const page = members.slice(q.skip, q.top === null ? undefined : q.skip + q.top);
          body = { ...body, Members: page };
          const top = q.top ?? page.length;
          if (top > 0 && q.skip + page.length < total) {
            const next = new URLSearchParams();
            for (const [k, v] of Object.entries({ ...raw, ...(period === undefined ? {} : { period }) })) if (typeof v === 'string' && k !== '$skip' && k !== '$top') next.set(k, v);
            next.set('$skip', String(q.skip + page.length));
            next.set('$top', String(top));
            body['Members@odata.nextLink'] = `${req.url.split('?')[0] as string}?${next.toString()}`;
          }
        }
        if (q.expand !== null) {
          const resolve = (id: string): Body | null => {
            const m = match(id);
            if (m === null) return null;
            try {
              return m.view.build(ctx, m.params, provider);
            } catch (e) {
              if (e instanceof ApiError && e.statusCode === 404) return null; // a link to something gone stays a link
              throw e;
            }
          };
          body = expand(body, q.expand, nav, resolve);
        }
        if (q.select !== null) {
          const chosen = q.select;
          body = collection ? { ...body, Members: (body['Members'] as Body[]).map((m) => (Object.keys(m).length > 1 ? select(m, chosen) : m)) } : select(body, chosen);
        }
        return body;
      },
    );
  }
};
