// Pushing alerts to a Prometheus Alertmanager as Prometheus does: POST /api/v2/alerts with an array of alerts.
// Alertmanager owns grouping, routing, inhibition and silences from then on, so users keep their setup.
import type { Alert, AlertNotification } from '../types.js';
import { alertAnnotations, alertLabels, alertUrl, iso } from './format.js';
import { postJson, type HttpTarget } from './http.js';
import type { DeliveryReceipt, QueueNotifier } from './types.js';

export const ALERTMANAGER_ALERTS_PATH = '/api/v2/alerts';

/** Prometheus sets endsAt this many resend intervals ahead: a few lost re-sends do not resolve the alert. */
export const ENDS_AT_RESEND_FACTOR = 4;

export interface AlertmanagerNotifierOptions {
  name: string;
  /** Alertmanager's base URL (http://am:9093, or with its route prefix); /api/v2/alerts is appended. */
  url: string;
  headers?: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** How often the engine re-sends firing alerts (through the queue's resendFiring). */
  resendIntervalMs: number;
  /** The collector's external URL, for generatorURL links back to hawatch. */
  externalUrl?: string;
  maxBatch?: number;
  fetch?: typeof globalThis.fetch;
  now: () => number;
}

/** One element of Alertmanager's postableAlerts (api/v2/openapi.yaml). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export const alertsEndpoint = (url: string): string => {
  const base = url.replace(/\/+$/, '');
  return base.endsWith(ALERTMANAGER_ALERTS_PATH) ? base : `${base}${ALERTMANAGER_ALERTS_PATH}`;
};

export const toPostableAlert = (n: AlertNotification, nowMs: number, resendIntervalMs: number, externalUrl?: string): PostableAlert => {
  const a: Alert = n.alert;
  // Prometheus sends the time the alert fired (after `for`), not when the condition was first seen.
  const startsMs = a.firingAtMs ?? a.startsAtMs;
  // A firing alert's endsAt is a lease: Alertmanager resolves it by itself if no re-send extends it.
  // A resolve before its start is refused by Alertmanager ("start time must be before end time").
  const endsMs = n.kind === 'resolved' ? Math.max(a.endsAtMs ?? nowMs, startsMs) : Math.max(nowMs, startsMs) + ENDS_AT_RESEND_FACTOR * resendIntervalMs;
  const out: PostableAlert = { labels: alertLabels(a), annotations: alertAnnotations(a), startsAt: iso(startsMs), endsAt: iso(endsMs) };
  const link = alertUrl(externalUrl, a);
  if (link !== undefined) out.generatorURL = link;
  return out;
};

export const createAlertmanagerNotifier = (o: AlertmanagerNotifierOptions): QueueNotifier => {
  const target: HttpTarget = {
    url: alertsEndpoint(o.url),
    headers: o.headers ?? {},
    timeoutMs: o.timeoutMs,
    fetch: o.fetch ?? globalThis.fetch,
    now: o.now,
  };
  const deliver = async (batch: readonly AlertNotification[]): Promise<DeliveryReceipt> => {
    const now = o.now();
    const body = batch.map((n) => toPostableAlert(n, now, o.resendIntervalMs, o.externalUrl));
    const r = await postJson(target, body);
    return { status: r.status };
  };
  return {
    name: o.name,
    kind: 'alertmanager',
    // One POST carries many alerts; Alertmanager accepts the valid ones of a batch and names the invalid ones.
    maxBatch: o.maxBatch ?? 64,
    resendIntervalMs: o.resendIntervalMs,
    deliver,
    send: async (batch) => {
      await deliver(batch);
    },
  };
};

/**
 * Alertmanager's own fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint: FNV-1a 64 over the
 * sorted names and values, each followed by 0xff), as hex. It is the `fingerprint` Alertmanager puts in its webhook
 * payloads and API answers, so hawatch can find its alert there.
 */
export const alertmanagerFingerprint = (labels: Readonly<Record<string, string>>): string => {
  const names = Object.keys(labels).sort();
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  const feed = (bytes: Uint8Array): void => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * prime) & mask;
  };
  const enc = new TextEncoder();
  const sep = new Uint8Array([0xff]);
  for (const n of names) {
    feed(enc.encode(n));
    feed(sep);
    feed(enc.encode(labels[n] ?? ''));
    feed(sep);
  }
  return h.toString(16).padStart(16, '0');
};
