/**
 * A cache of verified tokens, so a token presented again (the common case: a client reuses its token
 * until it expires) costs one Map lookup instead of a signature verification.
 *
 * Safe by construction: it lives inside one verifier (one configuration, so a token accepted for one
 * audience is never served to another); an entry is keyed by the whole token text, so any changed byte
 * is a miss; it is served only until the moment a fresh verification would call it expired or too old
 * (to the millisecond); and never once the key that verified it has left the key set. It is bounded in
 * entries and in token bytes, evicting the oldest first.
 */
import type { KeyRecord } from "../keys/import-key.js";
import type { KeySource } from "../keys/key-source.js";
import type { AuthResult } from "../types.js";

export interface TokenCacheEntry {
  readonly auth: AuthResult;
  readonly untilMs: number;
  /** The key that verified the token; once it is retired the entry is dropped. */
  readonly key: KeyRecord;
  /** Its key set, so a hit can still start a due refresh (which is what retires keys). */
  readonly source: KeySource;
}

export class TokenCache {
  private readonly entries = new Map<string, TokenCacheEntry>();
  private bytes = 0;
  /** Lookups answered from the cache. */
  hits = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Token characters held now. */
  get byteSize(): number {
    return this.bytes;
  }

  get(token: string, nowMs: number): TokenCacheEntry | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.untilMs || entry.key.retired) {
      this.remove(token);
      return undefined;
    }
    this.hits++;
    return entry;
  }

  set(token: string, entry: TokenCacheEntry): void {
    if (token.length > this.maxBytes) return;
    this.remove(token);
    this.entries.set(token, entry);
    this.bytes += token.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  private remove(token: string): void {
    if (this.entries.delete(token)) this.bytes -= token.length;
  }
}
