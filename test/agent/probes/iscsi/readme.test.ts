// The README's metric table, ISCSI_METRICS and what observe.ts emits must agree.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISCSI_METRICS, iscsiSamples, sessionState } from '../../../../agent/probes/iscsi/observe.js';
import type { IscsiReport, IscsiSession } from '../../../../agent/protocol/iscsi.js';
import { parseIscsiadmSession } from '../../../../agent/probes/iscsi/parse.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable } from '../../../helpers/readme-metrics.js';
import { ISCSI_CASES_DIR } from './replay.js';

/** The real multipath case, with iscsid's connection state as a running iscsid would print it, and node records. */
const full = (): IscsiReport => {
  const p = parseIscsiadmSession(readFileSync(join(ISCSI_CASES_DIR, 'multipath-one-path-failed', 'iscsiadm_-m_session_-P_3.stdout'), 'utf8'));
  if (!p.ok) throw p.error;
  p.value.sessions[0]!.connectionState = 'LOGGED_IN';
  return { ...p.value, nodes: [{ target: 'iqn.x', address: '10.0.0.9', port: 3260, tpgt: null, iface: null }] };
};

describe('iscsi README metric table', () => {
  const table = probeReadmeTable('iscsi');
  it('lists exactly ISCSI_METRICS with the same labels', () => {
    expectTableListsMetrics(table, ISCSI_METRICS);
  });
  it('a full report emits every listed metric with the listed labels, nothing else', () => {
    expectEmittedAsListed(table, iscsiSamples(full()));
    for (const m of ISCSI_METRICS) expect(m.name).toMatch(/^hawatch_iscsi_[a-z][a-z0-9_]*$/);
  });
});

describe('iscsi session availability', () => {
  const s = (o: Partial<IscsiSession>): IscsiSession => ({ ...full().sessions[0]!, ...o });
  it('LOGGED_IN up, degraded on a bad connection or disk; FAILED/FREE down; unknown otherwise', () => {
    expect(sessionState(s({}))).toEqual({ state: 'LOGGED_IN', availability: 'up' });
    expect(sessionState(s({ connectionState: 'TRANSPORT_WAIT' })).availability).toBe('degraded');
    expect(sessionState(s({ disks: [{ host: 3, channel: 0, id: 0, lun: 1, device: 'sdb', state: 'offline' }] }))).toEqual({ state: 'LOGGED_IN/disks:offline', availability: 'degraded' });
    expect(sessionState(s({ sessionState: 'FAILED' })).availability).toBe('down');
    expect(sessionState(s({ sessionState: 'FREE', disks: [] }))).toEqual({ state: 'FREE', availability: 'down' });
    expect(sessionState(s({ sessionState: null }))).toEqual({ state: 'UNKNOWN', availability: 'unknown' });
  });
});
