// Notifier configuration: defaults, the union by type, secrets, and fail-fast errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { ConfigError, parseConfigText } from '../../../../common/config-file.js';
import { createNotifier, createNotifiers, DeliveryConfig, NotifiersConfig, parseNotifierConfig } from '../../../../collector/alerts/notify/index.js';

const deps = { now: () => 0 };

describe('notifier config', () => {
  it('parses a notifiers: block from YAML with defaults', () => {
    const Schema = Type.Object({ notifiers: NotifiersConfig, delivery: DeliveryConfig });
    const c = parseConfigText(
      Schema,
      `
notifiers:
  - type: alertmanager
    name: am
    url: http://127.0.0.1:9093
  - type: webhook
    name: chat
    url: https://chat.example/hook
    token: abc
    timeoutSeconds: 3
  - type: pagerduty
    name: pd
    routingKey: R0UT1NGKEY
delivery:
  externalUrl: http://hawatch.example:9470
`,
      'collector.yaml',
    );
    expect(c.notifiers).toEqual([
      { type: 'alertmanager', name: 'am', url: 'http://127.0.0.1:9093', timeoutSeconds: 10, resendIntervalSeconds: 60 },
      { type: 'webhook', name: 'chat', url: 'https://chat.example/hook', token: 'abc', timeoutSeconds: 3 },
      { type: 'pagerduty', name: 'pd', routingKey: 'R0UT1NGKEY', url: 'https://events.pagerduty.com/v2/enqueue', timeoutSeconds: 10 },
    ]);
    expect(c.delivery).toEqual({ backoffInitialSeconds: 1, backoffMaxSeconds: 300, maxAgeHours: 24, retentionDays: 7, externalUrl: 'http://hawatch.example:9470' });
    const ns = createNotifiers(c.notifiers, deps);
    expect(ns.map((n) => [n.name, n.kind])).toEqual([
      ['am', 'alertmanager'],
      ['chat', 'webhook'],
      ['pd', 'pagerduty'],
    ]);
    expect(ns[0]?.resendIntervalMs).toBe(60_000);
  });

  it('refuses unknown types, unknown keys, bad URLs and header injection', () => {
    expect(() => parseNotifierConfig({ type: 'slack', name: 'x', url: 'http://a' })).toThrow(ConfigError);
    expect(() => parseNotifierConfig({ type: 'webhook', name: 'x', url: 'http://a', colour: 'red' })).toThrow(ConfigError);
    expect(() => parseNotifierConfig({ type: 'webhook', name: 'x', url: 'ftp://a' })).toThrow(ConfigError);
    expect(() => parseNotifierConfig({ type: 'webhook', name: 'x y', url: 'http://a' })).toThrow(ConfigError);
    expect(() => parseNotifierConfig({ type: 'webhook', name: 'x', url: 'http://a', headers: { 'X-A': 'v\r\nX-B: w' } })).toThrow(ConfigError);
    expect(() => createNotifier(parseNotifierConfig({ type: 'webhook', name: 'x', url: 'http://[bad' }), deps)).toThrow(/not a URL/);
  });

  it('needs a routing key for PagerDuty, and token or basicAuth, not both', () => {
    expect(() => createNotifier(parseNotifierConfig({ type: 'pagerduty', name: 'pd' }), deps)).toThrow(/routingKey/);
    expect(() =>
      createNotifier(parseNotifierConfig({ type: 'webhook', name: 'w', url: 'http://a', token: 't', basicAuth: { username: 'u', password: 'p' } }), deps),
    ).toThrow(/exclude each other/);
  });

  it('reads secrets from files, and refuses duplicate names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-notify-cfg-'));
    try {
      writeFileSync(join(dir, 'key'), 'FROMFILE\n');
      const n = createNotifier(parseNotifierConfig({ type: 'pagerduty', name: 'pd', routingKeyFile: join(dir, 'key') }), deps);
      expect(n.kind).toBe('pagerduty');
      expect(() => createNotifier(parseNotifierConfig({ type: 'pagerduty', name: 'pd', routingKeyFile: join(dir, 'missing') }), deps)).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const twice = [parseNotifierConfig({ type: 'webhook', name: 'w', url: 'http://a' }), parseNotifierConfig({ type: 'webhook', name: 'w', url: 'http://b' })];
    expect(() => createNotifiers(twice, deps)).toThrow(/used twice/);
  });
});
