// Reading a recorded scenario's README tables: the measured onsets (daemon logs, ground truth) and the changes
// seen in the samples (what any poller can see at best).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS_DIR } from '../../helpers/replay.js';

const rowsOf = (scenario: string, header: string): string[][] => {
  const lines = readFileSync(join(SCENARIOS_DIR, scenario, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  if (start < 0) throw new Error(`${scenario}: no table ${header}`);
  const out: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    out.push(l.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return out;
};

/** t_ms of the first "Measured onsets" row of `node` whose text matches. */
export const measured = (scenario: string, node: string, what: RegExp): number => {
  const row = rowsOf(scenario, '| t_ms | node | source | what |').find((c) => c[1] === node && what.test(c[3] ?? ''));
  if (row === undefined) throw new Error(`${scenario}: no measured row for ${node} ${what}`);
  return Number(row[0]);
};

/** t_ms of the first sampled change of `node`'s `command` after `after` whose state matches. */
export const sampled = (scenario: string, node: string, command: string, state: RegExp, after = -Infinity): number => {
  // Pacemaker READMEs list every command's changes; keepalived ones only `ip -j addr show`.
  const withCommand = readFileSync(join(SCENARIOS_DIR, scenario, 'README.md'), 'utf8').includes('| t_ms | node | command | state | file |');
  const header = withCommand ? '| t_ms | node | command | state | file |' : '| t_ms | node | state | file |';
  const rows = rowsOf(scenario, header);
  const row = withCommand
    ? rows.find((c) => Number(c[0]) > after && c[1] === node && c[2] === command && state.test(c[3] ?? ''))
    : rows.find((c) => Number(c[0]) > after && c[1] === node && state.test(c[2] ?? ''));
  if (row === undefined) throw new Error(`${scenario}: no sampled row for ${node} ${command} ${state}`);
  return Number(row[0]);
};
