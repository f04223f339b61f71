// The hawatch command as an operator meets it: help, parse, probe, and what a bad config says.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, requireBuild } from '../helpers/processes.js';

const run = (args: string[], env: Record<string, string> = {}, input?: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    requireBuild();
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'probes', 'pacemaker', 'live-12-quorum-lost', 'input.xml');
const CIB = join(import.meta.dirname, '..', 'fixtures', 'cib', '01-healthy.cib.xml');

describe('hawatch CLI', () => {
  it('has --help on every subcommand', async () => {
    for (const sub of ['collector', 'agent', 'demo', 'parse', 'probe']) {
      const r = await run([sub, '--help']);
      expect(r.code, sub).toBe(0);
      expect(r.stdout).toContain(`Usage: hawatch ${sub}`);
    }
  });

  it('parse: prints the typed result of a real capture as JSON', async () => {
    const r = await run(['parse', 'crm_mon-xml', FIXTURE]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { running: boolean; dc: { name: string; withQuorum: boolean } };
    expect(report.running).toBe(true);
    expect(report.dc).toMatchObject({ name: 'node1', withQuorum: false });
  });

  it('parse: reads stdin and reports garbage as a typed error with exit 1', async () => {
    const r = await run(['parse', 'crm_mon-xml', '-'], {}, 'Connection to cluster failed: Connection refused\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hawatch parse crm_mon-xml: pacemaker\.not_xml: /);
  });

  it('parse: refuses an unknown source and lists the known ones', async () => {
    const r = await run(['parse', 'nonsense', FIXTURE]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('crm_mon-xml');
  });

  it('probe --once: runs the real crm_mon (on a real CIB capture) and prints the observation', async () => {
    const r = await run(['probe', 'pacemaker', '--once'], { CIB_file: CIB });
    if (r.code === 3) return; // crm_mon not installed: "absent" (CI installs it)
    expect(r.code).toBe(0);
    const obs = JSON.parse(r.stdout) as { status: string; report: { nodes: unknown[] }; states: { kind: string }[] };
    expect(obs.status).toBe('ok');
    expect(obs.report.nodes).toHaveLength(3);
    expect(obs.states.some((s) => s.kind === 'pcmk_node')).toBe(true);
  });

  it('a bad config names the file, the key and the reason, and exits non-zero', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-cli-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'cluster: prod\ncolector:\n  url: http://x\nprobes:\n  pacemaker:\n    intervalSeconds: -1\n');
    const r = await run(['agent', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('colector: unknown key');
    expect(r.stderr).toMatch(/probes\.pacemaker\.intervalSeconds: must be >= 0\.1/);

    const cfile = join(dir, 'collector.yaml');
    writeFileSync(cfile, 'http:\n  listen: [oops\n');
    const c = await run(['collector', '--config', cfile]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(cfile);
    expect(c.stderr).toContain('YAML');
  });
});
