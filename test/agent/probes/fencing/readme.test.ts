// The README's metric table, FENCING_METRICS and what observe.ts emits must agree; plus the state mapping.
import { describe, expect, it } from 'vitest';
import { FENCING_METRICS, fencingSamples, fenceTargetState, latestEvent, slotAvailability } from '../../../../agent/probes/fencing/observe.js';
import type { FenceEvent, FencingReport } from '../../../../agent/protocol/fencing.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable } from '../../../helpers/readme-metrics.js';

const ev = (o: Partial<FenceEvent>): FenceEvent => ({ target: 'n2', action: 'reboot', status: 'success', delegate: 'n1', client: null, origin: 'n1', completed: '2026-11-23T20:44:10Z', exitReason: null, ...o });
const FULL: FencingReport = {
  sbd: [
    {
      device: '/dev/sdb',
      header: { version: '2.1', uuid: 'u', slots: 255, sectorSize: 512, watchdogTimeoutSeconds: 15, allocateTimeoutSeconds: 2, loopTimeoutSeconds: 1, msgwaitTimeoutSeconds: 30 },
      slots: [{ slot: 0, node: 'n1', message: 'clear', source: null }],
      error: null,
    },
  ],
  stonith: { connected: true, code: 0, message: 'OK', errors: [], events: [ev({})] },
  problems: [],
};

describe('fencing README metric table', () => {
  const table = probeReadmeTable('fencing');
  it('lists exactly FENCING_METRICS with the same labels', () => {
    expectTableListsMetrics(table, FENCING_METRICS);
  });
  it('a full report emits every listed metric with the listed labels, nothing else', () => {
    expectEmittedAsListed(table, fencingSamples(FULL));
    for (const m of FENCING_METRICS) expect(m.name).toMatch(/^hawatch_fencing_[a-z][a-z0-9_]*$/);
    expect(fencingSamples(FULL)).toContainEqual({ metric: 'hawatch_fencing_fence_target_last_completed_timestamp_seconds', labels: { target: 'n2' }, value: Date.parse('2026-11-23T20:44:10Z') / 1000 });
  });
});

describe('fencing state mapping', () => {
  it('slots', () => {
    const a = (message: string) => slotAvailability({ slot: 0, node: 'n', message, source: null });
    expect([a('clear'), a('test'), a('reset'), a('off'), a('crashdump'), a('exit'), a('weird')]).toEqual(['up', 'up', 'down', 'down', 'down', 'degraded', 'unknown']);
  });
  it('latest event: pending first, else the newest completed; success up, pending degraded, failed down', () => {
    const older = ev({ status: 'failed', completed: '2026-11-23T20:00:00Z' });
    const newer = ev({ completed: '2026-11-23T21:00:00Z' });
    expect(latestEvent([older, newer])).toBe(newer);
    expect(latestEvent([newer, ev({ status: 'pending', completed: null })])?.status).toBe('pending');
    expect(fenceTargetState(older)).toEqual({ state: 'reboot:failed', availability: 'down' });
    expect(fenceTargetState(newer)).toEqual({ state: 'reboot:success', availability: 'up' });
    expect(fenceTargetState(ev({ status: 'pending', action: 'off' }))).toEqual({ state: 'off:pending', availability: 'degraded' });
  });
});
