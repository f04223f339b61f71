// The iscsi parsers against every iSCSI output of the shared fixture set: the generated "no sessions/records"
// outputs (open-iscsi 2.1.8) and the collected open-iscsi README excerpts (read in place, never copied; skipped
// when the folder is absent).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { IscsiReport } from '../../../../agent/protocol/iscsi.js';
import { parseIscsiadmNode, parseIscsiadmSession } from '../../../../agent/probes/iscsi/parse.js';
import { iscsiSamples, iscsiStates } from '../../../../agent/probes/iscsi/observe.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const SHARED = SHARED_FIXTURES;
const DIR = join(SHARED, 'iscsi');
const HAVE = existsSync(DIR);
const HAVE_COLLECTED = existsSync(join(DIR, 'collected'));
const files = (sub: string): string[] => (existsSync(join(DIR, sub)) ? readdirSync(join(DIR, sub)).filter((f) => f.endsWith('.txt')).sort() : []);
const text = (sub: string, f: string) => readFileSync(join(DIR, sub, f), 'utf8');

describe.skipIf(!HAVE)(`iscsi fixtures from ${DIR}${HAVE ? '' : ' (skipped: not found; set HAWATCH_SHARED_FIXTURES)'}`, () => {
  it('generated: every session listing is "No active sessions." (no sessions), the node listing "No records found"', () => {
    const gen = files('generated');
    expect(gen).toHaveLength(4);
    for (const f of gen) {
      if (f.includes('_-m_node')) {
        expect(parseIscsiadmNode(text('generated', f)), f).toEqual({ ok: true, value: [] });
        continue;
      }
      const r = parseIscsiadmSession(text('generated', f));
      if (!r.ok) throw new Error(`${f}: ${r.error.code}`);
      expect(r.value.sessions, f).toEqual([]);
      expect(Value.Check(IscsiReport, r.value)).toBe(true);
      expect(iscsiStates(r.value)).toEqual([]);
      expect(iscsiSamples(r.value)).toEqual([{ metric: 'hawatch_iscsi_sessions', labels: {}, value: 0 }]);
    }
  });

  describe.skipIf(!HAVE_COLLECTED)(`collected open-iscsi README excerpts${HAVE_COLLECTED ? '' : ' (skipped: collected/ not found)'}`, () => {
    it('finds them', () => expect(files('collected')).toHaveLength(2));

    it('old flat format (tab-indented, no colon, no "(non-flash)"): two sessions to one NetApp target', () => {
      const r = parseIscsiadmSession(text('collected', 'open-iscsi-README__iscsiadm_-m_session.excerpt.txt'));
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.sessions.map((s) => [s.sid, s.transport, s.address, s.port, s.tpgt, s.target, s.flash])).toEqual([
        [2, 'tcp', '10.15.84.19', 3260, 2, 'iqn.1992-08.com.netapp:sn.33615311', null],
        [3, 'tcp', '10.15.85.19', 3260, 3, 'iqn.1992-08.com.netapp:sn.33615311', null],
      ]);
      // the flat listing has no state: unknown
      expect(iscsiStates(r.value).map((s) => [s.id, s.state, s.availability])).toEqual([
        ['iqn.1992-08.com.netapp:sn.33615311@10.15.84.19:3260', 'UNKNOWN', 'unknown'],
        ['iqn.1992-08.com.netapp:sn.33615311@10.15.85.19:3260', 'UNKNOWN', 'unknown'],
      ]);
    });

    it('old -P 1 block: iface without a name, iscsid connection LOGGED IN, internal NO CHANGE', () => {
      const r = parseIscsiadmSession(text('collected', 'open-iscsi-README__iscsiadm_-m_session_-P_1.excerpt.txt'));
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.sessions).toHaveLength(1);
      expect(r.value.sessions[0]).toMatchObject({
        sid: 7, target: 'iqn.1992-08.com.netapp:sn.33615311', address: '10.15.85.19', port: 3260, tpgt: 3, persistentAddress: '10.15.85.19',
        flash: null, connectionState: 'LOGGED_IN', internalState: 'NO_CHANGE', sessionState: null, disks: null,
        iface: { name: null, transport: 'tcp', initiatorName: null, ipAddress: '10.11.14.37', hwAddress: null, netdev: null },
      });
      expect(Value.Check(IscsiReport, r.value)).toBe(true);
    });
  });
});
