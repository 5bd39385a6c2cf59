// Change notification for one folder: one fs.watch on new/ and one on cur/,
// shared by every listener of the process, opened with the first listener
// and closed with the last; also fired by this process's own changes (an
// APPEND or EXPUNGE by another session). Debounced: a burst of deliveries is
// one call per listener.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export class FolderWatch {
  private readonly listeners = new Set<() => void>();
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly delayMs = 50,
  ) {}

  /** Adds a listener; the returned function removes it. */
  add(listener: () => void): () => void {
    const own = () => listener(); // a distinct entry even when one function is added twice
    this.listeners.add(own);
    if (this.listeners.size === 1) this.start();
    return () => {
      if (!this.listeners.delete(own)) return;
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Something changed: call every listener once, soon. */
  notify(): void {
    if (!this.listeners.size || this.timer) return;
    this.timer = setTimeout(() => this.fire(), this.delayMs);
  }

  /** Closes the watchers (the folder is released or gone). */
  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    for (const sub of ['new', 'cur']) {
      try {
        const w = watch(join(this.dir, sub), { persistent: false }, () => this.notify());
        // A watched directory removed (folder deleted): the sessions find out on their next sync.
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        /* no such directory (yet): in-process changes still notify */
      }
    }
  }

  private fire(): void {
    this.timer = undefined;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        /* a listener's failure is its session's business */
      }
    }
  }
}
