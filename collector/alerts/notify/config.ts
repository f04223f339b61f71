// Notifier configuration: one schema per destination type, a union by `type`, defaults in the schemas. Used for
// the collector YAML's `notifiers:` list and for REST EventService subscriptions alike.
import Type, { type Static } from 'typebox';

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'unique; keys the delivery queue and log' });
const Url = Type.String({ pattern: '^https?://', description: 'http:// or https:// URL' });
const Timeout = Type.Number({ exclusiveMinimum: 0, maximum: 300, default: 10, description: 'per request' });
// CR or LF in a header value would let one header smuggle another.
const Headers = Type.Record(Type.String({ pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' }), Type.String({ pattern: '^[^\\r\\n]*$' }), {
  description: 'extra request headers',
});
const Secret = Type.String({ minLength: 1 });
const SecretFile = Type.String({ minLength: 1, description: 'read the secret from this file (systemd credentials, Kubernetes secrets); wins over the inline value' });
const BasicAuth = Type.Object(
  {
    username: Type.String({ minLength: 1, pattern: '^[^:]*$' }),
    password: Type.Optional(Secret),
    passwordFile: Type.Optional(SecretFile),
  },
  { additionalProperties: false },
);

/** Auth and headers for any HTTP destination: a bearer token or basic auth, plus fixed headers. */
const HttpFields = {
  token: Type.Optional(Secret),
  tokenFile: Type.Optional(SecretFile),
  basicAuth: Type.Optional(BasicAuth),
  headers: Type.Optional(Headers),
};

export const AlertmanagerNotifierConfig = Type.Object(
  {
    type: Type.Literal('alertmanager'),
    name: Name,
    /** Alertmanager's base URL (e.g. http://127.0.0.1:9093); /api/v2/alerts is appended. */
    url: Url,
    timeoutSeconds: Timeout,
    /**
     * Firing alerts are re-sent this often (Prometheus: --rules.alert.resend-delay, 1m); each carries an endsAt
     * four intervals ahead, after which Alertmanager resolves the alert by itself.
     */
    resendIntervalSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 60 }),
    ...HttpFields,
  },
  { additionalProperties: false },
);

export const WebhookNotifierConfig = Type.Object(
  {
    type: Type.Literal('webhook'),
    name: Name,
    url: Url,
    timeoutSeconds: Timeout,
    /** The payload's `receiver`; the notifier's name when absent. */
    receiver: Type.Optional(Type.String({ minLength: 1 })),
    ...HttpFields,
  },
  { additionalProperties: false },
);

export const PagerDutyNotifierConfig = Type.Object(
  {
    type: Type.Literal('pagerduty'),
    name: Name,
    /** The integration key of a PagerDuty service (Events API v2). */
    routingKey: Type.Optional(Secret),
    routingKeyFile: Type.Optional(SecretFile),
    url: Type.String({ ...Url, default: 'https://events.pagerduty.com/v2/enqueue' }),
    timeoutSeconds: Timeout,
    headers: Type.Optional(Headers),
  },
  { additionalProperties: false },
);

/** An SNMPv3 USM user for notifications: always authPriv (SHA or SHA-256, AES), as the collector's agent. */
const SnmpTrapUser = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 32 }),
    authProtocol: Type.Union([Type.Literal('sha'), Type.Literal('sha256')], { default: 'sha256' }),
    authKey: Type.Optional(Type.String({ minLength: 8 })),
    authKeyFile: Type.Optional(SecretFile),
    privProtocol: Type.Literal('aes', { default: 'aes' }),
    privKey: Type.Optional(Type.String({ minLength: 8 })),
    privKeyFile: Type.Optional(SecretFile),
  },
  { additionalProperties: false },
);

/** One NMS that receives the notifications. */
export const SnmpTrapTargetConfig = Type.Object(
  {
    /** For the delivery log and errors; HOST:PORT when absent. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:\\[\\]-]+$' })),
    host: Type.String({ minLength: 1, description: 'the NMS: an IP address or host name' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 162 }),
    /** 3 may be written unquoted in YAML. */
    version: Type.Union([Type.Literal('2c'), Type.Literal('3'), Type.Literal(3)], { default: '2c' }),
    /** inform: acknowledged by the NMS, retried, and retried again by the delivery queue; trap: sent once, never known lost. */
    mode: Type.Union([Type.Literal('inform'), Type.Literal('trap')], { default: 'inform' }),
    /** v2c */
    community: Type.Optional(Secret),
    communityFile: Type.Optional(SecretFile),
    /** v3 */
    user: Type.Optional(SnmpTrapUser),
    /** v3 traps only: the hex snmpEngineID the NMS registered the user under (snmptrapd `createUser -e`). */
    engineId: Type.Optional(Type.String({ pattern: '^(0x)?([0-9a-fA-F]{2}){5,32}$' })),
    /** per inform attempt */
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 3 }),
    /** inform re-sends within one delivery attempt */
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
  },
  { additionalProperties: false },
);

/** HAWATCH-MIB notifications (hawatchAlertFiring/Resolved, split brain, quorum) to NMS targets. */
export const SnmpTrapNotifierConfig = Type.Object(
  {
    type: Type.Literal('snmp-trap'),
    name: Name,
    targets: Type.Array(SnmpTrapTargetConfig, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const NotifierConfig = Type.Union([AlertmanagerNotifierConfig, WebhookNotifierConfig, PagerDutyNotifierConfig, SnmpTrapNotifierConfig]);
export type NotifierConfig = Static<typeof NotifierConfig>;
export type AlertmanagerNotifierConfig = Static<typeof AlertmanagerNotifierConfig>;
export type WebhookNotifierConfig = Static<typeof WebhookNotifierConfig>;
export type PagerDutyNotifierConfig = Static<typeof PagerDutyNotifierConfig>;
export type SnmpTrapNotifierConfig = Static<typeof SnmpTrapNotifierConfig>;
export type SnmpTrapTargetConfig = Static<typeof SnmpTrapTargetConfig>;

/** The collector YAML's `notifiers:` block. */
export const NotifiersConfig = Type.Array(NotifierConfig, { default: [] });
export type NotifiersConfig = Static<typeof NotifiersConfig>;

/** The collector YAML's `delivery:` block: how the queue retries and how long it keeps its log. */
export const DeliveryConfig = Type.Object(
  {
    backoffInitialSeconds: Type.Number({ minimum: 0.01, default: 1 }),
    backoffMaxSeconds: Type.Number({ minimum: 0.1, default: 300 }),
    /** A notification not delivered within this is marked failed with the last error. */
    maxAgeHours: Type.Number({ exclusiveMinimum: 0, default: 24 }),
    /** Sent and failed deliveries and the delivery log are kept this long. */
    retentionDays: Type.Number({ exclusiveMinimum: 0, default: 7 }),
    /** The collector's URL as on-call reaches it: generatorURL / client_url link to /api/v1/Alerts/{fingerprint}. */
    externalUrl: Type.Optional(Url),
  },
  { additionalProperties: false, default: {} },
);
export type DeliveryConfig = Static<typeof DeliveryConfig>;
