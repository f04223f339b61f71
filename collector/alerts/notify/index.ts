// Building notifiers from configuration, and the public face of alert delivery.
import { ConfigError, readSecret, validateConfig } from '../../../common/config-file.js';
import { createAlertmanagerNotifier } from './alertmanager.js';
import { NotifierConfig, NotifiersConfig } from './config.js';
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

/** One notifier from a validated config (see parseNotifierConfig). Fails fast on a bad URL or a missing secret. */
export const createNotifier = (config: NotifierConfig, deps: NotifierDeps): QueueNotifier => {
  const source = deps.source ?? 'notifier';
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

export { NotifierConfig, NotifiersConfig, DeliveryConfig, AlertmanagerNotifierConfig, WebhookNotifierConfig, PagerDutyNotifierConfig } from './config.js';
export { DeliveryError, type DeliveryErrorCode } from './errors.js';
export type { QueueNotifier, DeliveryReceipt } from './types.js';
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
