// The alerting part of the REST tree:
//   /api/v1/Alerts[/{fingerprint}]                                    open and recent alerts (read)
//   /api/v1/Alerts/{fingerprint}/Actions/HawatchAlert.Acknowledge      acknowledge a firing alert (admin)
//   /api/v1/AlertService                                              silences, inhibition, grouping (read)
//   /api/v1/AlertService/Silences[/{id}]                              GET (read), POST and DELETE = expire (admin)
import Type from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../rest/errors.js';
import type { EngineAlert, StoredAlert, AlertStore } from './engine.js';
import type { AlertingSettings, NotificationDispatcher } from './grouping.js';
import { ALERT_SCHEMAS, SilenceCreate } from './schemas.js';
import { SilenceError, silenceState, type Matcher, type Silence, type SilenceKind, type SilenceStore } from './silences.js';

const RECENT_MS = 24 * 3600_000;
const BASE = '/api/v1';
export const ALERT_PATHS = {
  alerts: `${BASE}/Alerts`,
  alert: (fp: string) => `${BASE}/Alerts/${encodeURIComponent(fp)}`,
  acknowledge: (fp: string) => `${BASE}/Alerts/${encodeURIComponent(fp)}/Actions/HawatchAlert.Acknowledge`,
  service: `${BASE}/AlertService`,
  silences: `${BASE}/AlertService/Silences`,
  silence: (id: string) => `${BASE}/AlertService/Silences/${encodeURIComponent(id)}`,
} as const;

export interface AlertRouteDeps {
  store: AlertStore;
  silences: SilenceStore;
  /** The engine's open alerts (pending and firing), for SilencedBy and InhibitedBy. */
  open: () => readonly EngineAlert[];
  dispatcher: NotificationDispatcher;
  settings: AlertingSettings;
  now: () => number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

const alertResource = (a: StoredAlert, suppression: { silencedBy: string[]; inhibitedBy: string[] }) => ({
  '@odata.id': ALERT_PATHS.alert(a.fingerprint),
  '@odata.type': '#HawatchAlert.v1_1_0.HawatchAlert',
  cimClass: 'CIM_AlertIndication',
  Id: a.fingerprint,
  Name: a.summary,
  Rule: a.rule,
  Cluster: { '@odata.id': `${BASE}/Clusters/${encodeURIComponent(a.cluster)}` },
  Severity: a.severity,
  AlertStatus: a.status,
  Status: (() => {
    const health = a.status === 'resolved' || a.historical ? 'OK' : a.severity === 'critical' ? 'Critical' : 'Warning';
    return { State: a.status === 'resolved' ? 'Disabled' : 'Enabled', Health: health, HealthRollup: health };
  })(),
  Labels: a.labels,
  Summary: a.summary,
  Description: a.description,
  Runbook: a.runbook,
  StartsAt: iso(a.startsAtMs),
  FiringAt: a.firingAtMs === null ? null : iso(a.firingAtMs),
  EndsAt: a.endsAtMs === null ? null : iso(a.endsAtMs),
  Evidence: a.evidence.map((e) => ({ Node: e.node, Probe: e.probe, ObservedAt: iso(e.atMs), Says: e.says })),
  AcknowledgedAt: a.ackedAtMs === null ? null : iso(a.ackedAtMs),
  AcknowledgedBy: a.ackedBy,
  SilencedBy: suppression.silencedBy,
  InhibitedBy: suppression.inhibitedBy,
  Historical: a.historical,
  Actions: { '#HawatchAlert.Acknowledge': { target: ALERT_PATHS.acknowledge(a.fingerprint) } },
});

const matcherOut = (m: Matcher) => ({ Name: m.name, Value: m.value, IsRegex: m.isRegex, IsEqual: m.isEqual });

export const silenceResource = (s: Silence, atMs: number) => {
  const state = silenceState(s, atMs);
  return {
    '@odata.id': ALERT_PATHS.silence(s.id),
    '@odata.type': '#HawatchSilence.v1_0_0.HawatchSilence',
    cimClass: 'CIM_IndicationFilter',
    Id: s.id,
    Name: `${s.kind === 'maintenance' ? 'maintenance window' : 'silence'}: ${s.comment.split('\n')[0]?.slice(0, 80) ?? ''}`,
    Status: { State: state === 'Active' ? 'Enabled' : 'Disabled', Health: 'OK', HealthRollup: 'OK' },
    Kind: s.kind,
    Matchers: s.matchers.map(matcherOut),
    StartsAt: iso(s.startsMs),
    EndsAt: iso(s.endsMs),
    Comment: s.comment,
    CreatedBy: s.createdBy,
    Created: iso(s.createdMs),
    State: state,
  };
};

const ERR = (description: string) => Type.Ref('HawatchError', { description });
const READ_ERRORS = { 401: ERR('no token, or a token this collector does not know'), 403: ERR('the token\'s role does not allow this') };
const NOT_MODIFIED = Type.Null({ description: 'Not Modified: the representation still has the ETag given in If-None-Match' });
const IdParam = (name: string) => Type.Object({ [name]: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

interface SilenceBody {
  Kind?: SilenceKind;
  Matchers: { Name: string; Value: string; IsRegex?: boolean; IsEqual?: boolean }[];
  StartsAt?: string;
  EndsAt?: string;
  DurationSeconds?: number;
  Comment: string;
}

const parseTime = (s: string, field: string): number => {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new ApiError(400, 'hawatch.request.invalid', `${field}: not an RFC 3339 time: ${s}`, [`${field}: not an RFC 3339 time`]);
  return ms;
};

export const registerAlertRoutes = (app: FastifyInstance, deps: AlertRouteDeps): void => {
  for (const s of ALERT_SCHEMAS) app.addSchema(s);
  const read = { role: 'read' as const };
  const admin = { role: 'admin' as const };
  const { store, silences, now } = deps;

  /** Suppression of stored alerts, computed once per request against the engine's open alerts. */
  const withSuppression = (alerts: readonly StoredAlert[]) => {
    const at = now();
    const open = deps.open();
    const inhibited = deps.dispatcher.inhibitor.inhibitedBy(open);
    return alerts.map((a) => alertResource(a, deps.dispatcher.suppression(a, open, at, inhibited)));
  };

  app.get(
    ALERT_PATHS.alerts,
    {
      config: read,
      schema: { operationId: 'listAlerts', summary: 'Open and recent alerts', tags: ['Alerts'], response: { 200: Type.Ref('HawatchAlertCollection', { description: 'OK' }), 304: NOT_MODIFIED, ...READ_ERRORS } },
    },
    async () => {
      const members = withSuppression(store.recent(now() - RECENT_MS));
      return {
        '@odata.id': ALERT_PATHS.alerts,
        '@odata.type': '#HawatchAlertCollection.HawatchAlertCollection',
        Name: 'Alerts',
        Description: 'Open alerts and alerts that changed in the last 24 hours, newest first',
        Members: members,
        'Members@odata.count': members.length,
      };
    },
  );

  app.get(
    `${ALERT_PATHS.alerts}/:fingerprint`,
    {
      config: read,
      schema: {
        operationId: 'getAlert',
        summary: 'An alert with its history',
        tags: ['Alerts'],
        params: IdParam('fingerprint'),
        response: { 200: Type.Ref('HawatchAlert', { description: 'OK' }), 304: NOT_MODIFIED, ...READ_ERRORS, 404: ERR('no such alert') },
      },
    },
    async (req: FastifyRequest) => {
      const fp = (req.params as { fingerprint: string }).fingerprint;
      const a = store.get(fp);
      if (!a) throw new ApiError(404, 'hawatch.rest.not_found', `no alert ${fp}`);
      return {
        ...withSuppression([a])[0],
        History: store.history(a.fingerprint).map((h) => ({ At: iso(h.atMs), From: h.from, To: h.to, Evidence: h.evidence.map((e) => ({ Node: e.node, Says: e.says })) })),
      };
    },
  );

  app.post(
    `${ALERT_PATHS.alerts}/:fingerprint/Actions/HawatchAlert.Acknowledge`,
    {
      config: admin,
      schema: {
        operationId: 'acknowledgeAlert',
        summary: 'Acknowledge a firing alert (admin): it is not re-notified; MTTA counts to the first acknowledgement',
        tags: ['Alerts'],
        params: IdParam('fingerprint'),
        response: {
          200: Type.Ref('HawatchAlert', { description: 'acknowledged (or already acknowledged: the first acknowledgement stands)' }),
          ...READ_ERRORS,
          404: ERR('no such alert'),
          409: ERR('the alert is not firing (pending or resolved)'),
        },
      },
    },
    async (req: FastifyRequest) => {
      const fp = (req.params as { fingerprint: string }).fingerprint;
      const by = req.principal?.name ?? 'anonymous';
      const r = store.ack(fp, by, now());
      if (!r.ok && r.reason === 'not_found') throw new ApiError(404, 'hawatch.rest.not_found', `no alert ${fp}`);
      if (!r.ok) throw new ApiError(409, 'hawatch.alerts.not_firing', `alert ${fp} is ${r.alert?.status ?? 'gone'}; only a firing alert can be acknowledged`);
      if (!r.already) req.log.info({ fingerprint: fp, rule: r.alert.rule, by }, 'alert acknowledged');
      return withSuppression([r.alert])[0];
    },
  );

  app.get(
    ALERT_PATHS.service,
    {
      config: read,
      schema: { operationId: 'getAlertService', summary: 'Silences, inhibition and grouping of alert notifications', tags: ['Alerts'], response: { 200: Type.Ref('HawatchAlertService', { description: 'OK' }), 304: NOT_MODIFIED, ...READ_ERRORS } },
    },
    async () => {
      const s = deps.settings;
      const rule = (m: Matcher[]) => m.map(matcherOut);
      return {
        '@odata.id': ALERT_PATHS.service,
        '@odata.type': '#HawatchAlertService.v1_0_0.HawatchAlertService',
        Id: 'AlertService',
        Name: 'Alert Service',
        cimClass: 'CIM_IndicationService',
        Status: { State: 'Enabled', Health: 'OK', HealthRollup: 'OK' },
        Description: 'Silences and maintenance windows mute the alerts they match; inhibited and historical alerts are stored but not paged; notifications go out in groups.',
        Alerts: { '@odata.id': ALERT_PATHS.alerts },
        Silences: { '@odata.id': ALERT_PATHS.silences },
        ActiveSilences: silences.active(now()).length,
        Grouping: { GroupBy: [...s.groupBy], GroupWaitSeconds: s.groupWaitMs / 1000, GroupWaitCriticalSeconds: s.groupWaitCriticalMs / 1000, RepeatIntervalSeconds: s.repeatIntervalMs / 1000 },
        LateEvidenceSeconds: s.lateEvidenceMs === undefined ? null : s.lateEvidenceMs / 1000,
        InhibitRules: s.inhibitRules.map((r) => ({ Name: r.name, SourceMatchers: rule(r.sourceMatchers), TargetMatchers: rule(r.targetMatchers), Equal: [...r.equal] })),
      };
    },
  );

  app.get(
    ALERT_PATHS.silences,
    {
      config: read,
      schema: { operationId: 'listSilences', summary: 'Silences and maintenance windows', tags: ['Alerts'], response: { 200: Type.Ref('HawatchSilenceCollection', { description: 'OK' }), 304: NOT_MODIFIED, ...READ_ERRORS } },
    },
    async () => {
      const at = now();
      const members = silences.list().map((s) => silenceResource(s, at));
      return {
        '@odata.id': ALERT_PATHS.silences,
        '@odata.type': '#HawatchSilenceCollection.HawatchSilenceCollection',
        Name: 'Silences',
        Description: 'Silences and maintenance windows, newest first; expired ones are kept as history.',
        Members: members,
        'Members@odata.count': members.length,
      };
    },
  );

  app.get(
    `${ALERT_PATHS.silences}/:silence`,
    {
      config: read,
      schema: {
        operationId: 'getSilence',
        summary: 'A silence or maintenance window',
        tags: ['Alerts'],
        params: IdParam('silence'),
        response: { 200: Type.Ref('HawatchSilence', { description: 'OK' }), 304: NOT_MODIFIED, ...READ_ERRORS, 404: ERR('no such silence') },
      },
    },
    async (req: FastifyRequest) => {
      const id = (req.params as { silence: string }).silence;
      const s = silences.get(id);
      if (!s) throw new ApiError(404, 'hawatch.rest.not_found', `no silence ${id}`);
      return silenceResource(s, now());
    },
  );

  app.post(
    ALERT_PATHS.silences,
    {
      config: admin,
      // fastify also parses text/plain; saying 415 beats a schema error about a string body.
      preValidation: async (req: FastifyRequest) => {
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new ApiError(415, 'hawatch.request.media_type', 'send the silence as application/json');
      },
      schema: {
        operationId: 'createSilence',
        summary: 'Silence alerts, or declare a maintenance window (admin)',
        tags: ['Alerts'],
        body: SilenceCreate,
        response: {
          201: Type.Ref('HawatchSilence', { description: 'Created; Location names the new silence' }),
          400: ERR('a bad matcher (regex, name), EndsAt not after StartsAt or in the past, no matchers; the message names each problem'),
          ...READ_ERRORS,
          413: ERR('the body is too large'),
          415: ERR('the body is not application/json'),
        },
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const b = req.body as SilenceBody;
      const at = now();
      const startsMs = b.StartsAt === undefined ? at : parseTime(b.StartsAt, 'StartsAt');
      if ((b.EndsAt === undefined) === (b.DurationSeconds === undefined)) {
        throw new ApiError(400, 'hawatch.request.invalid', 'give either EndsAt or DurationSeconds', ['EndsAt, DurationSeconds: exactly one is needed']);
      }
      const endsMs = b.EndsAt !== undefined ? parseTime(b.EndsAt, 'EndsAt') : startsMs + (b.DurationSeconds as number) * 1000;
      try {
        const s = silences.create({
          kind: b.Kind ?? 'silence',
          matchers: b.Matchers.map((m) => ({ name: m.Name, value: m.Value, isRegex: m.IsRegex ?? false, isEqual: m.IsEqual ?? true })),
          startsMs,
          endsMs,
          comment: b.Comment,
          createdBy: req.principal?.name ?? 'anonymous',
        });
        req.log.info({ id: s.id, kind: s.kind, matchers: s.matchers, until: iso(s.endsMs), by: s.createdBy }, 'silence created');
        return reply.code(201).header('location', ALERT_PATHS.silence(s.id)).send(silenceResource(s, now()));
      } catch (e) {
        if (e instanceof SilenceError) throw new ApiError(400, 'hawatch.request.invalid', e.message, [...e.problems]);
        throw e;
      }
    },
  );

  app.delete(
    `${ALERT_PATHS.silences}/:silence`,
    {
      config: admin,
      schema: {
        operationId: 'expireSilence',
        summary: 'Expire a silence or maintenance window now (admin); it stays listed as Expired',
        tags: ['Alerts'],
        params: IdParam('silence'),
        response: { 200: Type.Ref('HawatchSilence', { description: 'expired (already expired ones are returned unchanged)' }), ...READ_ERRORS, 404: ERR('no such silence') },
      },
    },
    async (req: FastifyRequest) => {
      const id = (req.params as { silence: string }).silence;
      const s = silences.expire(id);
      if (!s) throw new ApiError(404, 'hawatch.rest.not_found', `no silence ${id}`);
      req.log.info({ id, by: req.principal?.name }, 'silence expired');
      return silenceResource(s, now());
    },
  );
};
