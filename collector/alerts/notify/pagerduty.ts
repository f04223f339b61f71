// PagerDuty Events API v2: trigger on firing, resolve on resolved, with the alert's fingerprint as dedup_key so a
// re-sent trigger joins the open incident and the resolve closes it.
import type { Alert, AlertNotification, Severity } from '../types.js';
import { alertLabels, alertUrl, evidenceText, iso } from './format.js';
import { postJson, type HttpTarget } from './http.js';
import type { DeliveryReceipt, QueueNotifier } from './types.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's limits (Events API v2): summary 1024 characters, dedup_key 255. */
const MAX_SUMMARY = 1024;
const MAX_DEDUP_KEY = 255;

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
}

export interface PagerDutyNotifierOptions {
  name: string;
  routingKey: string;
  url?: string;
  headers?: Readonly<Record<string, string>>;
  timeoutMs: number;
  externalUrl?: string;
  fetch?: typeof globalThis.fetch;
  now: () => number;
}

const SEVERITY: Record<Severity, 'critical' | 'warning' | 'info'> = { critical: 'critical', warning: 'warning', info: 'info' };

/** The object the alert is about, most specific first: a resource, a virtual router, a volume, a session, a node. */
const component = (a: Alert): string => {
  for (const k of ['resource', 'vrid', 'volume', 'iqn', 'node']) {
    const v = a.labels[k];
    if (v !== undefined && v !== '') return `${k}=${v}`;
  }
  return a.cluster;
};

const truncate = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export const toPagerDutyEvent = (n: AlertNotification, routingKey: string, externalUrl?: string): PagerDutyEvent => {
  const a = n.alert;
  const dedupKey = truncate(a.fingerprint, MAX_DEDUP_KEY);
  // A resolve needs only the key; PagerDuty ignores a payload on it.
  if (n.kind === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const link = alertUrl(externalUrl, a);
  const ev: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(`[${a.cluster}] ${a.summary}`, MAX_SUMMARY),
      source: a.labels['node'] ?? a.cluster,
      severity: SEVERITY[a.severity],
      timestamp: iso(a.firingAtMs ?? a.startsAtMs),
      component: component(a),
      group: a.cluster,
      class: a.rule,
      custom_details: {
        description: a.description,
        runbook: a.runbook,
        labels: alertLabels(a),
        evidence: evidenceText(a.evidence),
        fingerprint: a.fingerprint,
        startsAt: iso(a.startsAtMs),
      },
    },
    client: 'hawatch',
  };
  if (link !== undefined) ev.client_url = link;
  return ev;
};

export const createPagerDutyNotifier = (o: PagerDutyNotifierOptions): QueueNotifier => {
  const target: HttpTarget = {
    url: o.url ?? PAGERDUTY_EVENTS_URL,
    headers: o.headers ?? {},
    timeoutMs: o.timeoutMs,
    fetch: o.fetch ?? globalThis.fetch,
    now: o.now,
  };
  const deliver = async (batch: readonly AlertNotification[]): Promise<DeliveryReceipt> => {
    let status = 0;
    // Events v2 takes one event per request.
    for (const n of batch) status = (await postJson(target, toPagerDutyEvent(n, o.routingKey, o.externalUrl))).status;
    return { status };
  };
  return {
    name: o.name,
    kind: 'pagerduty',
    maxBatch: 1,
    deliver,
    send: async (batch) => {
      await deliver(batch);
    },
  };
};
