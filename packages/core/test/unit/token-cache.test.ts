/**
 * The verified-token cache's admission: a token is cached on its second verification, remembered
 * between the two by its fingerprint; tokens that take turns are all admitted (a table of slots that
 * colliding tokens overwrite in turn would starve them: tried, and refused for that); a fingerprint
 * shared by two tokens never serves the other one.
 * (What the cache serves, and when it stops, is tested through verifiers in test/security.)
 */
import { describe, expect, it } from "vitest";
import { fingerprint, TokenCache } from "../../src/cache/token-cache.js";
import type { KeyRecord } from "../../src/keys/import-key.js";
import type { KeySource } from "../../src/keys/key-source.js";
import type { AuthResult } from "../../src/types.js";

const KEY = { retired: false } as KeyRecord;
const SOURCE = { refreshIfStale() {} } as unknown as KeySource;
const auth = (token: string) => ({ token }) as unknown as AuthResult;

/** Verifies `token` through the cache as the verifier does: a lookup, then an offer after a miss. */
function see(cache: TokenCache, token: string): boolean {
  if (cache.serve(token, 0) !== undefined) return true;
  cache.offer(token, auth(token), 1000, KEY, SOURCE);
  return false;
}

describe("TokenCache admission", () => {
  it("caches a token on its second verification and answers the third from the cache", () => {
    const cache = new TokenCache(8, 1 << 20);
    expect([see(cache, "alpha"), see(cache, "alpha"), see(cache, "alpha")]).toEqual([false, false, true]);
    expect([cache.size, cache.hits]).toEqual([1, 1]);
  });

  it("admits every one of 1,000 tokens that take turns, on its second round", () => {
    const cache = new TokenCache(10_000, 1 << 24);
    const tokens = Array.from({ length: 1000 }, (_, i) => `header.payload-${i}.signature-${i * 7919}`);
    for (const token of tokens) expect(see(cache, token)).toBe(false);
    for (const token of tokens) expect(see(cache, token)).toBe(false);
    expect(cache.size).toBe(1000);
    expect(tokens.every((token) => see(cache, token))).toBe(true);
  });

  it("keeps tokens apart that share a fingerprint: the entry is served only for its own token", () => {
    const cache = new TokenCache(8, 1 << 20);
    const token = "x".repeat(40);
    // Same last 32 characters, so the same fingerprint; a different token.
    const twin = `y${token.slice(1)}`;
    expect(fingerprint(twin)).toBe(fingerprint(token));
    see(cache, token);
    see(cache, token);
    expect(cache.serve(twin, 0)).toBeUndefined();
    expect(cache.serve(token, 0)?.token).toBe(token);
  });

  it("counts nothing for a token longer than the byte bound", () => {
    const cache = new TokenCache(8, 16);
    const long = "z".repeat(17);
    expect([see(cache, long), see(cache, long), see(cache, long)]).toEqual([false, false, false]);
    expect(cache.size).toBe(0);
  });
});
