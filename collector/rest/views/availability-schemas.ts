// Schemas of the Availability resources (SLA policies and their objects' figures). Registered with the other shared
// schemas (schemas.ts SHARED_SCHEMAS), so fastify serializes with them and the OpenAPI document describes them.
// Shared schemas are referenced by $id (Type.Ref), never imported from schemas.ts, so there is no import cycle.
import Type, { type TObject, type TSchema, type TSchemaOptions } from 'typebox';

const Nullable = <T extends TSchema>(t: T, options?: TSchemaOptions) => Type.Union([t, Type.Null()], options);
const DateTime = Type.String({ format: 'date-time' });
const Seconds = (description: string) => Type.Number({ description });
const lits = (values: readonly string[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description === undefined ? {} : { description });
const Expandable = (ref: string) => Type.Union([Type.Ref(ref), Type.Ref('Link')]);

/** As schemas.ts's resources: identity always present, the rest unless $select leaves it out. */
const resource = ($id: string, description: string, props: Record<string, TSchema>): TObject =>
  Type.Object(
    {
      '@odata.id': Type.String({ format: 'uri-reference' }),
      '@odata.type': Type.String(),
      Id: Type.String(),
      Name: Type.String(),
      ...Object.fromEntries(
        Object.entries({ cimClass: Type.String({ description: 'the CIM class this resource corresponds to' }), Status: Type.Ref('Status'), ...props }).map(([k, v]) => [k, Type.Optional(v)]),
      ),
    },
    { $id, additionalProperties: false, description: `${description} Properties other than @odata.id, @odata.type, Id and Name are present unless $select leaves them out.` },
  );

const collection = ($id: string, member: string, description: string): TObject =>
  Type.Object(
    {
      '@odata.id': Type.String({ format: 'uri-reference' }),
      '@odata.type': Type.String(),
      Name: Type.String(),
      Description: Type.String(),
      Members: Type.Array(Expandable(member)),
      'Members@odata.count': Type.Integer({ minimum: 0, description: 'members in the whole collection, not only on this page' }),
      'Members@odata.nextLink': Type.Optional(Type.String({ format: 'uri-reference', description: 'the next page, when $top left members out' })),
    },
    { $id, additionalProperties: false, description },
  );

export const PERIOD_QUERY = lits(['current', 'previous'], 'which calendar period of the SLA: the one running now (default) or the one before it');

const Period = Type.Object(
  {
    Selector: lits(['current', 'previous']),
    Unit: lits(['day', 'week', 'month', 'quarter', 'year']),
    Label: Type.String({ description: 'e.g. 2026-11, 2026-W48, 2026-Q4' }),
    TimeZone: Type.String({ description: 'IANA time zone the period is aligned to' }),
    Start: DateTime,
    End: DateTime,
    EvaluatedUntil: Type.String({ format: 'date-time', description: 'the figures cover [Start, EvaluatedUntil): the rest has not happened yet' }),
  },
  { additionalProperties: false },
);

const Window = Type.Object({ Start: DateTime, End: DateTime, Comment: Type.String(), Source: lits(['policy', 'api'], 'the SLA\'s configuration, or a maintenance window set through the API') }, { additionalProperties: false });

export const SlaCollection = collection('HawatchAvailabilityCollection', 'HawatchServiceLevel', 'Service level agreements: each with its objective, period and objects.');

export const ServiceLevel = resource('HawatchServiceLevel', 'A service level agreement (the slas: block of the collector configuration) and its figures for one period.', {
  Description: Type.String(),
  ObjectivePercent: Type.Number({ minimum: 0, maximum: 100 }),
  Period,
  CountAs: Type.Object(
    {
      Degraded: lits(['up', 'down']),
      Unknown: lits(['excluded', 'up', 'down']),
      Maintenance: lits(['excluded', 'down']),
      SplitBrain: lits(['down', 'degraded', 'up', 'unknown']),
      NoHolder: lits(['down', 'unknown']),
    },
    { additionalProperties: false, description: 'how each state counts' },
  ),
  CountedAsDown: Type.Array(lits(['down', 'degraded', 'unknown', 'maintenance']), { description: 'the object states that count as down time' }),
  DebounceSeconds: Type.Number({ minimum: 0, description: 'outages shorter than this are blips' }),
  Selectors: Type.Array(
    Type.Object({ Cluster: Type.String(), Kind: lits(['resource', 'vip', 'node', 'cluster']), Id: Type.String() }, { additionalProperties: false }),
    { description: 'which objects the SLA covers (names or globs)' },
  ),
  MaintenanceWindows: Type.Array(Window, { description: 'the configured windows within the period (windows set through the API are listed per object)' }),
  WeeklyMaintenance: Type.Array(Type.String(), { description: 'recurring windows, e.g. "Sun 02:00-04:00" in the SLA\'s time zone' }),
  Policy: Type.String({ description: 'the policy in one line' }),
  Summary: Type.Object(
    {
      Objects: Type.Integer({ minimum: 0 }),
      Met: Type.Integer({ minimum: 0, description: 'objects at or above the objective so far' }),
      Missed: Type.Integer({ minimum: 0 }),
      NoData: Type.Integer({ minimum: 0, description: 'objects with no counted time' }),
      WorstAvailabilityPercent: Nullable(Type.Number()),
      Incidents: Type.Integer({ minimum: 0 }),
      DowntimeSeconds: Seconds('counted down time of all objects'),
    },
    { additionalProperties: false },
  ),
  ComputedAt: Type.String({ format: 'date-time', description: 'figures are computed at most every few seconds and shared by REST, /metrics and SNMP' }),
  Objects: Expandable('HawatchServiceLevelObjectCollection'),
});

export const SlaObjectCollection = collection('HawatchServiceLevelObjectCollection', 'HawatchServiceLevelObject', 'The objects of one SLA with their figures.');

export const SlaObject = resource('HawatchServiceLevelObject', 'The availability of one object under one SLA over one period, from the transition history.', {
  Cluster: Type.String(),
  Kind: lits(['resource', 'vip', 'node', 'cluster']),
  Object: Type.String({ description: 'resource id, virtual address, node name, or "cluster"' }),
  Period,
  AvailabilityPercent: Nullable(Type.Number({ minimum: 0, maximum: 100 }), { description: 'up / (up + down); null when nothing was counted' }),
  ObjectivePercent: Type.Number({ minimum: 0, maximum: 100 }),
  ObjectiveMet: Nullable(Type.Boolean(), { description: 'so far; null when nothing was counted' }),
  UptimeSeconds: Seconds('time counted as up'),
  DowntimeSeconds: Seconds('time counted as down'),
  ExcludedSeconds: Seconds('time left out: maintenance and, by policy, unknown'),
  MaintenanceSeconds: Seconds('time in maintenance (windows and objects reported in maintenance)'),
  UnknownSeconds: Seconds('time without data (silent agents, before the first report)'),
  Incidents: Type.Integer({ minimum: 0, description: 'runs of counted down time; one still open counts' }),
  AcknowledgedIncidents: Type.Integer({ minimum: 0, description: 'incidents during which an alert about the object was acknowledged (those MTTA averages)' }),
  MTBFSeconds: Nullable(Seconds('up time / incidents')),
  MTTRSeconds: Nullable(Seconds('down time / incidents')),
  MTTASeconds: Nullable(Seconds('mean time from an incident\'s start to the first acknowledgement of an alert about the object firing during it')),
  ErrorBudgetSeconds: Seconds('(1 - objective) x counted time of the whole period (the rest of the period assumed counted)'),
  ErrorBudgetRemainingSeconds: Seconds('negative once overspent'),
  ErrorBudgetRemainingPercent: Nullable(Type.Number()),
  BurnRate: Nullable(Type.Number({ minimum: 0, description: '1 spends the budget exactly by the end of the period; more, sooner' })),
  Reporters: Type.Array(Type.String(), { description: 'nodes whose reports the figures read' }),
  MaintenanceWindows: Type.Array(Window, { description: 'windows set through the API that apply to this object' }),
  ComputedAt: DateTime,
  Links: Type.Object(
    {
      Object: Nullable(Type.Ref('Link'), { description: 'the cluster, node, resource or virtual router (of a VIP) in the live tree; null when the live model no longer has it' }),
      Cluster: Nullable(Type.Ref('Link')),
      ServiceLevel: Type.Ref('Link'),
    },
    { additionalProperties: false },
  ),
});

export const AVAILABILITY_SCHEMAS: readonly TObject[] = [SlaCollection, ServiceLevel, SlaObjectCollection, SlaObject];
