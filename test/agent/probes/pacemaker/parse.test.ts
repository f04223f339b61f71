// parseCrmMonXml on bad input (typed errors, never a throw) and on small documents for paths the fixtures
// do not reach. Real outputs are in fixtures.test.ts and golden.test.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseError } from '../../../../agent/lib/errors.js';
import { PACEMAKER_PARSE_ERRORS, parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import type { PacemakerRunning } from '../../../../agent/protocol/pacemaker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'pacemaker');
const healthy = readFileSync(join(GOLDEN, 'live-01-healthy', 'input.xml'), 'utf8');

const errorCode = (text: string): string => {
  const r = parseCrmMonXml(text);
  if (r.ok) throw new Error('expected a parse error');
  expect(r.error).toBeInstanceOf(ParseError);
  return r.error.code;
};

const ok = (text: string): PacemakerRunning => {
  const r = parseCrmMonXml(text);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  if (!r.value.running) throw new Error('not running');
  return r.value;
};

/** A minimal 2.1-style document around the given body. */
const doc = (body: string, opts = '<cluster_options stonith-enabled="true" no-quorum-policy="stop" maintenance-mode="false" stop-all-resources="false"/>') =>
  `<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml --include=all">
  <summary>
    <stack type="corosync"/>
    <current_dc present="true" version="2.1.5" name="n1" id="1" with_quorum="true" mixed_version="false"/>
    <nodes_configured number="2"/>
    <resources_configured number="1" disabled="0" blocked="0"/>
    ${opts}
  </summary>
  ${body}
  <status code="0" message="OK"/>
</pacemaker-result>`;

describe('parseCrmMonXml: bad input gives a typed error with a stable code', () => {
  it('empty or blank → pacemaker.empty', () => {
    expect(errorCode('')).toBe('pacemaker.empty');
    expect(errorCode('  \n\t\n')).toBe('pacemaker.empty');
  });

  it('text (crm_mon -1 output, an error message, binary noise) → pacemaker.not_xml', () => {
    expect(errorCode('Cluster Summary:\n  * Stack: corosync\n')).toBe('pacemaker.not_xml');
    expect(errorCode('crm_mon: Connection to cluster failed: Connection refused\n')).toBe('pacemaker.not_xml');
    expect(errorCode('\u0000\u0001\u0002\u00ff\u00fe garbage')).toBe('pacemaker.not_xml');
  });

  it('truncated or malformed XML → pacemaker.invalid_xml, with the position', () => {
    for (const cut of [10, 200, 1000, healthy.length - 30, healthy.length - 2]) {
      expect(errorCode(healthy.slice(0, cut))).toBe('pacemaker.invalid_xml');
    }
    const r = parseCrmMonXml(healthy.slice(0, 500));
    expect(r.ok ? '' : r.error.message).toMatch(/line \d+, column \d+/);
    expect(errorCode('<')).toBe('pacemaker.invalid_xml');
    expect(errorCode('<a><b></a>')).toBe('pacemaker.invalid_xml');
    expect(errorCode('<pacemaker-result/><pacemaker-result/>')).toBe('pacemaker.invalid_xml');
  });

  it('XML that is not crm_mon output → pacemaker.unknown_format', () => {
    expect(errorCode('<cib epoch="1"><configuration/></cib>')).toBe('pacemaker.unknown_format');
    expect(errorCode('<?xml version="1.0"?>\n<html><body/></html>')).toBe('pacemaker.unknown_format');
    // The same envelope from another tool.
    expect(errorCode('<pacemaker-result api-version="2.25" request="crm_resource --list"><resources/><status code="0" message="OK"/></pacemaker-result>')).toBe(
      'pacemaker.unknown_format',
    );
    // crm_mon, but neither data nor an error.
    expect(errorCode('<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml"><status code="0" message="OK"/></pacemaker-result>')).toBe(
      'pacemaker.unknown_format',
    );
    // 2.1.5 `crm_mon --as-xml` when not connected prints only this on stdout.
    expect(errorCode('<crm_mon version="2.1.5"/>')).toBe('pacemaker.unknown_format');
  });

  it('values that are not what crm_mon prints → pacemaker.bad_value', () => {
    expect(errorCode(doc('<nodes><node name="n1" id="1" online="maybe"/></nodes>'))).toBe('pacemaker.bad_value');
    expect(errorCode(doc('<nodes><node id="1" online="true"/></nodes>'))).toBe('pacemaker.bad_value');
    expect(errorCode(doc('<resources><resource resource_agent="ocf:pacemaker:Dummy" role="Started"/></resources>'))).toBe('pacemaker.bad_value');
    expect(errorCode(doc('<bans><ban id="b" resource="r" node="n1" weight="heavy"/></bans>'))).toBe('pacemaker.bad_value');
  });

  it('never throws, whatever the slice of a real output', () => {
    const codes = new Set<string>(Object.values(PACEMAKER_PARSE_ERRORS));
    for (let i = 0; i < healthy.length; i += 97) {
      for (const text of [healthy.slice(0, i), healthy.slice(i), healthy.slice(i, i + 500)]) {
        const r = parseCrmMonXml(text);
        if (!r.ok) expect(codes.has(r.error.code)).toBe(true);
      }
    }
  });
});

describe('parseCrmMonXml: paths the fixtures do not reach', () => {
  it('accepts a BOM, leading blank lines and an XML declaration', () => {
    expect(ok(`\uFEFF\n\n<?xml version="1.0" encoding="UTF-8"?>\n${healthy}`).dc?.name).toBe('node1');
  });

  it('prefers Pacemaker 3.x fencing-enabled over the stonith-enabled it also prints', () => {
    const r = ok(doc('', '<cluster_options fencing-enabled="false" stonith-enabled="true" no-quorum-policy="freeze"/>'));
    expect(r.fencingEnabled).toBe(false);
    expect(r.noQuorumPolicy).toBe('freeze');
    expect(ok(doc('', '<cluster_options/>')).fencingEnabled).toBeNull();
  });

  it('reads tickets (the element crm_mon 2.1.5 prints for crm_ticket-granted/revoked tickets)', () => {
    const r = ok(
      doc(`<tickets>
    <ticket id="ticketA" status="granted" standby="false" last-granted="Mon Nov 23 20:19:02 2026"/>
    <ticket id="ticketB" status="revoked" standby="true"/>
  </tickets>`),
    );
    expect(r.tickets).toEqual([
      { id: 'ticketA', granted: true, standby: false, lastGranted: 'Mon Nov 23 20:19:02 2026' },
      { id: 'ticketB', granted: false, standby: true, lastGranted: null },
    ]);
  });

  it('reads fail counts that appear only as node attributes (summed per resource, capped at INFINITY)', () => {
    const r = ok(
      doc(`<node_attributes>
    <node name="n1">
      <attribute name="fail-count-rscA#monitor_10000" value="2"/>
      <attribute name="fail-count-rscA#start_0" value="INFINITY"/>
      <attribute name="fail-count-old" value="3"/>
      <attribute name="pingd" value="1000"/>
    </node>
  </node_attributes>
  <node_history>
    <node name="n1">
      <resource_history id="old" orphan="false" migration-threshold="3" fail-count="3"/>
    </node>
  </node_history>`),
    );
    expect(r.failCounts).toEqual([
      { node: 'n1', resource: 'old', failCount: 3, migrationThreshold: 3 },
      { node: 'n1', resource: 'rscA', failCount: 1000000, migrationThreshold: null },
    ]);
  });

  it('takes the resource of a failed action from op_key, also for tasks with "_" and without task/interval attributes', () => {
    const r = ok(
      doc(`<failures>
    <failure op_key="vm_1_migrate_to_0" node="n1" exitstatus="error" exitreason="boom" exitcode="1" call="9" status="complete" last-rc-change="2026-11-23 18:05:38Z" queued="0" exec="5" interval="0" task="migrate_to"/>
    <failure op_key="db_x_monitor_20000" node="n2" exitstatus="not running" exitcode="7" call="3" status="complete" last-rc-change="1571392102"/>
  </failures>`),
    );
    expect(r.failedActions).toEqual([
      { resource: 'vm_1', node: 'n1', operation: 'migrate_to', intervalMs: 0, rc: 1, rcText: 'error', status: 'complete', exitReason: 'boom', lastRcChange: '2026-11-23T18:05:38Z' },
      { resource: 'db_x', node: 'n2', operation: 'monitor', intervalMs: 20000, rc: 7, rcText: 'not running', status: 'complete', exitReason: null, lastRcChange: '2019-10-18T09:48:22Z' },
    ]);
  });

  it('maps fence event states to success / failed / pending', () => {
    const r = ok(
      doc(`<fence_history>
    <fence_event action="reboot" target="n2" status="pending" extended-status="1"/>
    <fence_event action="off" target="n2" status="failed" exit-reason="timeout" completed="2026-11-23 18:09:40Z"/>
    <fence_event action="on" target="n1" status="success" completed="2026-11-23 18:10:00Z"/>
    <fence_event action="reboot" target="n1" status="error"/>
  </fence_history>`),
    );
    expect(r.fenceHistory.map((e) => [e.target, e.action, e.status, e.completed])).toEqual([
      ['n2', 'reboot', 'pending', null],
      ['n2', 'off', 'failed', '2026-11-23T18:09:40Z'],
      ['n1', 'on', 'success', '2026-11-23T18:10:00Z'],
      ['n1', 'reboot', 'failed', null],
    ]);
  });

  it('reads a pending node, a DC that is not present, and unique clone instances', () => {
    const r = ok(
      `<pacemaker-result api-version="2.25" request="/usr/sbin/crm_mon --output-as=xml">
  <summary><current_dc present="false"/><nodes_configured number="1"/><resources_configured number="2" disabled="0" blocked="0"/></summary>
  <nodes><node name="n1" id="1" online="false" pending="true" standby="false" unclean="false" type="member"/></nodes>
  <resources>
    <clone id="u" multi_state="false" unique="true" managed="true">
      <resource id="d:0" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1"><node name="n1" id="1" cached="true"/></resource>
      <resource id="d:1" resource_agent="ocf:pacemaker:Dummy" role="Stopped" active="false" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="0"/>
    </clone>
  </resources>
</pacemaker-result>`,
    );
    expect(r.dc).toBeNull();
    expect(r.nodes[0]).toMatchObject({ pending: true, online: false, health: null });
    expect(r.resources.map((x) => [x.id, x.clone, x.instance])).toEqual([
      ['d:0', 'u', '0'],
      ['d:1', 'u', '1'],
    ]);
  });

  it('treats any non-zero status without a summary as "not running" with that code', () => {
    const r = parseCrmMonXml('<pacemaker-result api-version="2.25" request="crm_mon"><status code="69" message="Service unavailable"/></pacemaker-result>');
    expect(r).toEqual({ ok: true, value: { running: false, code: 69, message: 'Service unavailable', errors: [] } });
  });
});
