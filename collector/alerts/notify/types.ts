// What the delivery queue may know about a notifier beyond the lead's `Notifier` interface; all optional, so any
// Notifier (an SNMP trap sender, a test double) can be queued as it is.
import type { AlertNotification, Notifier } from '../types.js';

export interface DeliveryReceipt {
  /** HTTP status of the accepted request (for the delivery log). */
  status: number;
}

export interface QueueNotifier extends Notifier {
  /** At most this many notifications per send; 1 when absent. */
  readonly maxBatch?: number;
  /** Firing alerts must be re-sent this often or the receiver expires them (Alertmanager's endsAt). */
  readonly resendIntervalMs?: number;
  /** `send` with the receiver's status, for the delivery log. */
  deliver?(batch: readonly AlertNotification[]): Promise<DeliveryReceipt>;
}
