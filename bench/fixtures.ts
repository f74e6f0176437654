/**
 * The bench's identity provider and tokens. It reuses the shared test IdP (discovery + JWKS over HTTP on
 * 127.0.0.1) so every verifier under test fetches its keys the way it would in production, and it mints
 * every token before any timing starts: signing is not what is measured.
 */
import { TestIdp, type TestKey } from "../test/support/idp.js";

export type BenchAlg = "RS256" | "ES256" | "EdDSA";
export const BENCH_ALGS: readonly BenchAlg[] = ["RS256", "ES256", "EdDSA"];
export const AUDIENCE = "https://api.bench.example";

/** Starts the IdP with one key per bench algorithm; keys may be cached for an hour. */
export async function startBenchIdp(): Promise<TestIdp> {
  const idp = new TestIdp({ algs: [...BENCH_ALGS], cacheControl: "max-age=3600" });
  return idp.start();
}

/** The IdP's key for `alg`. */
export function keyFor(idp: TestIdp, alg: BenchAlg): TestKey {
  const key = idp.keys.find((k) => k.alg === alg);
  if (!key) throw new Error(`bench IdP has no ${alg} key`);
  return key;
}

/**
 * Mints `count` distinct access tokens signed with the `alg` key. They differ in `sub` and `jti`, carry
 * the bench audience and a scope, and stay valid for an hour (longer than any bench run). Signing runs
 * in batches: jose signs through WebCrypto, which uses libuv's thread pool, so batches use every core.
 */
export async function mintTokens(idp: TestIdp, alg: BenchAlg, count: number, label = "t"): Promise<string[]> {
  const key = keyFor(idp, alg);
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = new Array(count);
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const signed = await Promise.all(
      Array.from({ length: end - start }, (_, j) =>
        idp.sign(
          {
            sub: `user-${label}-${start + j}`,
            aud: AUDIENCE,
            scope: "orders:read orders:write",
            jti: `${label}-${alg}-${start + j}-${now}`,
            iat: now,
            exp: now + 3600,
          },
          { key },
        ),
      ),
    );
    for (let j = 0; j < signed.length; j++) tokens[start + j] = signed[j]!;
  }
  return tokens;
}

/**
 * The same token with one signature character changed in the middle (never the last character, whose
 * low bits may be padding and decode to the same bytes).
 */
export function tamper(token: string): string {
  const dot = token.lastIndexOf(".");
  const at = dot + 1 + Math.floor((token.length - dot - 1) / 2);
  const swapped = token[at] === "A" ? "B" : "A";
  return token.slice(0, at) + swapped + token.slice(at + 1);
}
