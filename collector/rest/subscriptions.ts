// EventService subscriptions: where the alerting notifiers deliver, stored in SQLite. The secret (a token,
// a routing key, a community) is stored for the notifier and never returned by the API.
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import { iso, paths } from './odata.js';
import type { SUBSCRIPTION_PROTOCOLS } from './schemas.js';

export type SubscriptionProtocol = (typeof SUBSCRIPTION_PROTOCOLS)[number];

export interface SubscriptionInput {
  Name?: string;
  Protocol: SubscriptionProtocol;
  Destination?: string;
  Context?: string;
  Secret?: string;
}

export interface SubscriptionRow {
  id: string;
  name: string;
  protocol: SubscriptionProtocol;
  destination: string;
  context: string | null;
  secret: string | null;
  created_ms: number;
  created_by: string;
}

/** A collector is not a queue of destinations: past this, creating one is refused. */
export const MAX_SUBSCRIPTIONS = 100;
export const PAGERDUTY_EVENTS_V2 = 'https://events.pagerduty.com/v2/enqueue';

/** An http(s) URL without credentials in it: those belong in Secret, which is never read back. */
const httpUrl = (s: string): string | null => {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null; // not a URL: the caller reports it
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.hostname === '' || u.username !== '' || u.password !== '') return null;
  return u.toString();
};

/** snmp://HOST[:PORT] (RFC 4088); the community travels as the secret, never in the URI. */
const snmpUri = (s: string): string | null => {
  const m = /^snmp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(s);
  if (!m) return null;
  const port = m[2] === undefined ? 162 : Number(m[2]);
  return port >= 1 && port <= 65535 ? `snmp://${m[1]}:${port}` : null;
};

/** Pure: the destination as it will be stored, or what is wrong with it. */
export const checkSubscription = (s: SubscriptionInput): { ok: true; destination: string } | { ok: false; problem: string } => {
  switch (s.Protocol) {
    case 'webhook':
    case 'alertmanager': {
      if (s.Destination === undefined) return { ok: false, problem: `Destination: ${s.Protocol} needs an http(s) URL` };
      const u = httpUrl(s.Destination);
      return u === null ? { ok: false, problem: `Destination: ${JSON.stringify(s.Destination)} is not an http(s) URL without credentials (put those in Secret)` } : { ok: true, destination: u };
    }
    case 'pagerduty': {
      if (s.Secret === undefined) return { ok: false, problem: 'Secret: pagerduty needs the integration\'s routing key' };
      const u = httpUrl(s.Destination ?? PAGERDUTY_EVENTS_V2);
      if (u === null || !u.startsWith('https:')) return { ok: false, problem: `Destination: ${JSON.stringify(s.Destination)} is not an https URL` };
      return { ok: true, destination: u };
    }
    case 'snmp-trap': {
      if (s.Destination === undefined) return { ok: false, problem: 'Destination: snmp-trap needs snmp://HOST[:PORT]' };
      const u = snmpUri(s.Destination);
      return u === null ? { ok: false, problem: `Destination: ${JSON.stringify(s.Destination)} is not snmp://HOST[:PORT]` } : { ok: true, destination: u };
    }
  }
};

export class SubscriptionStore {
  private readonly stmt;
  constructor(db: Db) {
    this.stmt = {
      list: db.prepare('SELECT * FROM subscriptions ORDER BY created_ms, id'),
      one: db.prepare('SELECT * FROM subscriptions WHERE id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM subscriptions').pluck(),
      insert: db.prepare(
        'INSERT INTO subscriptions (id, name, protocol, destination, context, secret, created_ms, created_by) VALUES (@id, @name, @protocol, @destination, @context, @secret, @created_ms, @created_by)',
      ),
      remove: db.prepare('DELETE FROM subscriptions WHERE id = ?'),
    };
  }

  list(): SubscriptionRow[] {
    return this.stmt.list.all() as SubscriptionRow[];
  }

  get(id: string): SubscriptionRow | null {
    return (this.stmt.one.get(id) as SubscriptionRow | undefined) ?? null;
  }

  count(): number {
    return this.stmt.count.get() as number;
  }

  create(input: SubscriptionInput, destination: string, by: string, nowMs: number): SubscriptionRow {
    const id = randomUUID();
    const row: SubscriptionRow = {
      id,
      name: input.Name ?? `${input.Protocol} ${destination}`,
      protocol: input.Protocol,
      destination,
      context: input.Context ?? null,
      secret: input.Secret ?? null,
      created_ms: nowMs,
      created_by: by,
    };
    this.stmt.insert.run(row);
    return row;
  }

  remove(id: string): boolean {
    return this.stmt.remove.run(id).changes > 0;
  }
}

export const subscriptionBody = (r: SubscriptionRow) => ({
  '@odata.id': paths.subscription(r.id),
  '@odata.type': '#HawatchSubscription.v1_0_0.HawatchSubscription',
  Id: r.id,
  Name: r.name,
  cimClass: 'CIM_ListenerDestination',
  Status: { State: 'Enabled' as const, Health: 'OK' as const, HealthRollup: 'OK' as const },
  Protocol: r.protocol,
  Destination: r.destination,
  Context: r.context,
  SecretConfigured: r.secret !== null,
  Created: iso(r.created_ms),
  CreatedBy: r.created_by,
});
