// Building notifiers from configuration, and the public face of alert delivery.
import { ConfigError, readSecret, validateConfig } from '../../../common/config-file.js';
import { createSnmpTrapNotifier, SnmpError, type SnmpAgentFace, type TrapTarget } from '../../snmp/index.js';
import { createAlertmanagerNotifier } from './alertmanager.js';
import { NotifierConfig, NotifiersConfig, type SnmpTrapNotifierConfig } from './config.js';
import { createPagerDutyNotifier, PAGERDUTY_EVENTS_URL } from './pagerduty.js';
import type { QueueNotifier } from './types.js';
import { createWebhookNotifier } from './webhook.js';

export interface NotifierDeps {
  now: () => number;
  fetch?: typeof globalThis.fetch;
  /** The collector's external URL, for links back to hawatch in every notification. */
  externalUrl?: string;
  /** Where the config came from (the YAML file, or "REST subscription x"), for error messages. */
  source?: string;
  /**
   * snmp-trap: the collector's running SNMP agent, asked at every send (null while none runs), whose MIB and
   * sysUpTime the notifications use; without it the notifier loads the MIB from `mibDir` (default: bundled).
   */
  snmpAgent?: () => SnmpAgentFace | null;
  mibDir?: string;
}

/** Validate raw input (YAML node, REST body) against NotifierConfig and apply its defaults. Throws ConfigError. */
export const parseNotifierConfig = (raw: unknown, source = 'notifier'): NotifierConfig => validateConfig(NotifierConfig, raw, source);

const authHeaders = (c: { name: string; token?: string; tokenFile?: string; basicAuth?: { username: string; password?: string; passwordFile?: string } }, source: string): Record<string, string> => {
  const token = readSecret(c.token, c.tokenFile, `notifiers[${c.name}].token`, source);
  if (token !== undefined && c.basicAuth !== undefined) throw new ConfigError(source, [`notifiers[${c.name}]: token and basicAuth exclude each other`]);
  if (token !== undefined) return { authorization: `Bearer ${token}` };
  if (c.basicAuth === undefined) return {};
  const password = readSecret(c.basicAuth.password, c.basicAuth.passwordFile, `notifiers[${c.name}].basicAuth.password`, source) ?? '';
  return { authorization: `Basic ${Buffer.from(`${c.basicAuth.username}:${password}`).toString('base64')}` };
};

const checkUrl = (url: string, name: string, source: string): string => {
  try {
    new URL(url);
  } catch {
    throw new ConfigError(source, [`notifiers[${name}].url: not a URL: ${url}`]);
  }
  return url;
};

/** snmp-trap targets with their secrets read and checked (a v2c community, a v3 user's keys). */
const trapTargets = (config: SnmpTrapNotifierConfig, source: string): TrapTarget[] =>
  config.targets.map((t, i) => {
    const where = `notifiers[${config.name}].targets[${t.name ?? i}]`;
    const version = t.version === '2c' ? '2c' : '3';
    const target: TrapTarget = {
      name: t.name ?? `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`,
      host: t.host,
      port: t.port,
      version,
      mode: t.mode,
      timeoutMs: t.timeoutSeconds * 1000,
      retries: t.retries,
      ...(t.engineId === undefined ? {} : { engineId: t.engineId }),
    };
    if (version === '2c') {
      const community = readSecret(t.community, t.communityFile, `${where}.community`, source);
      if (community === undefined || community === '') throw new ConfigError(source, [`${where}: v2c needs community or communityFile`]);
      target.community = community;
    } else {
      const u = t.user;
      if (u === undefined) throw new ConfigError(source, [`${where}: v3 needs user`]);
      const authKey = readSecret(u.authKey, u.authKeyFile, `${where}.user.authKey`, source) ?? '';
      const privKey = readSecret(u.privKey, u.privKeyFile, `${where}.user.privKey`, source) ?? '';
      target.user = { name: u.name, authProtocol: u.authProtocol, authKey, privProtocol: 'aes', privKey };
    }
    return target;
  });

/** One notifier from a validated config (see parseNotifierConfig). Fails fast on a bad URL or a missing secret. */
export const createNotifier = (config: NotifierConfig, deps: NotifierDeps): QueueNotifier => {
  const source = deps.source ?? 'notifier';
  if (config.type === 'snmp-trap') {
    try {
      return createSnmpTrapNotifier({
        name: config.name,
        targets: trapTargets(config, source),
        ...(deps.snmpAgent === undefined ? {} : { agent: deps.snmpAgent }),
        ...(deps.mibDir === undefined ? {} : { mibDir: deps.mibDir }),
      });
    } catch (e) {
      if (e instanceof SnmpError) throw new ConfigError(source, [`notifiers[${config.name}]: ${e.message}`]);
      throw e;
    }
  }
  const base = {
    name: config.name,
    timeoutMs: config.timeoutSeconds * 1000,
    now: deps.now,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.externalUrl === undefined ? {} : { externalUrl: deps.externalUrl }),
  };
  switch (config.type) {
    case 'alertmanager':
      return createAlertmanagerNotifier({
        ...base,
        url: checkUrl(config.url, config.name, source),
        headers: { ...config.headers, ...authHeaders(config, source) },
        resendIntervalMs: config.resendIntervalSeconds * 1000,
      });
    case 'webhook':
      return createWebhookNotifier({
        ...base,
        url: checkUrl(config.url, config.name, source),
        headers: { ...config.headers, ...authHeaders(config, source) },
        ...(config.receiver === undefined ? {} : { receiver: config.receiver }),
      });
    case 'pagerduty': {
      const routingKey = readSecret(config.routingKey, config.routingKeyFile, `notifiers[${config.name}].routingKey`, source);
      if (routingKey === undefined || routingKey === '') throw new ConfigError(source, [`notifiers[${config.name}]: needs routingKey or routingKeyFile`]);
      return createPagerDutyNotifier({
        ...base,
        routingKey,
        url: checkUrl(config.url || PAGERDUTY_EVENTS_URL, config.name, source),
        headers: config.headers ?? {},
      });
    }
  }
};

/** Every notifier of the `notifiers:` block; names must be unique because they key the queue and the log. */
export const createNotifiers = (configs: NotifiersConfig, deps: NotifierDeps): QueueNotifier[] => {
  const seen = new Set<string>();
  const dup = configs.map((c) => c.name).filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
  if (dup.length > 0) throw new ConfigError(deps.source ?? 'notifiers', dup.map((n) => `notifiers: name ${n} is used twice`));
  return configs.map((c) => createNotifier(c, deps));
};

export {
  NotifierConfig,
  NotifiersConfig,
  DeliveryConfig,
  AlertmanagerNotifierConfig,
  WebhookNotifierConfig,
  PagerDutyNotifierConfig,
  SnmpTrapNotifierConfig,
  SnmpTrapTargetConfig,
} from './config.js';
export { DeliveryError, type DeliveryErrorCode } from './errors.js';
export type { QueueNotifier, DeliveryReceipt, NotificationGroup, GroupedNotification } from './types.js';
export { createAlertmanagerNotifier, alertmanagerFingerprint, toPostableAlert, type PostableAlert } from './alertmanager.js';
export { createWebhookNotifier, toWebhookMessage, type WebhookMessage, type WebhookAlert } from './webhook.js';
export { createPagerDutyNotifier, toPagerDutyEvent, PAGERDUTY_EVENTS_URL, type PagerDutyEvent } from './pagerduty.js';
export {
  createDeliveryQueue,
  ALERT_DELIVERY_MIGRATION,
  type DeliveryQueue,
  type DeliveryQueueOptions,
  type DeliveryStats,
  type NotifierDeliveryStats,
  type DeliveryLogEntry,
} from './queue.js';
