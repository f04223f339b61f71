// Typed delivery failures: the queue reads `permanent`, `status` and `retryAfterMs` to decide retry or give up.
export type DeliveryErrorCode =
  /** No HTTP answer: refused, reset, DNS, TLS, or the timeout. Retried. */
  | 'notify.unreachable'
  /** The receiver answered with a non-2xx status. Retried unless `permanent`. */
  | 'notify.http_status'
  /** The notifier cannot build a request from this configuration (bad URL). Retried: the operator fixes config. */
  | 'notify.config';

export interface DeliveryErrorDetails {
  status?: number;
  retryAfterMs?: number;
  /** Re-sending the same notification can never succeed (the receiver called it malformed). */
  permanent?: boolean;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly permanent: boolean;
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    details: DeliveryErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.permanent = details.permanent ?? false;
  }
}
