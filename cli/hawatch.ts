#!/usr/bin/env node
// The one hawatch command: collector, agent, demo, parse, probe. Each subcommand has --help.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { AGENT_VERSION } from '../common/version.js';
import { PARSE_SOURCES, PROBES } from '../agent/probes/index.js';
import type { SlaReportCliOptions } from '../collector/report/cli.js';
// Everything else is imported by the subcommand that needs it: the agent runs on every cluster node, and the
// collector's modules (fastify, net-snmp, prom-client, the SLA code) would cost it tens of MB it never uses.

/** The subcommand on the command line (`help X` counts as X), so that only its help needs its modules. */
const words = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const subcommand = words[0] === 'help' ? words[1] : words[0];
const demoDefault = subcommand === 'demo' ? (await import('./demo.js')).DEFAULT_SCENARIO : undefined;

const hostPort = (v: string): string => {
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):[0-9]{1,5}$/.test(v)) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:9470');
  return v;
};
const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

/** Print a config problem as the operator needs it (file, key, reason) and exit non-zero. */
const fail = (e: unknown): never => {
  // A ConfigError's message already names the file, the key and the reason.
  process.stderr.write(`hawatch: ${(e as Error).message ?? String(e)}\n`);
  process.exit(2);
};

const onSignals = (stop: () => Promise<void>) => {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
};

const program = new Command('hawatch')
  .description('Monitoring and alerting for Linux HA clusters (Pacemaker/Corosync, keepalived/VRRP, DRBD, iSCSI)')
  .version(AGENT_VERSION)
  .showHelpAfterError();

program
  .command('collector')
  .description('run the collector: receives agent pushes, keeps history in SQLite, serves REST, /metrics (and SNMP)')
  .option('--config <file>', 'collector YAML config')
  .option('--data-dir <dir>', 'where the SQLite database lives (overrides dataDir)')
  .option('--http-listen <host:port>', 'HTTP listen address (overrides http.listen)', hostPort)
  .option('--snmp-listen <host:port>', 'SNMP listen address (overrides snmp.listen and enables SNMP)', hostPort)
  .action(async (opts: { config?: string; dataDir?: string; httpListen?: string; snmpListen?: string }) => {
    const file = opts.config ?? '(no config file)';
    try {
      const { loadConfigFile, validateConfig } = await import('../common/config-file.js');
      const { createLogger } = await import('../common/logger.js');
      const { CollectorConfig } = await import('../collector/config.js');
      const { startCollector } = await import('../collector/main.js');
      const raw = opts.config ? loadConfigFile(CollectorConfig, opts.config) : validateConfig(CollectorConfig, {}, file);
      if (opts.dataDir) raw.dataDir = opts.dataDir;
      if (opts.httpListen) raw.http.listen = opts.httpListen;
      if (opts.snmpListen) raw.snmp = { ...raw.snmp, enabled: true, listen: opts.snmpListen };
      const config = validateConfig(CollectorConfig, raw, file);
      if (config.snmp.enabled && config.snmp.communities.length === 0 && config.snmp.v3Users.length === 0) {
        process.stderr.write('hawatch: note: SNMP is enabled but no community or v3 user is configured (snmp.communities, snmp.v3Users): it answers nobody\n');
      }
      const running = await startCollector(config, { logger: createLogger('hawatch-collector'), configFile: file });
      onSignals(running.close);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('agent')
  .description('run the agent on a cluster node: probes the cluster software and pushes to the collector')
  .option('--config <file>', 'agent YAML config')
  .option('--collector <url>', 'collector base URL (overrides collector.url)')
  .option('--token <token>', 'agent push token (overrides collector.token; prefer tokenFile in the config)')
  .action(async (opts: { config?: string; collector?: string; token?: string }) => {
    const file = opts.config ?? '(no config file)';
    try {
      const { ConfigError, loadConfigFile, validateConfig } = await import('../common/config-file.js');
      if (!opts.config) throw new ConfigError(file, ['--config is required: the agent needs at least `cluster:` (see README)']);
      const { createLogger } = await import('../common/logger.js');
      const { AgentConfig } = await import('../agent/config.js');
      const { startAgent } = await import('../agent/main.js');
      const { exec, execStream } = await import('../agent/lib/exec.js');
      const raw = loadConfigFile(AgentConfig, opts.config);
      if (opts.collector) raw.collector.url = opts.collector;
      if (opts.token) raw.collector.token = opts.token;
      const config = validateConfig(AgentConfig, raw, file);
      const running = await startAgent(config, { logger: createLogger('hawatch-agent'), exec, execStream, configFile: file });
      onSignals(running.stop);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('demo')
  .description('run a collector with simulated nodes whose agents replay real recorded cluster outputs')
  .option('--scenario <name>', 'recorded scenario to replay (see --list)', demoDefault)
  .option('--list', 'list the scenarios and exit')
  .option('--speed <n>', 'replay speed (2 = twice as fast as recorded)', positive, 1)
  .option('--http-listen <host:port>', 'collector HTTP address', hostPort, '127.0.0.1:9470')
  .option('--snmp-listen <host:port>', 'collector SNMP address', hostPort, '127.0.0.1:1161')
  .option('--data-dir <dir>', 'keep the demo database here (default: a fresh temporary folder)')
  .option('--once', 'play the scenario once and exit (default: loop until Ctrl-C)')
  .action(async (opts: { scenario?: string; list?: boolean; speed: number; httpListen: string; snmpListen: string; dataDir?: string; once?: boolean }) => {
    try {
      const { runDemo, DEFAULT_SCENARIO } = await import('./demo.js');
      await runDemo({ ...opts, scenario: opts.scenario ?? DEFAULT_SCENARIO, list: opts.list === true, once: opts.once === true, out: process.stdout });
    } catch (e) {
      fail(e);
    }
  });

program
  .command('parse')
  .description('run one parser on a captured tool output and print the typed result as JSON')
  .addArgument(new Command().createArgument('source', `what the output is: ${Object.keys(PARSE_SOURCES).join(', ')}`).choices(Object.keys(PARSE_SOURCES)))
  .argument('[file]', 'captured output; - or nothing reads stdin', '-')
  .action((source: string, file: string) => {
    const parser = PARSE_SOURCES[source];
    if (!parser) return fail(new Error(`unknown source ${source}`));
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      return fail(new Error(`cannot read ${file}: ${(e as Error).message}`));
    }
    const r = parser.parse(text);
    if (r.ok) {
      process.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
    } else {
      process.stderr.write(`hawatch parse ${source}: ${r.error.code}: ${r.error.message}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('probe')
  .description('run one probe on this host and print what it sees (report, samples, states) as JSON')
  .addArgument(new Command().createArgument('name', `probe: ${Object.keys(PROBES).join(', ')}`).choices(Object.keys(PROBES)))
  .addOption(new Option('--once', 'run once and print (the only mode)').default(true))
  .option('--timeout <seconds>', 'time limit for the probe run', positive, 10)
  .action(async (name: string, opts: { timeout: number }) => {
    const d = PROBES[name];
    if (!d) return fail(new Error(`unknown probe ${name}`));
    const probe = d.create({});
    const { createLogger } = await import('../common/logger.js');
    const { exec } = await import('../agent/lib/exec.js');
    const { Scheduler } = await import('../agent/scheduler.js');
    const logger = createLogger('hawatch-probe', 'warn');
    const scheduler = new Scheduler([{ probe, intervalMs: 1_000, timeoutMs: opts.timeout * 1000 }], {
      exec,
      node: '(this host)',
      now: Date.now,
      onObservation: () => undefined,
      logger,
    });
    const [obs] = await scheduler.runAllOnce();
    process.stdout.write(`${JSON.stringify(obs, null, 2)}\n`);
    if (obs && obs.status !== 'ok') process.exitCode = obs.status === 'absent' ? 3 : 1;
  });

// `hawatch report sla`: SLA figures from the collector's history (collector/report), read-only.
program
  .command('report')
  .description("reports from the collector's history")
  .addCommand(
    new Command('sla')
      .description('availability, error budget, MTBF/MTTR and incidents per SLA and object, as JSON, CSV or one self-contained HTML file')
      .requiredOption('--from <time>', 'window start: YYYY-MM-DD (midnight in --time-zone) or RFC 3339 with a zone')
      .requiredOption('--to <time>', 'window end, exclusive (same forms, or now)')
      .option('--cluster <name>', 'only this cluster')
      .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv', 'html']).default('json'))
      .option('--data-dir <dir>', "the collector's data dir (opened read-only)")
      .option('--url <url>', "a running collector's base URL (read through its REST API)")
      .option('--token-file <file>', 'read token for --url (default: $HAWATCH_TOKEN)')
      .option('--config <file>', "collector YAML whose slas: define the SLAs (default: services, nodes, clusters at 99.9 %)")
      .option('--time-zone <tz>', 'IANA time zone for date-only --from/--to and for the times shown', 'UTC')
      .option('--out <file>', 'write the report to this file instead of stdout')
      .option('--now <time>', 'evaluate as of this time instead of the current one (reproducible reports)')
      .action(async (opts: SlaReportCliOptions & { now?: string }) => {
        try {
          const { parseReportTime, runSlaReportCli } = await import('../collector/report/cli.js');
          const now = opts.now === undefined ? Date.now : () => parseReportTime(opts.now as string, opts.timeZone ?? 'UTC', Date.now(), '--now');
          const r = await runSlaReportCli(opts, { now, env: process.env });
          for (const n of r.notes) process.stderr.write(`hawatch report: note: ${n}\n`);
          if (opts.out === undefined) process.stdout.write(r.text);
        } catch (e) {
          fail(e);
        }
      }),
  );

program.parseAsync(process.argv).catch(fail);
