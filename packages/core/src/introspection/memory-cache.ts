/**
 * The in-process cache of introspection answers (the first level, in front of any shared cache). It
 * is what makes an opaque token as cheap as a cached JWT on every request after the first: one Map
 * lookup, and the AuthResult built once per answer. The introspector keys it as the verified-token
 * cache is keyed (a 32-bit fingerprint, the token compared in full before use).
 *
 * Bounded in entries and in bytes (the answer's JSON size plus the key), so a flood of tokens cannot
 * grow it without limit. Like the verified-token cache it keeps two generations rather than evicting
 * one entry at a time: entries go to `young`; when `young` holds half the budget it becomes `old` and
 * the previous `old` is dropped whole; a hit in `old` moves the entry back, so answers in use survive.
 */

/** One cached answer; `untilMs` is when it must no longer be used. */
export interface MemoryEntry {
  readonly untilMs: number;
  /** Bytes this entry is charged for. */
  readonly size: number;
}

export class MemoryCache<K, E extends MemoryEntry> {
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
      this.delete(key, inOld);
      return undefined;
    }
    if (inOld) {
      this.delete(key, true);
      this.insert(key, entry);
    }
    return entry;
  }

  set(key: K, entry: E): void {
    if (entry.size > this.maxBytes) return;
    this.delete(key, false);
    this.delete(key, true);
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

  private delete(key: K, fromOld: boolean): void {
    const map = fromOld ? this.old : this.young;
    const entry = map.get(key);
    if (entry === undefined) return;
    map.delete(key);
    if (fromOld) this.oldBytes -= entry.size;
    else this.youngBytes -= entry.size;
  }
}
