/**
 * Clock steps (issue 10). The wall clock (`now`) judges token claims; the key layer's intervals
 * (backoff, unknown-kid cooldown, freshness, the stale limit) run on a monotonic clock
 * (`monotonicNow`), so stepping the wall clock either way changes none of them, and a monotonic
 * source that misbehaves (steps back) cannot push any deadline beyond its maximum. Each test steps one
 * clock alone (`stepWall`, `stepMonotonic`) and lets time pass on both with `advance`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { goodClaims } from "./forge.js";
import {
  expectInvalidToken,
  expectKeysUnavailable,
  type Fixture,
  rejectionOf,
  startFixture,
} from "./harness.js";

const HOUR = 3_600_000;
let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.idp.close();
  fixture = undefined;
});

async function start(cooldownMs = 30_000) {
  fixture = await startFixture({
    idp: { algs: ["ES256"] },
    verifier: (idp) => ({ jwksUri: idp.jwksUri, tokenCache: false, cooldownMs, maxBackoffMs: 4000 }),
  });
  return fixture;
}

/** A valid token signed at the verifier's wall clock, by `key` (default the IdP's first key). */
function tokenAt(fx: Fixture, key = fx.idp.keys[0], extra: Record<string, unknown> = {}) {
  return fx.idp.sign(goodClaims(fx.idp, extra, fx.clock.now()), { key });
}

describe("the wall clock steps back 2 h", () => {
  it("leaves the backoff and Retry-After as they were (not 7201 s), and the next fetch on time", async () => {
    const fx = await start();
    fx.idp.fault = "status-500";
    expect(await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), 4000)).toBe(1);
    fx.clock.stepWall(-2 * HOUR);
    const during = await rejectionOf(fx.verifier.verify(await tokenAt(fx)));
    expect(during).toMatchObject({ status: 503, reason: "backoff", headers: { "Retry-After": "1" } });
    expect(fx.idp.jwksHits).toBe(1);
    fx.idp.fault = null;
    fx.clock.advance(1001);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(fx.idp.jwksHits).toBe(2);
  });

  it("picks up a rotated key once the cooldown has passed, not 2 h later", async () => {
    const fx = await start(30_000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    const unpublished = await fx.idp.addKey("ES256");
    fx.idp.keys.pop();
    // An unknown kid: one refetch, which starts the cooldown.
    await expectInvalidToken(fx.verifier.verify(await tokenAt(fx, unpublished)), ["unknown_key"]);
    fx.clock.stepWall(-2 * HOUR);
    fx.clock.advance(31_000);
    const rotated = await fx.idp.addKey("ES256");
    await expect(fx.verifier.verify(await tokenAt(fx, rotated))).resolves.toMatchObject({
      header: { kid: rotated.kid },
    });
  });
});

describe("the wall clock steps forward 12 h, then back", () => {
  it("does not keep a retired key in use: the key set is refreshed on time and the old key refused", async () => {
    const fx = await start();
    const old = fx.idp.keys[0];
    await expect(fx.verifier.verify(await tokenAt(fx, old))).resolves.toBeDefined();
    fx.clock.stepWall(12 * HOUR);
    await expect(fx.verifier.verify(await tokenAt(fx, old))).resolves.toBeDefined();
    expect(fx.idp.jwksHits).toBe(1); // a wall step is no reason to refetch
    await fx.idp.rotate("ES256");
    fx.clock.stepWall(-12 * HOUR);
    fx.clock.advance(10 * 60_000 + 1000); // past the freshness (at most 10 min)
    const stale = await tokenAt(fx, old);
    // The stale set still answers while its refresh runs; once it lands the old key is gone.
    await fx.verifier.verify(stale).catch(() => undefined);
    await expect.poll(() => fx.idp.jwksHits).toBe(2);
    await expectInvalidToken(fx.verifier.verify(await tokenAt(fx, old)), ["unknown_key"]);
  });
});

describe("a monotonic source that steps back (a broken hook)", () => {
  it("holds the clock: the backoff stays at most maxBackoffMs and ends on time", async () => {
    const fx = await start();
    fx.idp.fault = "status-500";
    await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), 4000);
    fx.clock.stepMonotonic(-2 * HOUR);
    expect(await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), 4000)).toBe(1);
    fx.idp.fault = null;
    fx.clock.advance(1001);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(fx.idp.jwksHits).toBe(2);
  });

  it("holds the clock: key freshness still ends at most 10 minutes of elapsed time later", async () => {
    const fx = await start();
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.clock.stepMonotonic(-2 * HOUR);
    // The step is seen at the next reading (any request), and from there time counts again.
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(fx.idp.jwksHits).toBe(1);
    fx.clock.advance(10 * 60_000 + 1000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => fx.idp.jwksHits).toBe(2);
  });
});
