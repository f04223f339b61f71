// The collector's HTTP face: one fastify instance carrying ingest, the REST API, /metrics and /healthz.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { ClusterModel } from './model/model.js';
import type { Db } from './store/db.js';
import type { CollectorMetrics } from './prometheus/metrics.js';
import type { GroupCommitter } from './ingest/group-commit.js';
import { INGEST_PATH, registerIngestRoute } from './ingest/route.js';
import { registerRestApi, type RestDeps } from './rest/api.js';
import { conditionalGet } from './rest/etag.js';
import { installOpenApi, registerOpenApiRoutes } from './rest/openapi.js';
import { ApiError, errorBody } from './rest/errors.js';
import { bearerToken, TokenAuth, type Role } from './rest/auth.js';
import { Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a caller needs; routes without one (health) are open. */
    role?: Role;
  }
  interface FastifyRequest {
    principal: { name: string; role: Role } | null;
  }
}

export interface HttpDeps {
  logger: Logger;
  /** The store, for history views (Events) that read SQLite directly. */
  db?: Db;
  now?: () => number;
  bodyLimitBytes: number;
  auth: TokenAuth;
  /** Reads (API, metrics) need no token; pushes still do. */
  openReads: boolean;
  committer: GroupCommitter;
  model: ClusterModel;
  metrics: CollectorMetrics;
  health: () => { ok: boolean; checks: Record<string, string> };
  /** REST EventService subscription created or deleted (the alert notifiers follow). */
  onSubscription?: RestDeps['onSubscription'];
}

export const buildHttpServer = (deps: HttpDeps): FastifyInstance => {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    // Per-request lines would drown the log at one push per node every few seconds; errors are logged by hand.
    logController: new LogController({ disableRequestLogging: true }),
    // Agents may retry on a fresh connection; keep idle sockets from piling up.
    keepAliveTimeout: 10_000,
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // Before any route: every route declared from here on is in the OpenAPI document.
  installOpenApi(app, '1.0.0');
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (req) => {
    const need = req.routeOptions.config.role;
    if (need === undefined) return;
    if (need === 'read' && deps.openReads) return;
    const presented = bearerToken(req.headers.authorization);
    if (presented === null) throw new ApiError(401, 'hawatch.auth.missing_token', 'this endpoint needs an Authorization: Bearer token');
    const who = deps.auth.identify(presented);
    if (who === null) {
      req.log.warn({ ip: req.ip, url: req.url }, 'request with an unknown token refused');
      throw new ApiError(401, 'hawatch.auth.bad_token', 'the token is not known to this collector');
    }
    if (!TokenAuth.allows(who.role, need)) {
      throw new ApiError(403, 'hawatch.auth.forbidden', `token "${who.name}" has role ${who.role}; this endpoint needs ${need}`);
    }
    req.principal = who;
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      if (err.statusCode >= 500) req.log.error({ err, url: req.url }, err.message);
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    if (err.validation) {
      const details = err.validation.slice(0, 20).map((v) => `${v.instancePath || '/'}: ${v.message ?? 'invalid'}`);
      req.log.warn({ url: req.url, details }, 'request failed schema validation');
      return reply.status(400).send(errorBody('hawatch.request.invalid', `the ${err.validationContext ?? 'request'} does not match the schema`, details));
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      req.log.warn({ url: req.url, limit: deps.bodyLimitBytes }, 'request body too large');
      return reply.status(413).send(errorBody('hawatch.request.too_large', `the body exceeds ${deps.bodyLimitBytes} bytes; send smaller batches`));
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      req.log.warn({ url: req.url, code: err.code }, err.message);
      const code = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'hawatch.request.media_type' : /JSON/i.test(`${err.code} ${err.message}`) ? 'hawatch.request.malformed_json' : 'hawatch.request.bad';
      return reply.status(status).send(errorBody(code, err.message));
    }
    req.log.error({ err, url: req.url }, 'internal error');
    return reply.status(500).send(errorBody('hawatch.internal', 'internal error; see the collector log'));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody('hawatch.rest.not_found', `no route ${req.method} ${req.url}`)));

  app.addHook('onSend', conditionalGet);

  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === INGEST_PATH && reply.statusCode >= 400 && reply.statusCode < 500) deps.metrics.ingestBatches.inc({ result: 'rejected' });
  });

  app.get('/healthz', async (_req, reply) => {
    const h = deps.health();
    return reply.status(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'failing', checks: h.checks });
  });

  app.get('/metrics', { config: { role: 'read' } }, async (req, reply) => {
    const wantsOpenMetrics = /application\/openmetrics-text/.test(req.headers.accept ?? '');
    const registry = deps.metrics.registry;
    registry.setContentType(wantsOpenMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });

  registerIngestRoute(app, deps.committer);
  registerRestApi(app, { model: deps.model, db: deps.db, now: deps.now ?? Date.now, ...(deps.onSubscription ? { onSubscription: deps.onSubscription } : {}) });
  registerOpenApiRoutes(app);
  return app;
};
