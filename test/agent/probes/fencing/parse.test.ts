// fencing parsers on edge cases: empty, garbage, truncated → typed errors, never a throw.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FENCING_PARSE_ERRORS as E, parseSbdDump, parseSbdList, parseStonithHistory } from '../../../../agent/probes/fencing/parse.js';
import { FENCING_PARSE_SOURCES } from '../../../../agent/probes/fencing/index.js';
import { DIR } from './replay.js';

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);
const DUMP = readFileSync(join(DIR, 'sbd', 'shared', '02-dump.txt'), 'utf8');
const HIST = readFileSync(join(DIR, 'stonith', '09-history-after-pending-verbose', 'stdout.xml'), 'utf8');

describe('parseSbdDump', () => {
  it('empty, prose, cut, bad numbers', () => {
    expect(code(parseSbdDump(''))).toBe(E.empty);
    expect(code(parseSbdDump('Initializing device /dev/sdb\n'))).toBe(E.unknownFormat);
    expect(code(parseSbdDump(DUMP.slice(0, DUMP.indexOf('Timeout (loop)'))))).toBe(E.truncated);
    expect(code(parseSbdDump(DUMP.replace('Timeout (msgwait)  : 30', 'Timeout (msgwait)  : thirty')))).toBe(E.badValue);
    expect(code(parseSbdDump(DUMP.replace('Number of slots    : 255\n', '')))).toBe(E.badValue);
    expect(code(parseSbdDump(`${DUMP}garbage line\n`))).toBe(E.badLine);
  });
  it('the uninitialised-device run (stdout + stderr of sbd 1.5.2) is an entry with an error', () => {
    const r = parseSbdDump('==Dumping header on disk /dev/loop0\n==Header on disk /dev/loop0 NOT dumped\nsbd failed; please check the logs.\n');
    expect(r).toMatchObject({ ok: true, value: [{ device: '/dev/loop0', header: null, error: { code: E.sbdUnreadable } }] });
  });
});

describe('parseSbdList', () => {
  it('empty = no slot allocated; unreadable; garbage; spaces instead of tabs', () => {
    expect(parseSbdList('')).toEqual({ ok: true, value: [] });
    expect(code(parseSbdList('== Slots on disk /dev/loop0 NOT dumped\nsbd failed; please check the logs.\n'))).toBe(E.sbdUnreadable);
    expect(code(parseSbdList('hello\n'))).toBe(E.unknownFormat);
    expect(code(parseSbdList('0\tnode1\tclear\t\n1 node2 clear\n'))).toBe(E.badLine);
    expect(code(parseSbdList('x\tnode1\tclear\t\n'))).toBe(E.unknownFormat);
  });
});

describe('parseStonithHistory', () => {
  it('empty, text, cut XML, another tool, a result with neither list nor error', () => {
    expect(code(parseStonithHistory(''))).toBe(E.empty);
    expect(code(parseStonithHistory('reboot of ghost1 successful: delegate=n1\n'))).toBe(E.notXml);
    expect(code(parseStonithHistory(HIST.slice(0, HIST.length / 2)))).toBe(E.invalidXml);
    expect(code(parseStonithHistory('<cib/>'))).toBe(E.unknownFormat);
    expect(code(parseStonithHistory('<pacemaker-result api-version="2.25" request="crm_resource --list"><status code="0" message="OK"/></pacemaker-result>'))).toBe(E.unknownFormat);
    expect(code(parseStonithHistory('<pacemaker-result api-version="2.25" request="stonith_admin --history *"><status code="0" message="OK"/></pacemaker-result>'))).toBe(E.unknownFormat);
    expect(code(parseStonithHistory('<pacemaker-result request="stonith_admin"><list name="fencing history"><fence_event action="reboot" status="success"/></list><status code="0" message="OK"/></pacemaker-result>'))).toBe(E.badValue);
  });
  it('an error result other than "Not connected" stays connected, with its code and errors', () => {
    const r = parseStonithHistory('<pacemaker-result api-version="2.25" request="stonith_admin --history *"><status code="13" message="Insufficient privileges"><errors><error>denied</error></errors></status></pacemaker-result>');
    expect(r).toEqual({ ok: true, value: { connected: true, code: 13, message: 'Insufficient privileges', errors: ['denied'], events: [] } });
  });
  it('unknown statuses count as failed; exit-reason is kept', () => {
    const r = parseStonithHistory('<pacemaker-result request="stonith_admin"><list name="fencing history"><fence_event action="off" target="n9" status="cancelled" exit-reason="timed out" completed="2026-01-01 00:00:00Z"/></list><status code="0" message="OK"/></pacemaker-result>');
    expect(r).toMatchObject({ ok: true, value: { events: [{ target: 'n9', status: 'failed', exitReason: 'timed out', completed: '2026-01-01T00:00:00Z' }] } });
  });
});

describe('FENCING_PARSE_SOURCES', () => {
  it('three sources whose parsers never throw', () => {
    expect(Object.keys(FENCING_PARSE_SOURCES).sort()).toEqual(['sbd-dump', 'sbd-list', 'stonith-history']);
    for (const s of Object.values(FENCING_PARSE_SOURCES)) for (const t of ['', '\u0000', '<', '<a><b></a>', DUMP.slice(0, 50), HIST.slice(0, 300)]) expect(() => s.parse(t)).not.toThrow();
  });
});
