// The only place in hawatch that starts a child process. Every command runs from an argv (no shell),
// with LC_ALL=C (the tools' text output is parsed), a timeout, an output cap, and on timeout a kill of
// its whole process group, so a hung tool (crm_mon waiting on a dead CIB, a stuck iscsiadm) never
// piles up behind the next probe run.
import { spawn } from 'node:child_process';

export interface ExecOptions {
  timeoutMs: number;
  /** Bytes kept per stream; the rest is dropped and `truncated` set. */
  maxOutputBytes?: number;
  /** Extra environment (merged over the agent's own, then LC_ALL=C). */
  env?: Record<string, string>;
  stdin?: string;
}

export type ExecResult =
  /** The program ran and exited; a non-zero exit code is data for the parser, not an error here. */
  | { kind: 'exited'; code: number; stdout: string; stderr: string; durationMs: number; truncated: boolean }
  /** Killed by a signal that we did not send. */
  | { kind: 'signalled'; signal: string; stdout: string; stderr: string; durationMs: number; truncated: boolean }
  /** Ran past its timeout; its process group was killed. */
  | { kind: 'timeout'; stdout: string; stderr: string; durationMs: number; truncated: boolean }
  /** The program is not installed (or not executable): reported once as "absent", not as a failure. */
  | { kind: 'absent'; message: string }
  /** Could not be started for another reason. */
  | { kind: 'error'; message: string };

export type Exec = (argv: readonly string[], options: ExecOptions) => Promise<ExecResult>;

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
/** After SIGTERM to the group, how long a tool gets before SIGKILL. */
const KILL_GRACE_MS = 500;

export const exec: Exec = (argv, options) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    if (file === undefined || file === '') {
      resolve({ kind: 'error', message: 'empty argv' });
      return;
    }
    const started = performance.now();
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const child = spawn(file, args, {
      env: { ...process.env, ...options.env, LC_ALL: 'C', LANG: 'C' },
      // Own process group, so a timeout can kill the tool and anything it started.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let truncated = false;
    let timedOut = false;
    let settled = false;

    const collect = (chunks: Buffer[], size: number, chunk: Buffer): number => {
      const room = max - size;
      if (room <= 0) {
        truncated = true;
        return size;
      }
      if (chunk.length > room) truncated = true;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(kept);
      return size + kept.length;
    };
    child.stdout.on('data', (c: Buffer) => (outBytes = collect(out, outBytes, c)));
    child.stderr.on('data', (c: Buffer) => (errBytes = collect(err, errBytes, c)));
    // A tool that exits without reading stdin gives EPIPE; that is not our failure.
    child.stdin.on('error', () => undefined);
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone: nothing left to kill.
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    }, options.timeoutMs);

    const finish = (r: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The direct child exited; make sure nothing it left behind in its group outlives a timeout.
      if (timedOut) killGroup('SIGKILL');
      if (killTimer) clearTimeout(killTimer);
      resolve(r);
    };

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') finish({ kind: 'absent', message: `${file}: ${e.code === 'ENOENT' ? 'not found' : 'not executable'}` });
      else finish({ kind: 'error', message: `${file}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      const durationMs = performance.now() - started;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) finish({ kind: 'timeout', stdout, stderr, durationMs, truncated });
      else if (code !== null) finish({ kind: 'exited', code, stdout, stderr, durationMs, truncated });
      else finish({ kind: 'signalled', signal: signal ?? 'unknown', stdout, stderr, durationMs, truncated });
    });
  });

export interface StreamOptions {
  env?: Record<string, string>;
  /** Each complete line of stdout, without its newline. */
  onLine: (line: string) => void;
  /** The stream ended (the tool exited or could not start); `absent` when it is not installed. */
  onEnd: (end: { kind: 'exited'; code: number | null; signal: string | null; stderr: string } | { kind: 'absent' | 'error'; message: string }) => void;
  /** A line longer than this is cut (a runaway tool must not eat the agent's memory). */
  maxLineBytes?: number;
  /** Give the tool a stdin pipe that stays open and silent (corosync-cmapctl -T quits at end of input). */
  keepStdinOpen?: boolean;
}

export interface Stream {
  /** Ends the tool with its process group (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export type ExecStream = (argv: readonly string[], options: StreamOptions) => Stream;

/**
 * A long-lived tool whose output is an event stream (`drbdsetup events2`, `ip monitor`): same rules as `exec`
 * (argv, no shell, LC_ALL=C, own process group), but no timeout: the caller stops it.
 */
export const execStream: ExecStream = (argv, options) => {
  const [file, ...args] = argv;
  const maxLine = options.maxLineBytes ?? 1024 * 1024;
  if (file === undefined || file === '') {
    queueMicrotask(() => options.onEnd({ kind: 'error', message: 'empty argv' }));
    return { stop: async () => undefined };
  }
  const child = spawn(file, args, {
    env: { ...process.env, ...options.env, LC_ALL: 'C', LANG: 'C' },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
  });
  // stdin is never written to: closed at once (end of input, like /dev/null) unless the tool needs it open.
  child.stdin.on('error', () => undefined); // an EPIPE after the tool exits is not an agent error
  if (!options.keepStdinOpen) child.stdin.end();
  let buf = '';
  let stderr = '';
  let ended = false;
  const end: StreamOptions['onEnd'] = (e) => {
    if (ended) return;
    ended = true;
    options.onEnd(e);
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      options.onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    if (buf.length > maxLine) {
      options.onLine(buf.slice(0, maxLine));
      buf = '';
    }
  });
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += c.toString('utf8');
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'EACCES') end({ kind: 'absent', message: `${file}: ${e.code === 'ENOENT' ? 'not found' : 'not executable'}` });
    else end({ kind: 'error', message: `${file}: ${e.message}` });
  });
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      if (buf.length > 0) options.onLine(buf);
      buf = '';
      end({ kind: 'exited', code, signal, stderr });
      resolve();
    }),
  );
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      await closed;
      clearTimeout(t);
    },
  };
};
