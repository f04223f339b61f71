// Conditional GET: an ETag on every JSON answer of the API, and 304 when If-None-Match still matches, so an NMS
// polling every few seconds moves a few bytes while nothing changes.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_BASE, paths } from './odata.js';

/** Strong tag over the exact bytes sent: the same representation always gets the same tag. */
export const etagOf = (payload: string): string => `"${createHash('sha256').update(payload).digest('base64url').slice(0, 32)}"`;

/** If-None-Match matching (RFC 9110 §13.1.2): weak comparison, a list of tags, or `*`. */
export const noneMatch = (header: string, tag: string): boolean => {
  const bare = tag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const x = t.trim();
    return x === '*' || x.replace(/^W\//, '') === bare;
  });
};

const applies = (req: FastifyRequest, reply: FastifyReply, payload: unknown): payload is string =>
  (req.method === 'GET' || req.method === 'HEAD') &&
  reply.statusCode === 200 &&
  typeof payload === 'string' &&
  (req.url === API_BASE || req.url.startsWith(`${API_BASE}/`) || req.url.startsWith(`${API_BASE}?`)) &&
  !req.url.startsWith(`${paths.docs}/`) &&
  /^application\/json\b/.test(String(reply.getHeader('content-type') ?? ''));

/** An onSend hook for the root instance. */
export const conditionalGet = async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
  if (!applies(req, reply, payload)) return payload;
  const tag = etagOf(payload);
  reply.header('etag', tag);
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && noneMatch(inm, tag)) {
    reply.code(304);
    reply.removeHeader('content-type');
    return '';
  }
  return payload;
};
