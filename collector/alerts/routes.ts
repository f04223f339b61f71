// GET /api/v1/Alerts: open and recent alerts with their evidence; /api/v1/Alerts/{fingerprint} with history.
import type { FastifyInstance } from 'fastify';
import type { Alert } from './types.js';
import type { AlertStore } from './engine.js';
import { ApiError } from '../rest/errors.js';

const RECENT_MS = 24 * 3600_000;

const alertResource = (a: Alert) => ({
  '@odata.id': `/api/v1/Alerts/${a.fingerprint}`,
  '@odata.type': '#HawatchAlert.v1_0_0.HawatchAlert',
  cimClass: 'CIM_AlertIndication',
  Id: a.fingerprint,
  Name: a.summary,
  Rule: a.rule,
  Cluster: { '@odata.id': `/api/v1/Clusters/${encodeURIComponent(a.cluster)}` },
  Severity: a.severity,
  AlertStatus: a.status,
  Status: { State: a.status === 'resolved' ? 'Disabled' : 'Enabled', Health: a.status === 'resolved' ? 'OK' : a.severity === 'critical' ? 'Critical' : 'Warning' },
  Labels: a.labels,
  Summary: a.summary,
  Description: a.description,
  Runbook: a.runbook,
  StartsAt: new Date(a.startsAtMs).toISOString(),
  FiringAt: a.firingAtMs === null ? null : new Date(a.firingAtMs).toISOString(),
  EndsAt: a.endsAtMs === null ? null : new Date(a.endsAtMs).toISOString(),
  Evidence: a.evidence.map((e) => ({ Node: e.node, Probe: e.probe, ObservedAt: new Date(e.atMs).toISOString(), Says: e.says })),
});

export const registerAlertRoutes = (app: FastifyInstance, store: AlertStore, now: () => number): void => {
  const read = { config: { role: 'read' as const } };
  app.get('/api/v1/Alerts', read, async () => {
    const alerts = store.recent(now() - RECENT_MS);
    return {
      '@odata.id': '/api/v1/Alerts',
      '@odata.type': '#HawatchAlertCollection.HawatchAlertCollection',
      Name: 'Alerts',
      Description: 'Open alerts and alerts that changed in the last 24 hours, newest first',
      Members: alerts.map(alertResource),
      'Members@odata.count': alerts.length,
    };
  });
  app.get<{ Params: { fingerprint: string } }>('/api/v1/Alerts/:fingerprint', read, async (req) => {
    const a = store.get(req.params.fingerprint);
    if (!a) throw new ApiError(404, 'hawatch.rest.not_found', `no alert ${req.params.fingerprint}`);
    return {
      ...alertResource(a),
      History: store.history(a.fingerprint).map((h) => ({ At: new Date(h.atMs).toISOString(), From: h.from, To: h.to, Evidence: h.evidence.map((e) => ({ Node: e.node, Says: e.says })) })),
    };
  });
};
