/**
 * The verified-token cache must never become a way around verification (RFC 8725 §3 spirit: a cache
 * is only an optimisation). A cached token stops passing the moment a fresh verification would
 * refuse it: at `exp` (plus tolerance), and once the key that verified it has left the issuer's JWKS
 * (rotation is how providers revoke a leaked key). A changed byte is a different token, and a cache
 * belongs to one verifier, so a token accepted for one audience is not served to another.
 */
import { createVerifier } from "@resource-guard/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AUDIENCE, goodClaims, segments } from "./forge.js";
import { expectInvalidToken, type Fixture, startFixture } from "./harness.js";

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.idp.close();
  fixture = undefined;
});

async function start() {
  fixture = await startFixture({
    idp: { algs: ["ES256"] },
    verifier: () => ({ tokenCache: { maxEntries: 100, maxBytes: 1 << 20 } }),
  });
  return fixture;
}

describe("the verified-token cache", () => {
  it("stops serving a cached token once it expires (past clockTolerance)", async () => {
    const fx = await start();
    const now = fx.clock.seconds();
    const token = await fx.idp.sign(goodClaims(fx.idp, { iat: now, exp: now + 60 }, fx.clock.now()));
    // Admitted on the second verification, answered from the cache on the third.
    await fx.verifier.verify(token);
    await fx.verifier.verify(token);
    await fx.verifier.verify(token);
    expect(fx.verifier.stats().cacheHits).toBe(1);
    fx.clock.advance(65_000 + 1000);
    await expectInvalidToken(fx.verifier.verify(token), ["expired"]);
  });

  it("answers a cached token synchronously on the adapters' fast path, and refuses it there once expired", async () => {
    const fx = await start();
    const now = fx.clock.seconds();
    const token = await fx.idp.sign(goodClaims(fx.idp, { iat: now, exp: now + 60 }, fx.clock.now()));
    const request = { headers: { authorization: `Bearer ${token}` } };
    await fx.verifier.authenticate(request);
    await fx.verifier.authenticate(request);
    const hit = fx.verifier.authenticateMaybeSync(request);
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toEqual(await fx.verifier.authenticate(request));
    fx.clock.advance(65_000 + 1000);
    expect(() => fx.verifier.authenticateMaybeSync(request)).toThrow(
      expect.objectContaining({ status: 401, code: "invalid_token", reason: "expired" }),
    );
  });

  // `verify(token)` runs the pipeline's cache lookup; a request with `Authorization: Bearer` is
  // answered by the cached-Bearer shortcut before the stages run. Both must stop at the retirement.
  it.each([
    ["verify(token)", (fx: Fixture, token: string) => fx.verifier.verify(token)],
    [
      "a Bearer request",
      (fx: Fixture, token: string) =>
        fx.verifier.authenticate({ headers: { authorization: `Bearer ${token}` } }),
    ],
  ])("stops serving a cached token once its key has left the JWKS, through %s", async (_, check) => {
    const fx = await start();
    const token = await fx.idp.sign(goodClaims(fx.idp, { exp: fx.clock.seconds() + 3600 }, fx.clock.now()));
    await check(fx, token);
    await check(fx, token);
    expect(fx.verifier.stats().cachedTokens).toBe(1);
    await check(fx, token);
    expect(fx.verifier.stats().cacheHits).toBe(1);
    const next = await fx.idp.rotate("ES256");
    fx.clock.advance(10 * 60_000 + 1000); // past the key set's freshness: a refresh is due
    // The hit that finds the key set stale starts a refresh; the refresh retires the old key.
    await check(fx, token).catch(() => undefined);
    await vi.waitFor(() => expect(fx.idp.jwksHits).toBeGreaterThanOrEqual(2), {
      timeout: 2000,
      interval: 10,
    });
    await vi.waitFor(async () => expectInvalidToken(check(fx, token), ["unknown_key"]), {
      timeout: 2000,
      interval: 20,
    });
    // Tokens from the new key pass: the refresh worked, it is the old key that is gone.
    await expect(
      fx.verifier.verify(await fx.idp.sign(goodClaims(fx.idp, {}, fx.clock.now()), { key: next })),
    ).resolves.toBeDefined();
  });

  it("does not serve a one-byte variant of a cached token", async () => {
    const fx = await start();
    const token = await fx.idp.sign(goodClaims(fx.idp, {}, fx.clock.now()));
    await fx.verifier.verify(token);
    await fx.verifier.verify(token);
    expect(fx.verifier.stats().cachedTokens).toBe(1);
    const [h, p, s] = segments(token);
    const last = s.at(-1) === "A" ? "B" : "A";
    const variants = [
      `${h}.${p}.${s.slice(0, -2)}${last}${s.at(-1)}`,
      `${h}.${p.slice(0, -1)}${p.at(-1) === "A" ? "B" : "A"}.${s}`,
    ];
    for (const variant of variants)
      await expectInvalidToken(fx.verifier.verify(variant), ["signature", "malformed"]);
    expect(fx.verifier.stats().cacheHits).toBe(0);
  });

  it("is per verifier: a token cached for one audience is refused by a verifier for another", async () => {
    const fx = await start();
    const token = await fx.idp.sign(goodClaims(fx.idp, {}, fx.clock.now()));
    await fx.verifier.verify(token);
    const other = createVerifier({
      issuer: fx.idp.issuer,
      audience: "https://billing.api.test",
      now: fx.clock.now,
    });
    await expectInvalidToken(other.verify(token), ["audience"]);
    expect(AUDIENCE).not.toBe("https://billing.api.test");
  });
});
