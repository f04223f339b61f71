import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfigText } from '../../common/config-file.js';
import { AgentConfig } from '../../agent/config.js';
import { CollectorConfig } from '../../collector/config.js';

const problemsOf = (fn: () => unknown): { file: string; problems: readonly string[] } => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('config files', () => {
  it('fills defaults from the schema', () => {
    const c = parseConfigText(AgentConfig, 'cluster: prod\nnode: n1\n', 'agent.yaml');
    expect(c.collector.url).toBe('http://127.0.0.1:9470');
    expect(c.collector.pushIntervalSeconds).toBe(30);
    expect(c.probes.pacemaker).toEqual({ enabled: true, intervalSeconds: 10, timeoutSeconds: 8, watch: true, minTriggerIntervalMs: 250, restartDelayMs: 5000 });
    const k = parseConfigText(CollectorConfig, '{}', 'collector.yaml');
    expect(k.http.listen).toBe('127.0.0.1:9470');
    expect(k.auth).toEqual({ openReads: false, tokens: [] });
  });

  it('names the file, the key and the reason for a wrong type', () => {
    const e = problemsOf(() => parseConfigText(AgentConfig, 'cluster: prod\nprobes:\n  pacemaker:\n    intervalSeconds: often\n', '/etc/hawatch/agent.yaml'));
    expect(e.file).toBe('/etc/hawatch/agent.yaml');
    expect(e.problems).toContain('probes.pacemaker.intervalSeconds: must be number');
    expect((e as unknown as Error).message).toContain('/etc/hawatch/agent.yaml');
  });

  it('rejects an unknown key, naming it (a typo must not be silently ignored)', () => {
    const e = problemsOf(() => parseConfigText(AgentConfig, 'cluster: prod\ncollector:\n  urll: http://x\n', 'agent.yaml'));
    expect(e.problems).toEqual(['collector.urll: unknown key']);
  });

  it('reports a missing required key', () => {
    const e = problemsOf(() => parseConfigText(AgentConfig, 'node: n1\n', 'agent.yaml'));
    expect(e.problems).toContain('cluster: required key is missing');
  });

  it('reports bad YAML with its position', () => {
    const e = problemsOf(() => parseConfigText(AgentConfig, 'cluster: prod\n  node: [unclosed\n', 'agent.yaml'));
    expect(e.problems[0]).toMatch(/^YAML: .* at line \d+, column \d+/);
  });

  it('reports duplicate keys (the second would silently win otherwise)', () => {
    const e = problemsOf(() => parseConfigText(AgentConfig, 'cluster: a\ncluster: b\n', 'agent.yaml'));
    expect(e.problems[0]).toMatch(/^YAML: .*[Uu]nique|duplicate/);
  });

  it('reports a value out of range and a bad enum', () => {
    const e = problemsOf(() =>
      parseConfigText(CollectorConfig, 'http:\n  listen: nowhere\nauth:\n  tokens:\n    - {name: x, role: god, token: aaaaaaaaaaaaaaaaaaaa}\n', 'c.yaml'),
    );
    expect(e.problems.some((p) => p.startsWith('http.listen: '))).toBe(true);
    expect(e.problems.some((p) => p.startsWith('auth.tokens.0.role: '))).toBe(true);
  });

  it('says when the file cannot be read', () => {
    const e = problemsOf(() => loadConfigFile(AgentConfig, '/nonexistent/agent.yaml'));
    expect(e.problems[0]).toMatch(/cannot read the file/);
  });

  it('loads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-cfg-'));
    const f = join(dir, 'agent.yaml');
    writeFileSync(f, 'cluster: prod\nnode: n2\ncollector:\n  url: https://collector:9470\n  tokenFile: /run/secrets/t\n');
    const c = loadConfigFile(AgentConfig, f);
    expect(c).toMatchObject({ cluster: 'prod', node: 'n2', collector: { url: 'https://collector:9470', tokenFile: '/run/secrets/t' } });
  });
});
