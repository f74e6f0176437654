/**
 * A cache of verified tokens, so a token presented again (the common case: a client reuses its token
 * until it expires) costs one Map lookup instead of a signature verification.
 *
 * Safe by construction: it lives inside one verifier (one configuration, so a token accepted for one
 * audience is never served to another); an entry is keyed by the whole token text, so any changed byte
 * is a miss; it is served only until the moment a fresh verification would call it expired or too old
 * (to the millisecond); and never once the key that verified it has left the key set. It is bounded in
 * entries and in token bytes, evicting the oldest first.
 *
 * A token is admitted on its second verification, not its first. Most tokens that are seen once are
 * never seen again (a client per request, a flood of forgeries); caching them would fill the cache with
 * entries that live long enough for the garbage collector to promote them and are then evicted, which
 * costs more than it saves. First sight only records a 32-bit fingerprint in a bounded set of numbers.
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
  /** Fingerprints of tokens verified once; a collision only admits a token early, never serves one. */
  private readonly seenOnce = new Set<number>();
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
    const mark = fingerprint(token);
    if (!this.seenOnce.delete(mark)) {
      if (this.seenOnce.size >= this.maxEntries) this.seenOnce.clear();
      this.seenOnce.add(mark);
      return;
    }
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

/** FNV-1a over the last 32 characters: the signature's end, which differs between any two tokens. */
function fingerprint(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, token.length - 32); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}
