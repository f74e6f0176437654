/**
 * The bounded in-process map behind both per-request caches: verified tokens (token-cache.ts) and
 * introspection answers (introspection/introspector.ts). A hit is one Map lookup, which is what makes
 * a token seen again cost almost nothing.
 *
 * Bounded in entries and in bytes (each entry says what it is charged for), so a flood of tokens
 * cannot grow it without limit. It keeps two generations instead of one Map evicted oldest-first:
 * deleting from the front of a V8 Map leaves holes that later scans walk past (measured at ~5 µs per
 * insert once full). Entries go to `young`; when `young` holds half the budget it becomes `old` and
 * the previous `old` is dropped whole; a hit in `old` moves the entry back to `young`, so entries in
 * use survive a rotation. An entry is served only while `nowMs < untilMs`.
 */

/** One cached answer; `untilMs` is when it must no longer be used. */
export interface MemoryEntry {
  readonly untilMs: number;
  /** Bytes this entry is charged for. */
  readonly size: number;
}

export class GenerationalCache<K, E extends MemoryEntry> {
  private young = new Map<K, E>();
  private old = new Map<K, E>();
  private youngBytes = 0;
  private oldBytes = 0;
  private readonly generationEntries: number;
  private readonly generationBytes: number;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {
    this.generationEntries = Math.max(1, Math.floor(maxEntries / 2));
    this.generationBytes = Math.max(1, Math.floor(maxBytes / 2));
  }

  /** Entries held now. */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Bytes held now. */
  get byteSize(): number {
    return this.youngBytes + this.oldBytes;
  }

  /** The entry under `key` while it may still be used at `nowMs`. */
  get(key: K, nowMs: number): E | undefined {
    let entry = this.young.get(key);
    let inOld = false;
    if (entry === undefined) {
      entry = this.old.get(key);
      if (entry === undefined) return undefined;
      inOld = true;
    }
    if (nowMs >= entry.untilMs) {
      this.deleteFrom(key, inOld);
      return undefined;
    }
    if (inOld) {
      this.deleteFrom(key, true);
      this.insert(key, entry);
    }
    return entry;
  }

  /** Stores `entry` under `key` (an entry larger than the whole byte budget is not kept). */
  set(key: K, entry: E): void {
    if (entry.size > this.maxBytes) return;
    this.delete(key);
    this.insert(key, entry);
  }

  private insert(key: K, entry: E): void {
    this.young.set(key, entry);
    this.youngBytes += entry.size;
    if (this.young.size >= this.generationEntries || this.youngBytes >= this.generationBytes) {
      this.old = this.young;
      this.oldBytes = this.youngBytes;
      this.young = new Map();
      this.youngBytes = 0;
    }
    // Both generations together stay within the configured bounds (small bounds can need this).
    if (this.size > this.maxEntries || this.byteSize > this.maxBytes) {
      this.old = new Map();
      this.oldBytes = 0;
    }
  }

  /** Forgets the entry under `key`, if any. */
  delete(key: K): void {
    this.deleteFrom(key, false);
    this.deleteFrom(key, true);
  }

  private deleteFrom(key: K, fromOld: boolean): void {
    const map = fromOld ? this.old : this.young;
    const entry = map.get(key);
    if (entry === undefined) return;
    map.delete(key);
    if (fromOld) this.oldBytes -= entry.size;
    else this.youngBytes -= entry.size;
  }
}
