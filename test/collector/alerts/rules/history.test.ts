// The SQLite RuleContext: transitions recorded by the real store writer from recorded keepalived reports, read back
// oldest first, per cluster and kind, within a bounded window and row count, through an index.
import { afterEach, describe, expect, it } from 'vitest';
import { History, NOW, recorded } from './snapshot.js';

describe('SqliteRuleContext', () => {
  let h: History | undefined;
  afterEach(() => h?.close());
  const fill = () => {
    h?.close();
    h = new History('vrrplab');
    // node-b: BACKUP (before the event), MASTER (after the takeover), BACKUP (after the heal), 1 min apart.
    for (const [i, t] of [-1_000, 5_000, 25_000].entries()) h.push('node-b', 'vrrp', recorded.vrrp('vrrp-failover-term', 'node-b', t), NOW - 180_000 + i * 60_000);
    return h;
  };

  it('returns the transitions of one kind, oldest first, as stored', () => {
    const rows = fill().ctx().transitions('vrrplab', 'vrrp_instance', NOW - 600_000);
    expect(rows.map((r) => [r.node, r.object, r.from, r.to, r.atMs - NOW])).toEqual([
      ['node-b', 'VI_1', null, 'BACKUP', -180_000],
      ['node-b', 'VI_1', 'BACKUP', 'MASTER', -120_000],
      ['node-b', 'VI_1', 'MASTER', 'BACKUP', -60_000],
    ]);
    expect(fill().ctx().transitions('other-cluster', 'vrrp_instance', 0)).toEqual([]);
  });

  it('cuts the window at maxWindowMs and keeps the newest maxRows', () => {
    const ctx = fill().ctx({ maxWindowMs: 150_000 });
    expect(ctx.transitions('vrrplab', 'vrrp_instance', 0).map((r) => r.to)).toEqual(['MASTER', 'BACKUP']);
    expect(fill().ctx({ maxRows: 1 }).transitions('vrrplab', 'vrrp_instance', 0).map((r) => r.to)).toEqual(['BACKUP']);
    expect(fill().ctx({ maxRows: 1 }).transitions('vrrplab', 'vrrp_instance', 0)[0]!.atMs).toBe(NOW - 60_000);
  });

  it('the query is an index range on (cluster, kind, at_ms), not a table scan', () => {
    const plan = fill().db.prepare(
      "EXPLAIN QUERY PLAN SELECT node FROM transitions WHERE cluster = 'c' AND kind = 'k' AND at_ms >= 0 ORDER BY at_ms DESC, id DESC LIMIT 10",
    ).all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' | ')).toMatch(/USING INDEX transitions_by_kind \(cluster=\? AND kind=\? AND at_ms>\?\)/);
  });
});
