// Group commit: pushes that arrive within a few milliseconds share one SQLite transaction, and each is
// acknowledged only after that transaction has committed. A failed commit rejects every push in it, so
// agents keep those batches in their outboxes and send them again: nothing is acknowledged unstored.
import type { PushBatch } from '../../agent/protocol/index.js';
import type { BatchOutcome } from '../store/writer.js';

export interface GroupCommitOptions {
  /** How long the first push of a group waits for company. */
  windowMs: number;
  /** Commit early when a group holds this many samples. */
  maxSamples: number;
  write: (batches: readonly PushBatch[]) => BatchOutcome[];
  onCommit?: (info: { batches: number; samples: number; durationMs: number; outcomes: BatchOutcome[]; batchesIn: readonly PushBatch[] }) => void;
  onError?: (error: unknown, batches: number) => void;
}

interface Waiting {
  batch: PushBatch;
  resolve: (o: BatchOutcome) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter {
  private queue: Waiting[] = [];
  private queuedSamples = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(batch: PushBatch): Promise<BatchOutcome> {
    if (this.closed) return Promise.reject(new Error('collector is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.queuedSamples += batch.observations.reduce((n, o) => n + o.samples.length, 0);
      if (this.queuedSamples >= this.opts.maxSamples) this.flush();
      else this.timer ??= this.opts.windowMs === 0 ? (setImmediate(() => this.flush()) as unknown as NodeJS.Timeout) : setTimeout(() => this.flush(), this.opts.windowMs);
    });
  }

  /** Commit what is queued now. Synchronous: better-sqlite3 commits before this returns. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.queue;
    if (group.length === 0) return;
    this.queue = [];
    this.queuedSamples = 0;
    const started = performance.now();
    const batches = group.map((w) => w.batch);
    let outcomes: BatchOutcome[];
    try {
      outcomes = this.opts.write(batches);
    } catch (e) {
      this.opts.onError?.(e, group.length);
      for (const w of group) w.reject(e);
      return;
    }
    const samples = outcomes.reduce((n, o) => n + o.ack.stored.samples, 0);
    this.opts.onCommit?.({ batches: group.length, samples, durationMs: performance.now() - started, outcomes, batchesIn: batches });
    group.forEach((w, i) => w.resolve(outcomes[i] as BatchOutcome));
  }

  /** Commit what is left and refuse new pushes. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
