// Reads keepalived's vrrp_notify_fifo line by line for as long as the agent runs.
//
// The FIFO is opened read-write and non-blocking (O_RDWR|O_NONBLOCK): with a writer of our own always present the
// reader never sees end-of-file when keepalived exits or restarts, and the open never blocks waiting for one.
// The descriptor goes to a net.Socket, so libuv polls it (epoll) instead of parking a thread-pool thread in read().
// keepalived unlinks a FIFO that it created itself when it exits and creates a new one at start (keepalived 2.2.7
// lib/notify.c), so the path is checked periodically and reopened when it names another file.
import { close, constants, fstat, open, stat } from 'node:fs';
import { Socket } from 'node:net';

export const FIFO_ERRORS = {
  missing: 'vrrp.fifo_missing',
  notFifo: 'vrrp.fifo_not_fifo',
  open: 'vrrp.fifo_open_failed',
  read: 'vrrp.fifo_read_failed',
} as const;

export interface FifoStatus {
  open: boolean;
  error: { code: string; message: string } | null;
}

export interface FifoWatchOptions {
  path: string;
  /** How often a missing FIFO is retried and an open one checked against its path. */
  retryMs: number;
  /** A line longer than this is cut (keepalived's lines are < 300 bytes; this is against a runaway writer). */
  maxLineBytes?: number;
  onLine: (line: string) => void;
  /** Called when the status changes (opened, closed, a different error). */
  onStatus: (s: FifoStatus) => void;
}

export interface FifoWatch {
  stop(): Promise<void>;
}

export const watchNotifyFifo = (o: FifoWatchOptions): FifoWatch => {
  const maxLine = o.maxLineBytes ?? 4096;
  let stopped = false;
  let sock: Socket | null = null;
  let ident: { dev: number; ino: number } | null = null;
  let opening = false;
  let buf = '';
  let lastStatus = '';

  const status = (s: FifoStatus): void => {
    const key = `${s.open}|${s.error?.code ?? ''}|${s.error?.message ?? ''}`;
    if (key === lastStatus) return;
    lastStatus = key;
    o.onStatus(s);
  };

  const onData = (chunk: string): void => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (line !== '') o.onLine(line.length > maxLine ? line.slice(0, maxLine) : line);
    }
    if (buf.length > maxLine) {
      o.onLine(buf.slice(0, maxLine));
      buf = '';
    }
  };

  const drop = (): void => {
    const s = sock;
    sock = null;
    ident = null;
    buf = '';
    s?.destroy();
  };

  // libuv adds O_CLOEXEC to every open, so a child the agent spawns never inherits the FIFO.
  const tryOpen = (): void => {
    if (stopped || opening || sock !== null) return;
    opening = true;
    open(o.path, constants.O_RDWR | constants.O_NONBLOCK, (err, fd) => {
      if (err) {
        opening = false;
        if (!stopped) status({ open: false, error: { code: err.code === 'ENOENT' ? FIFO_ERRORS.missing : FIFO_ERRORS.open, message: err.message } });
        return;
      }
      fstat(fd, (err2, st) => {
        opening = false;
        if (stopped || err2 || !st.isFIFO()) {
          close(fd, () => undefined);
          if (!stopped) {
            status({
              open: false,
              error: err2 ? { code: FIFO_ERRORS.open, message: err2.message } : { code: FIFO_ERRORS.notFifo, message: `${o.path} is not a FIFO (create it with mkfifo)` },
            });
          }
          return;
        }
        const s = new Socket({ fd, readable: true, writable: false });
        // setEncoding keeps a multi-byte character that one read splits in two for the next chunk.
        s.setEncoding('utf8');
        s.on('data', (chunk: string) => {
          if (sock === s) onData(chunk);
        });
        s.on('error', (e: Error) => {
          if (sock !== s) return;
          drop();
          status({ open: false, error: { code: FIFO_ERRORS.read, message: e.message } });
        });
        s.on('close', () => {
          if (sock !== s) return;
          drop();
          status({ open: false, error: { code: FIFO_ERRORS.read, message: `${o.path} closed` } });
        });
        sock = s;
        ident = { dev: st.dev, ino: st.ino };
        status({ open: true, error: null });
      });
    });
  };

  const check = (): void => {
    if (stopped) return;
    if (sock === null) {
      tryOpen();
      return;
    }
    stat(o.path, (err, st) => {
      if (stopped || sock === null) return;
      if (err || ident === null || st.ino !== ident.ino || st.dev !== ident.dev) {
        // keepalived removed its FIFO and made a new one: lines go to the new file now.
        drop();
        tryOpen();
      }
    });
  };

  tryOpen();
  const timer = setInterval(check, o.retryMs);
  timer.unref();

  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      const s = sock;
      if (s === null) return;
      sock = null;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    },
  };
};
