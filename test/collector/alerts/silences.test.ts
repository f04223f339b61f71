// Silences and maintenance windows in a real migrated SQLite database: create, list, expire (kept as history),
// active windows, Alertmanager matcher semantics, and the 400-worthy mistakes named one by one.
import { afterEach, describe, expect, it } from 'vitest';
import { matcherMatches, matcherProblems, SilenceError, SilenceStore, silenceState, type Matcher } from '../../../collector/alerts/silences.js';
import { matchersMatch as slaMatchersMatch, parseMatchers as slaParseMatchers } from '../../../collector/sla/matchers.js';
import { makeAlert, tempDb, T0, type TempDb } from './notify/helpers.js';

let t: TempDb;
afterEach(() => t?.cleanup());

const m = (name: string, value: string, isRegex = false, isEqual = true): Matcher => ({ name, value, isRegex, isEqual });
const HOUR = 3600_000;

const setup = () => {
  t = tempDb();
  const clock = { t: T0 };
  return { store: new SilenceStore(t.db, () => clock.t), clock };
};

describe('SilenceStore', () => {
  it('creates, lists newest first, gets, and expires a silence, keeping it as history', () => {
    const { store, clock } = setup();
    const a = store.create({ kind: 'silence', matchers: [m('alertname', 'VrrpSplitBrain')], endsMs: T0 + HOUR, comment: 'lab work', createdBy: 'ops' });
    clock.t += 1000;
    const b = store.create({ kind: 'maintenance', matchers: [m('cluster', 'c1'), m('node', 'n[12]', true)], startsMs: T0 + HOUR, endsMs: T0 + 2 * HOUR, comment: 'kernel update', createdBy: 'ops' });
    expect(store.list().map((s) => s.id)).toEqual([b.id, a.id]);
    expect(store.get(b.id)).toEqual({ ...b });
    expect(silenceState(a, clock.t)).toBe('Active');
    expect(silenceState(b, clock.t)).toBe('Pending');
    expect(store.active(clock.t).map((s) => s.id)).toEqual([a.id]);
    expect(store.active(T0 + HOUR + 1).map((s) => s.id)).toEqual([b.id]); // a has ended, b has begun

    clock.t += 5000;
    const expired = store.expire(a.id);
    expect(expired).toMatchObject({ id: a.id, endsMs: clock.t, startsMs: T0 });
    expect(silenceState(expired!, clock.t)).toBe('Expired');
    expect(store.active(clock.t)).toEqual([]);
    expect(store.list()).toHaveLength(2); // history stays
    // Expiring again changes nothing; a pending window expired before it began is over at once.
    clock.t += 5000;
    expect(store.expire(a.id)?.endsMs).toBe(clock.t - 5000);
    const bx = store.expire(b.id)!;
    expect([bx.startsMs, bx.endsMs]).toEqual([clock.t, clock.t]);
    expect(store.expire('no-such-id')).toBeNull();
  });

  it('matches alerts as Alertmanager does: alertname/cluster/severity plus labels, anchored regexes, != and !~, a missing label is ""', () => {
    const { store } = setup();
    const alert = makeAlert({ rule: 'PacemakerResourceNotRunning', severity: 'critical', cluster: 'prod-db', labels: { resource: 'pgsql' } });
    const mk = (matchers: Matcher[]) => store.create({ kind: 'silence', matchers, endsMs: T0 + HOUR, comment: 'x', createdBy: 't' }).id;
    const hits = [
      mk([m('alertname', 'PacemakerResourceNotRunning')]),
      mk([m('cluster', 'prod-.*', true), m('severity', 'critical')]),
      mk([m('resource', 'pgsql'), m('node', '')]), // no node label: node="" matches
      mk([m('resource', 'pg.*', true), m('alertname', 'Vrrp.*', true, false)]),
    ];
    const misses = [
      mk([m('resource', 'pg', true)]), // anchored: "pg" does not match "pgsql"
      mk([m('cluster', 'prod-db', false, false), m('alertname', 'PacemakerResourceNotRunning')]),
      mk([m('node', '.+', true)]),
      mk([m('alertname', 'pacemakerresourcenotrunning')]),
    ];
    expect(store.matches(alert).sort()).toEqual(hits.sort());
    for (const id of misses) expect(store.matches(alert)).not.toContain(id);
    // Not active yet, or over: no match.
    expect(store.matches(alert, T0 - 1)).toEqual([]);
    expect(store.matches(alert, T0 + HOUR)).toEqual([]);
  });

  it('sees silences another store instance wrote on the same database', () => {
    const { store, clock } = setup();
    const other = new SilenceStore(t.db, () => clock.t);
    const alert = makeAlert();
    expect(store.matches(alert)).toEqual([]);
    const s = other.create({ kind: 'silence', matchers: [m('vrid', '51')], endsMs: T0 + HOUR, comment: 'x', createdBy: 't' });
    expect(store.matches(alert)).toEqual([s.id]);
    other.expire(s.id);
    expect(store.matches(alert)).toEqual([]);
  });

  it('stores the matchers format the SLA module reads (maintenance windows mean the same thing there)', () => {
    const { store } = setup();
    const w = store.create({ kind: 'maintenance', matchers: [m('cluster', 'c1'), m('node', 'n1|n2', true)], endsMs: T0 + HOUR, comment: 'x', createdBy: 't' });
    const row = t.db.prepare('SELECT kind, matchers FROM silences WHERE id = ?').get(w.id) as { kind: string; matchers: string };
    expect(row.kind).toBe('maintenance');
    expect(JSON.parse(row.matchers)).toEqual([
      { name: 'cluster', value: 'c1', isRegex: false, isEqual: true },
      { name: 'node', value: 'n1|n2', isRegex: true, isEqual: true },
    ]);
    const parsed = slaParseMatchers(row.matchers)!;
    expect(slaMatchersMatch(parsed, { cluster: 'c1', node: 'n2' })).toBe(true);
    expect(slaMatchersMatch(parsed, { cluster: 'c1', node: 'n3' })).toBe(false);
    // Both implementations agree on the same label sets.
    for (const labels of [{ cluster: 'c1', node: 'n2' }, { cluster: 'c1' }, { cluster: 'c2', node: 'n1' }, { cluster: 'c1', node: 'n1x' }]) {
      expect(parsed.every((x) => matcherMatches(x, labels)), JSON.stringify(labels)).toBe(slaMatchersMatch(parsed, labels));
    }
  });
});

describe('validation: each mistake is named', () => {
  const refused = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(SilenceError);
      return [...(e as SilenceError).problems];
    }
    throw new Error('not refused');
  };

  it('bad regex, ends before starts, ends in the past, no matchers, matches everything, bad label name, empty comment', () => {
    const { store } = setup();
    const base = { kind: 'silence' as const, endsMs: T0 + HOUR, comment: 'x', createdBy: 't' };
    expect(refused(() => store.create({ ...base, matchers: [m('node', 'n(1', true)] })).join()).toMatch(/Matchers\[0\]\.value: not a valid regular expression: .*/);
    expect(refused(() => store.create({ ...base, matchers: [m('node', 'n1')], startsMs: T0 + 2 * HOUR })).join()).toContain('EndsAt: 2025-01-15T11:00:00.000Z is not after StartsAt 2025-01-15T12:00:00.000Z');
    expect(refused(() => store.create({ ...base, matchers: [m('node', 'n1')], startsMs: T0 - 2 * HOUR, endsMs: T0 - HOUR })).join()).toContain('is in the past');
    expect(refused(() => store.create({ ...base, matchers: [] })).join()).toContain('Matchers: at least one matcher is needed');
    expect(refused(() => store.create({ ...base, matchers: [m('node', '.*', true)] })).join()).toContain('must not match the empty string');
    expect(refused(() => store.create({ ...base, matchers: [m('node', 'x', false, false)] })).join()).toContain('must not match the empty string');
    expect(refused(() => store.create({ ...base, matchers: [m('drbd.resource', 'r0')] })).join()).toContain('Matchers[0].name: "drbd.resource" is not a label name');
    expect(refused(() => store.create({ ...base, matchers: [m('node', 'n1')], comment: '  ' })).join()).toContain('Comment: say why');
    // Several problems at once are all named: the label name, the regex, the end before the start and in the past.
    expect(refused(() => store.create({ ...base, matchers: [m('a b', '('), m('node', '[', true)], endsMs: T0 - 1 }))).toHaveLength(4);
    expect(store.list()).toEqual([]);
  });

  it('matcherProblems is empty for good matchers', () => {
    expect(matcherProblems([m('alertname', 'Pacemaker.*', true), m('node', 'n1', false, false)])).toEqual([]);
  });
});
