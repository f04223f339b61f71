// One JSON POST for every notifier: timeout, auth headers, and the status → retry/permanent verdict in one place.
import { DeliveryError } from './errors.js';

export interface HttpTarget {
  url: string;
  /** Sent with every request; authorization is built from token/basic auth by the factory. */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  now: () => number;
}

export interface HttpReply {
  status: number;
  text: string;
}

/**
 * Statuses that say "this request is malformed": the same bytes can never succeed, so the queue gives up at once.
 * 401/403/404 are not here: they mean the configuration is wrong, and the notification must wait for the fix.
 */
const PERMANENT = new Set([400, 413, 422]);

export const USER_AGENT = 'hawatch';

export const postJson = async (t: HttpTarget, body: unknown): Promise<HttpReply> => {
  let res: Response;
  try {
    res = await t.fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...t.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(t.timeoutMs),
    });
  } catch (e) {
    throw new DeliveryError('notify.unreachable', `POST ${redact(t.url)}: ${describeFetchError(e, t.timeoutMs)}`, {}, { cause: e });
  }
  let text = '';
  try {
    text = await res.text();
  } catch (e) {
    // The status line arrived: a 2xx was accepted even if its body was lost; a failure keeps its status.
    if (!res.ok) text = `(body lost: ${describeFetchError(e, t.timeoutMs)})`;
  }
  if (res.ok) return { status: res.status, text };
  const detail = text.trim().replace(/\s+/g, ' ').slice(0, 300);
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), t.now());
  throw new DeliveryError('notify.http_status', `POST ${redact(t.url)}: HTTP ${res.status}${detail ? `: ${detail}` : ''}`, {
    status: res.status,
    permanent: PERMANENT.has(res.status),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
};

/** retry-after is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** Credentials in a URL (https://user:pass@host) must not reach logs or the delivery log. */
export const redact = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url; // not a URL: nothing to hide, and the error says so elsewhere
  }
};

const describeFetchError = (e: unknown, timeoutMs: number): string => {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs} ms (timeout)`;
  if (e instanceof Error) {
    // undici puts the socket error (ECONNREFUSED, ENOTFOUND ...) in cause.
    const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const msg = typeof cause?.message === 'string' && code === undefined ? `${e.message}: ${cause.message}` : e.message;
    return code ? `${msg} (${code})` : msg;
  }
  return String(e);
};
