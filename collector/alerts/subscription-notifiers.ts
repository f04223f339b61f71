// EventService subscriptions made through REST become notifiers on the delivery queue, next to the ones from the
// YAML file: created at start for every stored subscription, added and removed as the API creates and deletes them.
import type { Logger } from 'pino';
import { ConfigError } from '../../common/config-file.js';
import type { SubscriptionRow } from '../rest/subscriptions.js';
import { createNotifier, parseNotifierConfig, type NotifierDeps, type QueueNotifier } from './notify/index.js';

/** The queue operations this bridge needs (createDeliveryQueue's result has them). */
export interface NotifierRegistry {
  addNotifier(n: QueueNotifier): void;
  removeNotifier(name: string): Promise<number>;
}

/** A subscription's notifier name: stable across restarts (it keys the durable queue) and distinct from YAML names. */
export const subscriptionNotifierName = (id: string): string => `subscription-${id.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 48)}`;

/** Pure: the notifier configuration a stored subscription stands for (validated like a YAML `notifiers:` entry). */
export const subscriptionNotifierConfig = (row: SubscriptionRow): ReturnType<typeof parseNotifierConfig> => {
  const name = subscriptionNotifierName(row.id);
  const source = `EventService subscription ${row.id}`;
  switch (row.protocol) {
    case 'webhook':
      return parseNotifierConfig(
        { type: 'webhook', name, url: row.destination, ...(row.context === null ? {} : { receiver: row.context }), ...(row.secret === null ? {} : { token: row.secret }) },
        source,
      );
    case 'alertmanager':
      return parseNotifierConfig({ type: 'alertmanager', name, url: row.destination, ...(row.secret === null ? {} : { token: row.secret }) }, source);
    case 'pagerduty':
      return parseNotifierConfig({ type: 'pagerduty', name, url: row.destination, ...(row.secret === null ? {} : { routingKey: row.secret }) }, source);
    case 'snmp-trap': {
      // snmp://HOST:PORT as stored by checkSubscription; IPv6 hosts keep their brackets there.
      const m = /^snmp:\/\/(\[([^\]]+)\]|[^:/]+):(\d+)$/.exec(row.destination);
      if (!m) throw new ConfigError(source, [`Destination: ${row.destination} is not snmp://HOST:PORT`]);
      const host = m[2] ?? m[1]!;
      // SNMPv2c informs; the Secret is the community, and without one the receiver's customary 'public' is used.
      return parseNotifierConfig({ type: 'snmp-trap', name, targets: [{ host, port: Number(m[3]), version: '2c', community: row.secret ?? 'public' }] }, source);
    }
  }
};

export class SubscriptionNotifiers {
  private readonly active = new Set<string>();

  constructor(
    private readonly queue: NotifierRegistry,
    private readonly deps: NotifierDeps,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {}

  /** How many subscriptions currently deliver. */
  get size(): number {
    return this.active.size;
  }

  /** Add a subscription's notifier. A subscription that cannot become one is logged and skipped, never fatal. */
  add(row: SubscriptionRow): boolean {
    const name = subscriptionNotifierName(row.id);
    if (this.active.has(name)) return true;
    try {
      const notifier = createNotifier(subscriptionNotifierConfig(row), { ...this.deps, source: `EventService subscription ${row.id}` });
      this.queue.addNotifier(notifier);
      this.active.add(name);
      this.log.info({ subscription: row.id, protocol: row.protocol, notifier: name }, 'subscription delivers alerts');
      return true;
    } catch (e) {
      this.log.error({ subscription: row.id, protocol: row.protocol, err: (e as Error).message }, 'subscription cannot deliver alerts; it is kept but skipped');
      return false;
    }
  }

  /** Remove a deleted subscription's notifier; its undelivered rows are closed as failed with the reason. */
  async remove(id: string): Promise<void> {
    const name = subscriptionNotifierName(id);
    if (!this.active.delete(name)) return;
    const dropped = await this.queue.removeNotifier(name);
    this.log.info({ subscription: id, notifier: name, undelivered: dropped }, 'subscription removed; it no longer receives alerts');
  }
}
