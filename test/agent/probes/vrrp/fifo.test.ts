// The notify-FIFO reader against real FIFOs (mkfifo in a temporary directory): lines across writes and writers,
// no end-of-file when a writer goes away, a FIFO that appears late or is replaced, and a path that is no FIFO.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIFO_ERRORS, watchNotifyFifo, type FifoStatus, type FifoWatch } from '../../../../agent/probes/vrrp/fifo.js';

const dirs: string[] = [];
const watches: FifoWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'hwvr-fifo-'));
  dirs.push(d);
  return d;
};
const mkfifo = (path: string): void => {
  execFileSync('mkfifo', ['-m', '600', path]);
};
/** A writer like keepalived's: open, write, close (non-blocking: there is a reader). */
const write = (path: string, text: string): void => {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, text);
  closeSync(fd);
};
const until = async (cond: () => boolean, ms = 3_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const start = (path: string, retryMs = 50) => {
  const lines: string[] = [];
  const statuses: FifoStatus[] = [];
  const w = watchNotifyFifo({ path, retryMs, onLine: (l) => lines.push(l), onStatus: (s) => statuses.push(s) });
  watches.push(w);
  return { w, lines, statuses, isOpen: () => statuses[statuses.length - 1]?.open === true };
};

describe('watchNotifyFifo', () => {
  it('reads lines split across writes and several lines in one write; a writer that goes away is no end-of-file', async () => {
    const path = join(tmp(), 'notify.fifo');
    mkfifo(path);
    const r = start(path);
    await until(r.isOpen);
    write(path, 'INSTANCE "VI_1" BAC');
    write(path, 'KUP 100\nINSTANCE "VI_1" MASTER 100\r\n');
    await until(() => r.lines.length === 2);
    // keepalived restarting: its descriptor closes, a new one writes later.
    await new Promise((res) => setTimeout(res, 100));
    write(path, 'GROUP "G" MASTER 0\n\n');
    await until(() => r.lines.length === 3);
    expect(r.lines).toEqual(['INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_1" MASTER 100', 'GROUP "G" MASTER 0']);
    expect(r.statuses).toEqual([{ open: true, error: null }]);
  });

  it('a FIFO that does not exist yet: reported missing, opened once it appears', async () => {
    const path = join(tmp(), 'notify.fifo');
    const r = start(path);
    await until(() => r.statuses.length > 0);
    expect(r.statuses[0]).toEqual({ open: false, error: { code: FIFO_ERRORS.missing, message: expect.stringContaining('ENOENT') } });
    mkfifo(path);
    await until(r.isOpen);
    write(path, 'INSTANCE "VI_1" FAULT 100\n');
    await until(() => r.lines.length === 1);
    expect(r.statuses.map((s) => s.open)).toEqual([false, true]);
  });

  it('keepalived removed its FIFO and made a new one: the reader follows the path', async () => {
    const path = join(tmp(), 'notify.fifo');
    mkfifo(path);
    const r = start(path);
    await until(r.isOpen);
    unlinkSync(path);
    mkfifo(path);
    // The reader notices the new inode within retryMs and reopens; then the new FIFO has a reader.
    await until(() => {
      try {
        write(path, 'INSTANCE "VI_1" MASTER 150\n');
        return true;
      } catch {
        return false;
      }
    });
    await until(() => r.lines.length >= 1);
    expect(r.lines[0]).toBe('INSTANCE "VI_1" MASTER 150');
  });

  it('a regular file is not read: vrrp.fifo_not_fifo', async () => {
    const path = join(tmp(), 'notify.fifo');
    writeFileSync(path, 'INSTANCE "VI_1" MASTER 100\n');
    const r = start(path);
    await until(() => r.statuses.length > 0);
    expect(r.statuses[0]).toEqual({ open: false, error: { code: FIFO_ERRORS.notFifo, message: `${path} is not a FIFO (create it with mkfifo)` } });
    expect(r.lines).toEqual([]);
  });

  it('cuts a runaway line instead of buffering it without end', async () => {
    const path = join(tmp(), 'notify.fifo');
    mkfifo(path);
    const lines: string[] = [];
    let open = false;
    const w = watchNotifyFifo({ path, retryMs: 50, maxLineBytes: 100, onLine: (l) => lines.push(l), onStatus: (s) => (open = s.open) });
    watches.push(w);
    await until(() => open);
    write(path, 'x'.repeat(250));
    await until(() => lines.length >= 1);
    expect(lines.every((l) => l.length <= 100)).toBe(true);
  });

  it('stop() closes the FIFO: a writer then finds no reader', async () => {
    const path = join(tmp(), 'notify.fifo');
    mkfifo(path);
    const r = start(path);
    await until(r.isOpen);
    await r.w.stop();
    expect(() => write(path, 'INSTANCE "VI_1" MASTER 100\n')).toThrow(/ENXIO/);
  });
});
