// A generic webhook speaking Alertmanager's webhook payload (version 4), so receivers written for Alertmanager
// (chat bridges, ticketing, on-call tools) work with hawatch directly.
import type { AlertNotification } from '../types.js';
import { alertAnnotations, alertLabels, alertUrl, iso, labelSetString, sortKeys } from './format.js';
import { postJson, type HttpTarget } from './http.js';
import type { DeliveryReceipt, GroupedNotification, NotificationGroup, QueueNotifier } from './types.js';

/** Alertmanager writes the zero Go time as endsAt of firing alerts; receivers test for it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookMessage {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

export interface WebhookNotifierOptions {
  name: string;
  url: string;
  /** The `receiver` field; the notifier's name when absent. */
  receiver?: string;
  headers?: Readonly<Record<string, string>>;
  timeoutMs: number;
  externalUrl?: string;
  fetch?: typeof globalThis.fetch;
  now: () => number;
}

const common = (sets: readonly Record<string, string>[]): Record<string, string> => {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((s) => s[k] === v)));
};

/**
 * One message per group. With a group (alerting.groupBy, default cluster + alertname) groupKey and groupLabels are
 * the group's, as Alertmanager's root route makes them, and the message carries what changed in the group (new,
 * repeated and resolved alerts). Without one (a direct send) the group is the alert itself, as with Alertmanager's
 * `group_by: ['...']`: groupKey is stable per alert.
 */
export const toWebhookMessage = (batch: readonly AlertNotification[], receiver: string, externalUrl: string | undefined, group?: NotificationGroup): WebhookMessage => {
  const alerts: WebhookAlert[] = batch.map((n) => {
    const a = n.alert;
    const startsMs = a.firingAtMs ?? a.startsAtMs;
    return {
      status: n.kind,
      labels: alertLabels(a),
      annotations: alertAnnotations(a),
      startsAt: iso(startsMs),
      endsAt: n.kind === 'resolved' ? iso(Math.max(a.endsAtMs ?? startsMs, startsMs)) : GO_ZERO_TIME,
      generatorURL: alertUrl(externalUrl, a) ?? '',
      fingerprint: a.fingerprint,
    };
  });
  const commonLabels = common(alerts.map((a) => a.labels));
  const groupLabels = group === undefined ? commonLabels : sortKeys(group.labels);
  return {
    version: '4',
    groupKey: group?.key ?? `{}:${labelSetString(commonLabels)}`,
    truncatedAlerts: 0,
    // As Alertmanager: the group is firing while any of its alerts is.
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels,
    commonLabels,
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl ?? '',
    alerts,
  };
};

/** Consecutive notifications of one group; each ungrouped one alone. */
const runsByGroup = (batch: readonly GroupedNotification[]): GroupedNotification[][] => {
  const runs: GroupedNotification[][] = [];
  for (const n of batch) {
    const last = runs[runs.length - 1];
    if (last !== undefined && n.group !== undefined && last[0]?.group?.key === n.group.key) last.push(n);
    else runs.push([n]);
  }
  return runs;
};

export const createWebhookNotifier = (o: WebhookNotifierOptions): QueueNotifier => {
  const target: HttpTarget = { url: o.url, headers: o.headers ?? {}, timeoutMs: o.timeoutMs, fetch: o.fetch ?? globalThis.fetch, now: o.now };
  const receiver = o.receiver ?? o.name;
  const deliver = async (batch: readonly GroupedNotification[]): Promise<DeliveryReceipt> => {
    let status = 0;
    // A grouped run is one message; an ungrouped notification is a message of its own (see toWebhookMessage).
    for (const run of runsByGroup(batch)) status = (await postJson(target, toWebhookMessage(run, receiver, o.externalUrl, run[0]?.group))).status;
    return { status };
  };
  return {
    name: o.name,
    kind: 'webhook',
    maxBatch: 1,
    groupBatch: 64,
    deliver,
    send: async (batch) => {
      await deliver(batch);
    },
  };
};
