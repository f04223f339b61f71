// Schemas of the alerting resources (Alerts, AlertService, Silences): fastify serializes the answers with them and
// validates request bodies, and @fastify/swagger puts the same objects into /api/v1/openapi.json. Like
// collector/rest/schemas.ts, each carries an $id (one OpenAPI component) and refers to the shared Link, Status and
// HawatchError, which registerRestApi adds first.
import Type, { type TObject, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description === undefined ? {} : { description });
const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description === undefined ? {} : { description }) });
const Id = Type.String({ format: 'uri-reference' });
const LinkTo = () => Type.Ref('Link');

const resource = ($id: string, description: string, props: Record<string, TSchema>, optional: Record<string, TSchema> = {}): TObject =>
  Type.Object(
    {
      '@odata.id': Id,
      '@odata.type': Type.String(),
      Id: Type.String(),
      Name: Type.String(),
      cimClass: Type.String({ description: 'the CIM class this resource corresponds to' }),
      Status: Type.Ref('Status'),
      ...props,
      ...Object.fromEntries(Object.entries(optional).map(([k, v]) => [k, Type.Optional(v)])),
    },
    { $id, additionalProperties: false, description },
  );

const collection = ($id: string, member: string, description: string): TObject =>
  Type.Object(
    {
      '@odata.id': Id,
      '@odata.type': Type.String(),
      Name: Type.String(),
      Description: Type.String(),
      Members: Type.Array(Type.Ref(member)),
      'Members@odata.count': Type.Integer({ minimum: 0 }),
    },
    { $id, additionalProperties: false, description },
  );

const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);

const Evidence = Type.Object(
  {
    Node: Type.String({ description: 'the node whose observation this is' }),
    Probe: Type.String(),
    ObservedAt: DateTime(),
    Says: Type.String(),
  },
  { additionalProperties: false },
);

export const Alert = resource(
  'HawatchAlert',
  'An alert: what a rule found, since when, the evidence (which node said what, when), and why it does or does not page.',
  {
    Rule: Type.String({ description: 'the rule (Prometheus alertname)' }),
    Cluster: LinkTo(),
    Severity,
    AlertStatus: Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')]),
    Labels: Type.Record(Type.String(), Type.String()),
    Summary: Type.String(),
    Description: Type.String(),
    Runbook: Type.String(),
    StartsAt: DateTime('when the condition was first seen'),
    FiringAt: Nullable(DateTime(), 'when it started firing (after the rule\'s for); null while pending'),
    EndsAt: Nullable(DateTime(), 'when it resolved'),
    Evidence: Type.Array(Evidence),
    AcknowledgedAt: Nullable(DateTime(), 'the first acknowledgement of this incident'),
    AcknowledgedBy: Nullable(Type.String()),
    SilencedBy: Type.Array(Type.String(), { description: 'ids of the active silences and maintenance windows that match it' }),
    InhibitedBy: Type.Array(Type.String(), { description: 'fingerprints of the firing alerts that inhibit it' }),
    Historical: Type.Boolean({ description: 'it fired on late evidence only (observations that arrived late, for a state that may be over): stored, not paged' }),
    Actions: Type.Object(
      { '#HawatchAlert.Acknowledge': Type.Object({ target: Type.String({ format: 'uri-reference' }) }, { additionalProperties: false }) },
      { additionalProperties: false },
    ),
  },
  {
    History: Type.Array(
      Type.Object(
        {
          At: DateTime(),
          From: Nullable(Type.String()),
          To: Type.String(),
          Evidence: Type.Array(Type.Object({ Node: Type.String(), Says: Type.String() }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
      { description: 'every status change (only on the alert itself, not in the collection)' },
    ),
  },
);

export const AlertCollection = collection('HawatchAlertCollection', 'HawatchAlert', 'Open alerts and alerts that changed in the last 24 hours, newest first.');

const Matcher = Type.Object(
  {
    Name: Type.String({ description: 'alertname (the rule), cluster, severity, or any alert label (node, resource, vrid, address ...)' }),
    Value: Type.String(),
    IsRegex: Type.Boolean({ description: 'Value is a regular expression, anchored at both ends' }),
    IsEqual: Type.Boolean({ description: 'false: the label must not match' }),
  },
  { additionalProperties: false },
);

export const Silence = resource(
  'HawatchSilence',
  'A silence (mutes notifications of the alerts it matches) or a maintenance window (also excluded from SLA figures). Expired ones are kept as history.',
  {
    Kind: Type.Union([Type.Literal('silence'), Type.Literal('maintenance')]),
    Matchers: Type.Array(Matcher),
    StartsAt: DateTime(),
    EndsAt: DateTime(),
    Comment: Type.String(),
    CreatedBy: Type.String({ description: 'the name of the token that created it' }),
    Created: DateTime(),
    State: Type.Union([Type.Literal('Pending'), Type.Literal('Active'), Type.Literal('Expired')]),
  },
);

export const SilenceCollection = collection('HawatchSilenceCollection', 'HawatchSilence', 'Silences and maintenance windows, newest first, expired ones included.');

export const SilenceCreate = Type.Object(
  {
    Kind: Type.Optional(Type.Union([Type.Literal('silence'), Type.Literal('maintenance')], { description: 'default silence' })),
    Matchers: Type.Array(
      Type.Object(
        {
          Name: Type.String({ minLength: 1, maxLength: 128 }),
          Value: Type.String({ maxLength: 1024 }),
          IsRegex: Type.Optional(Type.Boolean({ description: 'default false' })),
          IsEqual: Type.Optional(Type.Boolean({ description: 'default true' })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 32, description: 'all must match; at least one, and not all of them matching an empty label' },
    ),
    StartsAt: Type.Optional(DateTime('default: now')),
    EndsAt: Type.Optional(DateTime('this or DurationSeconds')),
    DurationSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 * 86_400, description: 'from StartsAt; this or EndsAt' })),
    Comment: Type.String({ minLength: 1, maxLength: 1024, description: 'why: shown to whoever wonders why an alert did not page' }),
  },
  // Inline in the route (no $id): the body validator compiles it on its own, without the shared schemas.
  { additionalProperties: false, description: 'A new silence or maintenance window' },
);

export const AlertService = resource('HawatchAlertService', 'How alerts are turned into notifications: silences, inhibition, grouping.', {
  Description: Type.String(),
  Alerts: LinkTo(),
  Silences: LinkTo(),
  ActiveSilences: Type.Integer({ minimum: 0 }),
  Grouping: Type.Object(
    {
      GroupBy: Type.Array(Type.String()),
      GroupWaitSeconds: Type.Number(),
      GroupWaitCriticalSeconds: Type.Number(),
      RepeatIntervalSeconds: Type.Number(),
    },
    { additionalProperties: false },
  ),
  LateEvidenceSeconds: Nullable(Type.Number(), 'evidence older than this makes a newly firing alert historical; null: each node\'s stale threshold'),
  InhibitRules: Type.Array(
    Type.Object({ Name: Type.String(), SourceMatchers: Type.Array(Matcher), TargetMatchers: Type.Array(Matcher), Equal: Type.Array(Type.String()) }, { additionalProperties: false }),
  ),
});

/** Added with app.addSchema before the alert routes (after the shared REST schemas they refer to). */
export const ALERT_SCHEMAS: readonly TObject[] = [Alert, AlertCollection, Silence, SilenceCollection, AlertService];
