// What the delivery queue may know about a notifier beyond the lead's `Notifier` interface; all optional, so any
// Notifier (an SNMP trap sender, a test double) can be queued as it is.
import type { AlertNotification, Notifier } from '../types.js';

export interface DeliveryReceipt {
  /** HTTP status of the accepted request (for the delivery log). */
  status: number;
}

/** A notification group (alerting.groupBy): Alertmanager's groupKey and groupLabels. */
export interface NotificationGroup {
  key: string;
  labels: Record<string, string>;
}

/** What the queue hands a notifier: the notification and, when it was enqueued with one, its group. */
export type GroupedNotification = AlertNotification & { group?: NotificationGroup };

export interface QueueNotifier extends Notifier {
  /** At most this many notifications per send; 1 when absent. */
  readonly maxBatch?: number;
  /**
   * Takes a group's notifications together (one message per group): consecutive rows of one group, at most this
   * many, go in one send even when maxBatch is 1.
   */
  readonly groupBatch?: number;
  /** Firing alerts must be re-sent this often or the receiver expires them (Alertmanager's endsAt). */
  readonly resendIntervalMs?: number;
  /** `send` with the receiver's status, for the delivery log. */
  deliver?(batch: readonly AlertNotification[]): Promise<DeliveryReceipt>;
}
