// POST /api/v1/ingest: the agents' push. Schema-checked, token-checked, stored once, acknowledged after commit.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PushAck, PushBatch } from '../../agent/protocol/index.js';
import type { GroupCommitter } from './group-commit.js';
import { ApiError } from '../rest/errors.js';

export const INGEST_PATH = '/api/v1/ingest';

export const registerIngestRoute = (app: FastifyInstance, committer: GroupCommitter): void => {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    INGEST_PATH,
    {
      schema: { body: PushBatch, response: { 200: PushAck } },
      config: { role: 'agent' },
      // fastify also parses text/plain; a push is JSON only, and saying so beats a schema error.
      preValidation: async (req) => {
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          throw new ApiError(415, 'hawatch.request.media_type', 'a push must be sent as application/json');
        }
      },
    },
    async (req) => {
      const batch = req.body;
      const principal = req.principal;
      try {
        const outcome = await committer.submit(batch);
        req.log.debug({ cluster: batch.cluster, node: batch.node, seq: batch.seq, duplicate: outcome.ack.duplicate, by: principal?.name }, 'push stored');
        return outcome.ack;
      } catch (e) {
        req.log.error({ err: e, cluster: batch.cluster, node: batch.node, seq: batch.seq }, 'push not stored');
        // 503: the agent keeps the batch and retries; nothing was acknowledged.
        throw new ApiError(503, 'hawatch.ingest.store_failed', 'the push could not be stored; retry later');
      }
    },
  );
};
