/**
 * A cache of verified tokens, so a token presented again (the common case: a client reuses its token
 * until it expires) costs one Map lookup instead of a signature verification.
 *
 * Safe by construction: it lives inside one verifier (one configuration, so a token accepted for one
 * audience is never served to another); an entry is keyed by the whole token text, so any changed byte
 * is a miss; it is served only until the moment a fresh verification would call it expired or too old
 * (to the millisecond); and never once the key that verified it has left the key set. It is bounded in
 * entries and in token bytes, dropping the least recently used half first.
 *
 * A token is admitted on its second verification, not its first. Most tokens that are seen once are
 * never seen again (a client per request, a flood of forgeries); caching them would fill the cache with
 * entries that live long enough for the garbage collector to promote them and are then evicted, which
 * costs more than it saves. First sight only records a 30-bit fingerprint in a bounded set of numbers.
 */
import type { KeyRecord } from "../keys/import-key.js";
import type { KeySource } from "../keys/key-source.js";
import type { AuthResult } from "../types.js";
import { GenerationalCache } from "./generational-cache.js";

export interface TokenCacheEntry {
  readonly auth: AuthResult;
  readonly untilMs: number;
  /** The key that verified the token; once it is retired the entry is dropped. */
  readonly key: KeyRecord;
  /** Its key set, so a hit can still start a due refresh (which is what retires keys). */
  readonly source: KeySource;
  /** What it is charged against the byte bound: the token's characters. */
  readonly size: number;
}

export class TokenCache {
  // Keys are 30-bit fingerprints, so a lookup hashes 32 characters instead of the whole token; the
  // entry's own token is compared in full before it is served.
  private readonly entries: GenerationalCache<number, TokenCacheEntry>;
  /** Fingerprints of tokens verified once; a collision only admits a token early, never serves one. */
  private readonly seenOnce = new Set<number>();
  /** Lookups answered from the cache. */
  hits = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {
    this.entries = new GenerationalCache(maxEntries, maxBytes);
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Token characters held now. */
  get byteSize(): number {
    return this.entries.byteSize;
  }

  // The token last looked up and its fingerprint: a miss is followed by an offer of that same string,
  // which then finds its fingerprint here (the same string object: the comparison is a pointer check).
  private lastToken = "";
  private lastMark = 0;

  /**
   * A hit as the verifier serves it: the cached AuthResult, after starting its key set's refresh when
   * one is due (the refresh is what retires keys). With `unboundOnly`, a sender-bound token's entry is
   * left where it is and not counted: that caller hands the request to the pipeline, which looks again.
   */
  serve(token: string, nowMs: number, unboundOnly = false): AuthResult | undefined {
    const entry = this.find(token, nowMs);
    if (entry === undefined || (unboundOnly && entry.auth.binding !== undefined)) return undefined;
    this.hits++;
    entry.source.refreshIfStale(nowMs);
    return entry.auth;
  }

  /** The entry of `token` while it may be served at `nowMs` (its key still in its set). */
  private find(token: string, nowMs: number): TokenCacheEntry | undefined {
    const mark = fingerprint(token);
    this.lastToken = token;
    this.lastMark = mark;
    const entry = this.entries.get(mark, nowMs);
    if (entry === undefined || entry.auth.token !== token) return undefined;
    if (entry.key.retired) {
      this.entries.delete(mark);
      return undefined;
    }
    return entry;
  }

  /**
   * Offers a verified token: its first sight is only recorded, its second admits it. The entry is
   * made only then, so a token seen once allocates nothing here.
   */
  offer(token: string, auth: AuthResult, untilMs: number, key: KeyRecord, source: KeySource): void {
    if (token.length > this.maxBytes) return;
    const mark = token === this.lastToken ? this.lastMark : fingerprint(token);
    if (!this.seenOnce.delete(mark)) {
      if (this.seenOnce.size >= this.maxEntries) this.seenOnce.clear();
      this.seenOnce.add(mark);
      return;
    }
    this.entries.set(mark, { auth, untilMs, key, source, size: token.length });
  }
}

/**
 * FNV-1a over the last 32 characters (the signature's end, which differs between any two tokens),
 * kept to 30 bits: a small integer V8 stores unboxed, so the Map and Set keys allocate nothing.
 */
export function fingerprint(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, token.length - 32); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  return hash & 0x3fffffff;
}
