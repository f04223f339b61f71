// The agent's one HTTP client: a POST of a string body over node:http(s), shaped like the part of fetch() that
// the pusher uses. Node's global fetch (undici) costs the agent ~7 MB of resident memory (its JS, and the WASM
// HTTP parser compiled on first use) for a request every few seconds; node:http is already in the binary.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

export interface PostInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** Bounds the whole exchange, body included (AbortSignal.timeout). */
  signal?: AbortSignal;
}

/** What the pusher reads of a response; a fetch Response has all of it. */
export interface PostResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** fetch(), narrowed to a POST with a string body: globalThis.fetch is one, and so is `httpPost`. */
export type PostFetch = (url: string, init: PostInit) => Promise<PostResponse>;

/** A reply body beyond this is read and dropped: the collector answers with a few bytes, anything else is not it. */
const MAX_REPLY_BYTES = 1024 * 1024;

// One kept-alive connection per collector, as fetch would keep; idle sockets do not hold the process open.
const agents: { http?: HttpAgent; https?: HttpsAgent } = {};
let httpsRequest: typeof httpRequest | undefined;

/** Rejected like fetch: the socket's error (ECONNREFUSED, ENOTFOUND …) as the cause; an abort as the signal's reason. */
const failed = (cause: unknown): Error => new TypeError('fetch failed', { cause });

export const httpPost: PostFetch = async (url, init) => {
  const u = new URL(url);
  let request = httpRequest;
  let agent: HttpAgent | HttpsAgent;
  if (u.protocol === 'https:') {
    // TLS is loaded only by agents that push over https.
    const https = await import('node:https');
    httpsRequest ??= https.request;
    request = httpsRequest;
    agent = agents.https ??= new https.Agent({ keepAlive: true, maxSockets: 1 });
  } else if (u.protocol === 'http:') {
    agent = agents.http ??= new HttpAgent({ keepAlive: true, maxSockets: 1 });
  } else {
    throw failed(new Error(`unsupported protocol ${u.protocol}`));
  }
  const signal = init.signal;
  signal?.throwIfAborted();
  const body = Buffer.from(init.body, 'utf8');

  return new Promise<PostResponse>((resolve, reject) => {
    const req = request(u, { method: init.method, agent, headers: { ...init.headers, 'content-length': String(body.length) } });
    let reply: IncomingMessage | undefined;
    let settleBody: { resolve: (t: string) => void; reject: (e: unknown) => void } | undefined;
    const onAbort = () => {
      const reason: unknown = signal?.reason;
      req.destroy();
      reply?.destroy();
      if (settleBody) settleBody.reject(reason);
      else reject(reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);

    req.on('error', (e) => {
      if (signal?.aborted) return; // already rejected with the signal's reason
      done();
      if (settleBody) settleBody.reject(failed(e));
      else reject(failed(e));
    });
    req.on('response', (res) => {
      reply = res;
      const chunks: Buffer[] = [];
      let size = 0;
      const text = new Promise<string>((resolveText, rejectText) => {
        settleBody = { resolve: resolveText, reject: rejectText };
        res.on('data', (c: Buffer) => {
          if (size + c.length <= MAX_REPLY_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          done();
          resolveText(Buffer.concat(chunks).toString('utf8'));
        });
        res.on('error', (e) => {
          if (signal?.aborted) return;
          done();
          rejectText(failed(e));
        });
        // A connection that closes mid-body: whatever came is not a whole answer (a no-op after 'end').
        res.on('close', () => {
          if (res.complete || signal?.aborted) return;
          done();
          rejectText(failed(new Error('the connection closed before the end of the reply')));
        });
      });
      // Like fetch: unread, the body is still consumed (and the rejection of an unread body is not unhandled).
      text.catch(() => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: { get: (name) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        } },
        text: () => text,
      });
    });
    req.end(body);
  });
};
