// The REST API's response and request schemas. fastify serializes every answer with these, and
// @fastify/swagger turns the same objects into the OpenAPI document, so the document cannot drift from the code.
// Shared schemas carry an $id (an OpenAPI component each) and are referenced with Type.Ref.
import Type, { type TObject, type TSchema, type TSchemaOptions } from 'typebox';
import { HEALTHS, STATES } from './odata.js';
import { AVAILABILITY_SCHEMAS } from './views/availability-schemas.js';

const Nullable = <T extends TSchema>(t: T, options?: TSchemaOptions) => Type.Union([t, Type.Null()], options);
const DateTime = Type.String({ format: 'date-time' });
const Str = (description?: string) => (description === undefined ? Type.String() : Type.String({ description }));

export const Link = Type.Object(
  { '@odata.id': Type.String({ format: 'uri-reference', description: 'path of the referenced resource' }) },
  { $id: 'Link', additionalProperties: false, description: 'A reference to another resource; $expand puts the resource itself in its place.' },
);

export const Status = Type.Object(
  {
    State: Type.Union(STATES.map((s) => Type.Literal(s))),
    Health: Type.Union(HEALTHS.map((h) => Type.Literal(h))),
    HealthRollup: Type.Union(HEALTHS.map((h) => Type.Literal(h)), { description: 'the worst Health of this resource and those below it' }),
  },
  { $id: 'Status', additionalProperties: false },
);

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'stable, e.g. hawatch.rest.query_option' }),
        message: Type.String(),
        '@Message.ExtendedInfo': Type.Array(Type.Object({ MessageId: Type.String(), Message: Type.String() }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'HawatchError', additionalProperties: false, description: 'Every error, modelled on Redfish\'s error response; never a stack trace.' },
);

/** A link that $expand may replace with the resource it points to. */
const Expandable = (ref: string) => Type.Union([Type.Ref(ref), Type.Ref('Link')]);
const LinkTo = () => Type.Ref('Link');

/**
 * A resource: the four identity properties always come back; the others are left out only when $select leaves
 * them out (that is why they are not "required" here).
 */
const resource = ($id: string, description: string, props: Record<string, TSchema>): TObject =>
  Type.Object(
    {
      '@odata.id': Type.String({ format: 'uri-reference' }),
      '@odata.type': Type.String(),
      Id: Type.String(),
      Name: Type.String(),
      ...Object.fromEntries(
        Object.entries({ cimClass: Str('the CIM class this resource corresponds to'), Status: Type.Ref('Status'), ...props }).map(([k, v]) => [k, Type.Optional(v)]),
      ),
    },
    { $id, additionalProperties: false, description: `${description} Properties other than @odata.id, @odata.type, Id and Name are present unless $select leaves them out.` },
  );

const collection = ($id: string, member: string | null, description: string): TObject =>
  Type.Object(
    {
      '@odata.id': Type.String({ format: 'uri-reference' }),
      '@odata.type': Type.String(),
      Name: Type.String(),
      Description: Type.String(),
      Members: Type.Array(member === null ? LinkTo() : Expandable(member)),
      'Members@odata.count': Type.Integer({ minimum: 0, description: 'members in the whole collection (after $filter), not only on this page' }),
      'Members@odata.nextLink': Type.Optional(Type.String({ format: 'uri-reference', description: 'the next page, when $top left members out' })),
    },
    { $id, additionalProperties: false, description },
  );

const StatusReasons = Type.Array(Type.String(), { description: 'why Health is not OK, one line per finding' });

export const ServiceRoot = resource('ServiceRoot', 'The entry point: every resource is reachable from here by links.', {
  Product: Type.String(),
  OpenAPI: Type.String({ format: 'uri-reference', description: 'the OpenAPI 3.1 document of this API' }),
  Clusters: Expandable('HawatchClusterCollection'),
  Alerts: LinkTo(),
  AlertService: LinkTo(),
  EventService: Expandable('HawatchEventService'),
  Availability: LinkTo(),
});

const Votes = Type.Object(
  {
    Quorate: Type.Boolean(),
    ExpectedVotes: Type.Integer(),
    TotalVotes: Type.Integer(),
    QuorumVotes: Type.Integer({ description: 'votes needed for quorum' }),
    Flags: Type.Array(Type.String()),
    ReportedBy: LinkTo(),
  },
  { additionalProperties: false, description: 'votequorum as one member of the partition reports it (corosync-quorumtool)' },
);

export const Cluster = resource('HawatchCluster', 'A Linux HA cluster as the collector correlates its members\' reports.', {
  StatusReasons,
  Pacemaker: Type.Object(
    {
      NodesConfigured: Nullable(Type.Integer()),
      DesignatedControllers: Type.Array(
        Type.Object({ Name: Type.String(), WithQuorum: Type.Boolean(), ReportedBy: Type.Array(Type.String()) }, { additionalProperties: false }),
        { description: 'distinct DCs claimed by fresh reports; more than one means the cluster is partitioned' },
      ),
    },
    { additionalProperties: false },
  ),
  ViewFrom: Nullable(LinkTo(), { description: 'the member whose crm_mon report the Resources view follows (its partition\'s DC, preferring a quorate one)' }),
  Quorum: Type.Object(
    {
      Quorate: Nullable(Type.Boolean()),
      Source: Nullable(Type.Union([Type.Literal('corosync'), Type.Literal('pacemaker')])),
      Votes: Nullable(Votes),
    },
    { additionalProperties: false, description: 'the quorate partition\'s view, else the largest partition\'s; null when no fresh member reports it' },
  ),
  Partitions: Type.Array(
    Type.Object(
      {
        DesignatedController: Nullable(LinkTo()),
        WithQuorum: Nullable(Type.Boolean()),
        Members: Type.Array(LinkTo(), { description: 'the reporting nodes that belong to this partition' }),
        SeenOnline: Type.Array(Type.String(), { description: 'nodes these members see online' }),
        Votes: Nullable(Votes),
      },
      { additionalProperties: false },
    ),
  ),
  Nodes: Expandable('HawatchNodeCollection'),
  'Nodes@odata.count': Type.Integer({ minimum: 0 }),
  UnmonitoredNodes: Type.Array(LinkTo(), { description: 'nodes that run no hawatch agent, known from their peers\' reports only' }),
  Resources: Expandable('HawatchResourceCollection'),
  VirtualRouters: Expandable('HawatchVirtualRouterCollection'),
  ReplicatedVolumes: Expandable('HawatchReplicatedVolumeCollection'),
  StorageSessions: Expandable('HawatchStorageSessionCollection'),
  Events: Expandable('HawatchEventCollection'),
});

export const Node = resource('HawatchNode', 'A cluster node: its hawatch agent (if any) and how the cluster members see it.', {
  StatusReasons,
  Agent: Nullable(
    Type.Object(
      {
        Instance: Type.String(),
        Version: Type.String(),
        State: Type.Union([Type.Literal('up'), Type.Literal('stale')]),
        LastPush: DateTime,
        PushIntervalSeconds: Type.Number(),
        LastSequence: Type.Integer(),
      },
      { additionalProperties: false, description: 'null for a node that runs no hawatch agent and is known from its peers\' reports only' },
    ),
  ),
  Probes: Type.Array(
    Type.Object(
      {
        Name: Type.String(),
        Status: Type.Union([Type.Literal('ok'), Type.Literal('absent'), Type.Literal('failed'), Type.Literal('timeout')]),
        ObservedAt: DateTime,
        DurationSeconds: Type.Number(),
        Error: Nullable(Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
  ),
  Pacemaker: Type.Object(
    {
      SeenBy: Type.Record(Type.String(), Type.String(), { description: 'reporter → how it sees this node (online, standby, offline, unclean ...)' }),
      Type: Nullable(Type.String()),
      IsDesignatedController: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  Links: Type.Object(
    {
      Cluster: Expandable('HawatchCluster'),
      ParticipatingIn: Type.Object(
        { '@odata.id': Type.String({ format: 'uri-reference' }), cimAssociation: Type.String() },
        { additionalProperties: false },
      ),
      Resources: Type.Array(Expandable('HawatchResource'), { description: 'resources active on this node in the cluster-wide view' }),
    },
    { additionalProperties: false },
  ),
});

const ResourceView = {
  Role: Type.String(),
  Nodes: Type.Array(LinkTo()),
  Failed: Nullable(Type.Boolean()),
  Managed: Nullable(Type.Boolean()),
};

export const Resource = resource(
  'HawatchResource',
  'A Pacemaker resource as the designated controller\'s report says, with the reporters that see it otherwise.',
  {
    StatusReasons,
    ResourceAgent: Type.String({ description: 'e.g. ocf:pacemaker:Dummy, stonith:fence_xvm' }),
    Role: Type.String({ description: 'as crm_mon prints it; for clones the most advanced role of any instance' }),
    TargetRole: Nullable(Type.String()),
    Active: Type.Boolean(),
    Managed: Type.Boolean(),
    Failed: Type.Boolean(),
    Blocked: Type.Boolean(),
    Orphaned: Type.Boolean(),
    Group: Nullable(Type.String()),
    Clone: Nullable(Type.String()),
    Promotable: Type.Boolean(),
    FailCount: Type.Integer({ minimum: 0, description: 'sum over nodes (INFINITY = 1000000 per node)' }),
    FailCounts: Type.Array(
      Type.Object({ Node: LinkTo(), FailCount: Type.Integer({ minimum: 0 }), MigrationThreshold: Nullable(Type.Integer()) }, { additionalProperties: false }),
    ),
    Instances: Type.Array(
      Type.Object(
        { Instance: Nullable(Type.String()), Role: Type.String(), Active: Type.Boolean(), Failed: Type.Boolean(), Blocked: Type.Boolean(), Managed: Type.Boolean(), Nodes: Type.Array(LinkTo()) },
        { additionalProperties: false },
      ),
    ),
    ReportedBy: LinkTo(),
    Disagreements: Type.Array(
      Type.Object({ ReportedBy: LinkTo(), Present: Type.Boolean(), ...ResourceView }, { additionalProperties: false }),
      { description: 'fresh reporters whose crm_mon shows this resource otherwise (another partition, a lagging view)' },
    ),
    Links: Type.Object({ Cluster: Expandable('HawatchCluster'), Nodes: Type.Array(Expandable('HawatchNode')) }, { additionalProperties: false }),
  },
);

export const VirtualRouter = resource('HawatchVirtualRouter', 'One VRRP virtual router (VRID) across the nodes that run an instance of it.', {
  StatusReasons,
  VRID: Nullable(Type.Integer({ minimum: 0, maximum: 255 })),
  Family: Type.Union([Type.Literal('inet'), Type.Literal('inet6')]),
  Masters: Type.Array(LinkTo(), { description: 'nodes whose keepalived is MASTER: more than one is split brain' }),
  Instances: Type.Array(
    Type.Object(
      {
        Node: LinkTo(),
        InstanceName: Type.String(),
        State: Type.String(),
        ClaimedState: Nullable(Type.String()),
        Priority: Nullable(Type.Integer()),
        EffectivePriority: Nullable(Type.Integer()),
        Interface: Nullable(Type.String()),
        InterfaceUp: Nullable(Type.Boolean()),
        LastEvent: Nullable(Type.String()),
        ObservedAt: DateTime,
      },
      { additionalProperties: false },
    ),
  ),
  VirtualAddresses: Type.Array(
    Type.Object(
      {
        Address: Type.String(),
        Family: Type.Union([Type.Literal('inet'), Type.Literal('inet6')]),
        HeldBy: Type.Array(LinkTo(), { description: 'nodes where `ip addr` shows the address (the ground truth)' }),
      },
      { additionalProperties: false },
    ),
  ),
  Links: Type.Object({ Cluster: Expandable('HawatchCluster') }, { additionalProperties: false }),
});

export const ReplicatedVolume = resource('HawatchReplicatedVolume', 'One DRBD resource across the nodes that replicate it.', {
  StatusReasons,
  Primaries: Type.Array(LinkTo()),
  Replicas: Type.Array(
    Type.Object(
      {
        Node: LinkTo(),
        Role: Type.String(),
        DiskStates: Type.Array(Type.String(), { description: 'per volume, in volume order' }),
        Quorum: Nullable(Type.Boolean()),
        Suspended: Nullable(Type.Boolean()),
        SplitBrainSeenAt: Nullable(Type.String({ description: 'when a split-brain helper was last called, as DRBD printed it' })),
        ObservedAt: DateTime,
        Peers: Type.Array(
          Type.Object(
            {
              Peer: Type.String({ description: 'the DRBD connection name' }),
              PeerNode: Nullable(LinkTo()),
              ConnectionState: Type.String(),
              PeerRole: Type.String(),
              ReplicationStates: Type.Array(Type.String()),
              PeerDiskStates: Type.Array(Type.String()),
              OutOfSyncBytes: Nullable(Type.Number({ minimum: 0 })),
              SyncDonePercent: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  ),
  Links: Type.Object({ Cluster: Expandable('HawatchCluster') }, { additionalProperties: false }),
});

export const StorageSession = resource('HawatchStorageSession', 'One iSCSI target (by IQN) across the nodes that log in to it or have it configured.', {
  StatusReasons,
  LoggedIn: Type.Array(LinkTo(), { description: 'nodes with a logged-in session to the target' }),
  ExpectedOwner: Nullable(LinkTo(), { description: 'the node that should hold the session; null: not known yet (no placement source)' }),
  Nodes: Type.Array(
    Type.Object(
      {
        Node: LinkTo(),
        Configured: Nullable(Type.Boolean({ description: 'the target is in the node\'s iscsiadm node records; null: records not read' })),
        ObservedAt: DateTime,
        Sessions: Type.Array(
          Type.Object(
            {
              SID: Type.Integer({ minimum: 0 }),
              SessionState: Nullable(Type.String()),
              ConnectionState: Nullable(Type.String()),
              Portal: Nullable(Type.String({ description: 'ADDRESS:PORT of the current portal' })),
              PersistentPortal: Nullable(Type.String()),
              Iface: Nullable(Type.String()),
              Disks: Type.Array(Type.String(), { description: 'block devices of its LUNs' }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  ),
  Links: Type.Object({ Cluster: Expandable('HawatchCluster') }, { additionalProperties: false }),
});

export const Event = resource('HawatchEvent', 'One state change of one object as one node saw it (a row of the transition history).', {
  EventTimestamp: DateTime,
  Kind: Type.String({ description: 'object kind, e.g. pcmk_node, pcmk_resource, pcmk_cluster' }),
  Object: Type.String(),
  FromState: Nullable(Type.String()),
  ToState: Type.String(),
  Availability: Type.Union(['up', 'down', 'degraded', 'unknown', 'maintenance'].map((s) => Type.Literal(s))),
  Probe: Type.String(),
  Links: Type.Object({ ReportedBy: Nullable(LinkTo()), Cluster: Expandable('HawatchCluster') }, { additionalProperties: false }),
});

export const SUBSCRIPTION_PROTOCOLS = ['webhook', 'alertmanager', 'pagerduty', 'snmp-trap'] as const;
const Protocol = Type.Union(SUBSCRIPTION_PROTOCOLS.map((p) => Type.Literal(p)));

export const EventService = resource('HawatchEventService', 'Where alerts are delivered.', {
  Description: Type.String(),
  ServiceEnabled: Type.Boolean(),
  Protocols: Type.Array(Protocol),
  Subscriptions: Expandable('HawatchSubscriptionCollection'),
});

export const Subscription = resource('HawatchSubscription', 'A destination for alert notifications. Its secret is write-only.', {
  Protocol,
  Destination: Type.String(),
  Context: Nullable(Type.String()),
  SecretConfigured: Type.Boolean(),
  Created: DateTime,
  CreatedBy: Type.String(),
});

export const SubscriptionCreate = Type.Object(
  {
    Name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    Protocol,
    Destination: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'webhook, alertmanager: an http(s) URL; pagerduty: the Events API v2 URL (default https://events.pagerduty.com/v2/enqueue); snmp-trap: snmp://HOST[:PORT] (RFC 4088)',
      }),
    ),
    Context: Type.Optional(Type.String({ maxLength: 256, description: 'opaque, sent back with every notification' })),
    Secret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'write-only: a bearer token (webhook, alertmanager), the routing key (pagerduty, required), the community (snmp-trap)' }),
    ),
  },
  { additionalProperties: false },
);

export const Collections = {
  clusters: collection('HawatchClusterCollection', 'HawatchCluster', 'The clusters whose agents report to this collector.'),
  nodes: collection('HawatchNodeCollection', 'HawatchNode', 'Nodes whose hawatch agent reports to this collector.'),
  resources: collection('HawatchResourceCollection', 'HawatchResource', 'Pacemaker resources.'),
  virtualRouters: collection('HawatchVirtualRouterCollection', 'HawatchVirtualRouter', 'VRRP virtual routers.'),
  replicatedVolumes: collection('HawatchReplicatedVolumeCollection', 'HawatchReplicatedVolume', 'DRBD resources.'),
  storageSessions: collection('HawatchStorageSessionCollection', 'HawatchStorageSession', 'iSCSI targets and the sessions to them.'),
  events: collection('HawatchEventCollection', 'HawatchEvent', 'State changes, newest first.'),
  subscriptions: collection('HawatchSubscriptionCollection', 'HawatchSubscription', 'Alert destinations.'),
} as const;

/** Every shared schema, to be added with app.addSchema before the routes that reference them. */
export const SHARED_SCHEMAS: readonly TObject[] = [
  Link,
  Status,
  ErrorBody,
  ServiceRoot,
  Cluster,
  Node,
  Resource,
  VirtualRouter,
  ReplicatedVolume,
  StorageSession,
  Event,
  EventService,
  Subscription,
  ...Object.values(Collections),
  ...AVAILABILITY_SCHEMAS,
];

/** Shared schemas by $id, for $select checks. */
export const schemaById = (id: string): TObject | undefined => SHARED_SCHEMAS.find((s) => (s as { $id?: string }).$id === id);
