/**
 * The verified-token cache's admission: a token is cached on its second verification, remembered
 * between the two by its fingerprint in a slot of a fixed table; a token whose slot another took in
 * between waits for a later sighting; a fingerprint shared by two tokens never serves the other one.
 * (What the cache serves, and when it stops, is tested through verifiers in test/security.)
 */
import { describe, expect, it } from "vitest";
import { fingerprint, TokenCache } from "../../src/cache/token-cache.js";
import type { KeyRecord } from "../../src/keys/import-key.js";
import type { KeySource } from "../../src/keys/key-source.js";
import type { AuthResult } from "../../src/types.js";

const KEY = { retired: false } as KeyRecord;
const SOURCE = {} as KeySource;
const auth = (token: string) => ({ token }) as unknown as AuthResult;

/** Verifies `token` through the cache as the verifier does: a lookup, then an offer after a miss. */
function see(cache: TokenCache, token: string): boolean {
  if (cache.get(token, 0) !== undefined) return true;
  cache.offer(token, auth(token), 1000, KEY, SOURCE);
  return false;
}

/** Tokens whose fingerprints fall in the same slot of a table of `slots`, but differ. */
function sameSlot(slots: number): [string, string] {
  const first = "token-0";
  for (let i = 1; ; i++) {
    const other = `token-${i}`;
    const [a, b] = [fingerprint(first), fingerprint(other)];
    if (a !== b && (a & (slots - 1)) === (b & (slots - 1))) return [first, other];
  }
}

describe("TokenCache admission", () => {
  it("caches a token on its second verification and answers the third from the cache", () => {
    const cache = new TokenCache(8, 1 << 20);
    expect([see(cache, "alpha"), see(cache, "alpha"), see(cache, "alpha")]).toEqual([false, false, true]);
    expect([cache.size, cache.hits]).toEqual([1, 1]);
  });

  it("admits a token whose slot another token took in between on a later sighting, not the second", () => {
    // maxEntries 5 makes a table of 8 slots.
    const cache = new TokenCache(5, 1 << 20);
    const [first, other] = sameSlot(8);
    see(cache, first);
    see(cache, other);
    expect(see(cache, first)).toBe(false);
    expect(cache.size).toBe(0);
    expect(see(cache, first)).toBe(false);
    expect(see(cache, first)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it("keeps tokens apart that share a fingerprint: the entry is served only for its own token", () => {
    const cache = new TokenCache(8, 1 << 20);
    const token = "x".repeat(40);
    // Same last 32 characters, so the same fingerprint; a different token.
    const twin = `y${token.slice(1)}`;
    expect(fingerprint(twin)).toBe(fingerprint(token));
    see(cache, token);
    see(cache, token);
    expect(cache.get(twin, 0)).toBeUndefined();
    expect(cache.get(token, 0)?.auth.token).toBe(token);
  });

  it("counts nothing for a token longer than the byte bound", () => {
    const cache = new TokenCache(8, 16);
    const long = "z".repeat(17);
    expect([see(cache, long), see(cache, long), see(cache, long)]).toEqual([false, false, false]);
    expect(cache.size).toBe(0);
  });
});
