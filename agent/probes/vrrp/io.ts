// The vrrp probe's file and process access, behind one interface so that tests can replace it. Reads are capped
// and never throw: a missing file is an ordinary answer (keepalived writes its dumps only when signalled).
import { readdir, readFile, stat } from 'node:fs/promises';

export type FileRead =
  | { ok: true; text: string; mtimeMs: number }
  | { ok: false; missing: boolean; code: string; message: string };

export interface KeepalivedProcess {
  running: boolean;
  /** The parent keepalived process. */
  pid: number | null;
  /** When it started (ms since the epoch), null when unknown. */
  startedAtMs: number | null;
}

export interface VrrpIo {
  readFile(path: string): Promise<FileRead>;
  /** Names in a directory, null when it cannot be read. */
  listDir(path: string): Promise<string[] | null>;
  keepalivedProcess(pidFile: string): Promise<KeepalivedProcess>;
  /** Send a signal; returns an error message, or null when sent. */
  signal(pid: number, signal: number): string | null;
}

/** Dumps and configs are small; a bigger file is not keepalived's. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'EIO';

const readText = async (path: string): Promise<FileRead> => {
  try {
    const st = await stat(path);
    if (!st.isFile()) return { ok: false, missing: false, code: 'ENOTFILE', message: `${path}: not a regular file` };
    if (st.size > MAX_FILE_BYTES) return { ok: false, missing: false, code: 'EFBIG', message: `${path}: ${st.size} bytes, more than ${MAX_FILE_BYTES}` };
    const text = await readFile(path, 'utf8');
    return { ok: true, text, mtimeMs: st.mtimeMs };
  } catch (e) {
    const code = errCode(e);
    return { ok: false, missing: code === 'ENOENT' || code === 'ENOTDIR', code, message: `${path}: ${(e as Error).message}` };
  }
};

const procComm = async (proc: string, pid: number): Promise<string | null> => {
  try {
    return (await readFile(`${proc}/${pid}/comm`, 'utf8')).trim();
  } catch {
    // The process is gone (or /proc is not mounted): not keepalived.
    return null;
  }
};

/** Field 4 (ppid) and 22 (starttime, clock ticks since boot) of /proc/PID/stat; the comm field may hold spaces. */
const procStat = async (proc: string, pid: number): Promise<{ ppid: number; startTicks: number } | null> => {
  try {
    const s = await readFile(`${proc}/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const startTicks = Number(rest[19]);
    return Number.isFinite(ppid) && Number.isFinite(startTicks) ? { ppid, startTicks } : null;
  } catch {
    return null;
  }
};

const bootTimeMs = async (proc: string): Promise<number | null> => {
  try {
    const m = /^btime (\d+)$/m.exec(await readFile(`${proc}/stat`, 'utf8'));
    return m ? Number(m[1]) * 1000 : null;
  } catch {
    return null;
  }
};

/** USER_HZ: 100 on every Linux architecture the agent runs on (sysconf is not reachable from Node). */
const USER_HZ = 100;

/**
 * Is keepalived running? The pid file first (default /run/keepalived.pid), checked against /proc/PID/comm; when it
 * is missing or stale, any process named keepalived (the one whose parent is not keepalived: the parent process).
 */
export const findKeepalived = async (pidFile: string, proc = '/proc'): Promise<KeepalivedProcess> => {
  let pid: number | null = null;
  try {
    const text = (await readFile(pidFile, 'utf8')).trim();
    if (/^\d+$/.test(text) && (await procComm(proc, Number(text))) === 'keepalived') pid = Number(text);
  } catch {
    // No pid file: look at the process list instead.
  }
  if (pid === null) {
    let entries: string[] = [];
    try {
      entries = (await readdir(proc)).filter((e) => /^\d+$/.test(e));
    } catch {
      return { running: false, pid: null, startedAtMs: null };
    }
    const found: { pid: number; ppid: number }[] = [];
    for (const e of entries) {
      if ((await procComm(proc, Number(e))) !== 'keepalived') continue;
      const st = await procStat(proc, Number(e));
      found.push({ pid: Number(e), ppid: st?.ppid ?? 0 });
    }
    const pids = new Set(found.map((f) => f.pid));
    pid = found.filter((f) => !pids.has(f.ppid)).sort((a, b) => a.pid - b.pid)[0]?.pid ?? null;
  }
  if (pid === null) return { running: false, pid: null, startedAtMs: null };
  const st = await procStat(proc, pid);
  const boot = await bootTimeMs(proc);
  return { running: true, pid, startedAtMs: st !== null && boot !== null ? boot + (st.startTicks * 1000) / USER_HZ : null };
};

export const nodeVrrpIo: VrrpIo = {
  readFile: readText,
  listDir: async (path) => {
    try {
      return await readdir(path);
    } catch {
      return null;
    }
  },
  keepalivedProcess: (pidFile) => findKeepalived(pidFile),
  signal: (pid, signal) => {
    try {
      process.kill(pid, signal);
      return null;
    } catch (e) {
      return `kill ${signal} ${pid}: ${(e as Error).message}`;
    }
  },
};
