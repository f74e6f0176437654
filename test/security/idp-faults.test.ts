/**
 * Identity-provider faults: the verifier must keep serving and never blame the client for the
 * provider's trouble. For each fault the test IdP can produce (error statuses, a hang, a reset
 * mid-body, truncated and non-JSON bodies, a multi-megabyte JWKS, redirect loops and off-host
 * redirects), with discovery and with a configured `jwksUri`:
 * - cold (nothing cached): 503 with `Retry-After`, never `invalid_token`, and no fetch during backoff;
 * - warm: cached keys keep accepting valid tokens while refreshes fail (stale-if-error);
 * - recovery: once the provider answers again, keys load without a restart.
 * Then the faults the IdP switch cannot express: a discovery `issuer` mismatch, a JWKS mixing
 * valid and broken keys, DNS failure (the one place an injected `fetch` stands in, since loopback
 * cannot fail name resolution and the real resolver here is not on 127.0.0.0/8).
 * Time moves through the verifier's `now` clock; only `timeoutMs` (300 ms, for the hang) is real.
 */
import type { KeyErrorEvent, VerifierOptions } from "@resource-guard/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Fault, makeKey } from "../support/idp.js";
import { goodClaims, goodHeader, signObjects } from "./forge.js";
import {
  expectInvalidToken,
  expectKeysUnavailable,
  type Fixture,
  startFixture,
  withBearer,
} from "./harness.js";

const MAX_BACKOFF_MS = 4000;
const FRESHNESS_MS = 10 * 60_000; // the default when the JWKS sends no Cache-Control

const FAULTS: Exclude<Fault, null>[] = [
  "status-500",
  "status-404",
  "hang",
  "reset",
  "truncated",
  "not-json",
  "huge",
  "redirect-loop",
  "redirect-other-host",
];

let fixture: Fixture | undefined;
let events: KeyErrorEvent[] = [];

afterEach(async () => {
  await fixture?.idp.close();
  fixture = undefined;
});

async function start(mode: "discovery" | "jwksUri", extra: Partial<VerifierOptions> = {}, idpOptions = {}) {
  events = [];
  fixture = await startFixture({
    // ES256 keys: generating an RSA key per test would dominate the run time of this file.
    idp: { algs: ["ES256"], ...idpOptions },
    verifier: (idp) => ({
      timeoutMs: 300,
      maxBackoffMs: MAX_BACKOFF_MS,
      cooldownMs: 1000,
      tokenCache: false,
      onKeyError: (event) => events.push(event),
      ...(mode === "jwksUri" ? { jwksUri: idp.jwksUri } : {}),
      ...extra,
    }),
  });
  return fixture;
}

/** A valid token signed at the verifier's clock. */
function tokenAt(fx: Fixture, extra: Record<string, unknown> = {}) {
  return fx.idp.sign(goodClaims(fx.idp, extra, fx.clock.now()));
}

describe.each(["discovery", "jwksUri"] as const)("with %s", (mode) => {
  describe.each(FAULTS)("when the provider's fault is %s", (fault) => {
    it("answers 503 with Retry-After while nothing is cached, and does not fetch during backoff", async () => {
      const fx = await start(mode);
      fx.idp.fault = fault;
      const token = await tokenAt(fx);
      const retryAfter = await expectKeysUnavailable(fx.verifier.verify(token), MAX_BACKOFF_MS);
      expect(retryAfter).toBe(1);
      expect(events.length).toBe(1);
      const hits = fx.idp.totalHits;
      // The first attempt is bounded: a redirect loop is followed only a few hops.
      expect(hits).toBeGreaterThanOrEqual(1);
      expect(hits).toBeLessThanOrEqual(5);
      await expectKeysUnavailable(withBearer(fx.verifier, token), MAX_BACKOFF_MS);
      await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx, { sub: "other" })), MAX_BACKOFF_MS);
      expect(fx.idp.totalHits).toBe(hits);
    });

    it("keeps accepting valid tokens with cached keys while refreshes fail", async () => {
      const fx = await start(mode);
      await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
      fx.idp.fault = fault;
      fx.clock.advance(FRESHNESS_MS + 60_000);
      const hits = fx.idp.totalHits;
      await expect(fx.verifier.verify(await tokenAt(fx, { sub: "during-outage-1" }))).resolves.toMatchObject({
        claims: { sub: "during-outage-1" },
      });
      // The stale set triggered one refresh, which fails in the background.
      await vi.waitFor(() => expect(events.length).toBe(1), { timeout: 2000, interval: 10 });
      expect(fx.idp.totalHits).toBeGreaterThan(hits);
      for (const sub of ["during-outage-2", "during-outage-3"]) {
        await expect(fx.verifier.verify(await tokenAt(fx, { sub }))).resolves.toMatchObject({
          claims: { sub },
        });
      }
      // Bad tokens are still judged by the cached keys.
      await expectInvalidToken(fx.verifier.verify(await tokenAt(fx, { exp: fx.clock.seconds() - 60 })), [
        "expired",
      ]);
      // A kid we do not know may be a legitimate new key the provider cannot serve now: 503, not 401.
      const stranger = await makeKey("RS256");
      const unknown = signObjects(goodHeader(stranger), goodClaims(fx.idp, {}, fx.clock.now()), stranger);
      await expectKeysUnavailable(fx.verifier.verify(unknown), MAX_BACKOFF_MS);
    });

    it("recovers without a restart once the provider answers again", async () => {
      const fx = await start(mode);
      fx.idp.fault = fault;
      const retryAfter = await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), MAX_BACKOFF_MS);
      fx.idp.fault = null;
      fx.clock.advance(retryAfter * 1000);
      await expect(fx.verifier.verify(await tokenAt(fx, { sub: "after" }))).resolves.toMatchObject({
        claims: { sub: "after" },
      });
    });
  });
});

describe("backoff and staleness bounds", () => {
  it("doubles Retry-After from 1 s up to maxBackoffMs while the provider stays down, each wait jittered", async () => {
    const fx = await start("jwksUri");
    fx.idp.fault = "status-500";
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const retryAfter = await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), MAX_BACKOFF_MS);
      seen.push(retryAfter);
      fx.clock.advance(retryAfter * 1000);
    }
    // Nominal waits 1, 2, 4, 4… s, each shortened by up to half at random, in whole seconds.
    const nominal = [1, 2, 4, 4, 4, 4];
    seen.forEach((retryAfter, i) => {
      expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, Math.floor((nominal[i] as number) / 2)));
      expect(retryAfter).toBeLessThanOrEqual(nominal[i] as number);
    });
    expect(fx.idp.jwksHits).toBe(6);
  });

  it("stops accepting cached keys maxStaleMs after they went stale, with 503 not 401", async () => {
    // Freshness is 8 to 10 minutes (the 10 minute default shortened by up to 20 % at random).
    const fx = await start("jwksUri", { maxStaleMs: 3 * 60_000 });
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.idp.fault = "status-500";
    fx.clock.advance(FRESHNESS_MS + 30_000); // stale for sure, and within 8 + 3 minutes
    await expect(fx.verifier.verify(await tokenAt(fx, { sub: "stale-but-usable" }))).resolves.toBeDefined();
    fx.clock.advance(3 * 60_000 + MAX_BACKOFF_MS); // past 10 + 3 minutes
    await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx, { sub: "too-stale" })), MAX_BACKOFF_MS);
  });

  it("picks up a rotated key once the provider is back, without a restart", async () => {
    const fx = await start("discovery");
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.idp.fault = "reset";
    const next = await fx.idp.rotate("ES256");
    const rotated = () => fx.idp.sign(goodClaims(fx.idp, {}, fx.clock.now()), { key: next });
    fx.clock.advance(2000); // past the unknown-kid cooldown
    const retryAfter = await expectKeysUnavailable(fx.verifier.verify(await rotated()), MAX_BACKOFF_MS);
    fx.idp.fault = null;
    fx.clock.advance(Math.max(retryAfter * 1000, 1000));
    await expect(fx.verifier.verify(await rotated())).resolves.toMatchObject({ header: { kid: next.kid } });
  });
});

describe("faults the fault switch cannot express", () => {
  it.each([
    ["another host", () => "https://evil.test"],
    ["the issuer with a trailing slash", (issuer: string) => `${issuer}/`],
    ["the issuer in upper case", (issuer: string) => issuer.toUpperCase()],
    ["empty", () => ""],
  ])(
    "answers 503 when the discovery document's issuer is %s, and never reads its jwks_uri",
    async (_label, alter) => {
      const fx = await start("discovery");
      fx.idp.options.metadataIssuer = alter(fx.idp.issuer) as string;
      if (alter(fx.idp.issuer) === undefined) fx.idp.options.metadataIssuer = "";
      await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), MAX_BACKOFF_MS);
      expect(fx.idp.metadataHits).toBe(1);
      expect(fx.idp.jwksHits).toBe(0);
    },
  );

  it("keeps working with a JWKS that mixes valid and broken keys", async () => {
    const fx = await start(
      "jwksUri",
      {},
      {
        algs: ["RS256", "ES256"],
        extraJwks: [
          { kty: "RSA", kid: "broken-n", n: "!!!not-base64url!!!", e: "AQAB" },
          { kty: "RSA", kid: "no-e", n: "AQAB" },
          { kty: "EC", kid: "bad-curve", crv: "P-999", x: "AA", y: "AA" },
          { kty: "EC", kid: "short-x", crv: "P-256", x: "AA", y: "AA" },
          { kty: "OKP", kid: "bad-okp", crv: "Ed25519", x: 5 },
          { kty: "oct", kid: "oct", k: "c2VjcmV0" },
          { kty: "PQ", kid: "future-type" },
          { kid: "no-kty" },
          { kty: "RSA", kid: 42, n: "AQAB", e: "AQAB" },
          null,
          42,
          "a string",
          [],
        ] as never,
      },
    );
    for (const key of fx.idp.keys) {
      await expect(
        fx.verifier.verify(await fx.idp.sign(goodClaims(fx.idp, {}, fx.clock.now()), { key })),
      ).resolves.toMatchObject({
        header: { kid: key.kid },
      });
    }
    const real = fx.idp.keys[0]!;
    for (const kid of ["broken-n", "no-e", "bad-curve", "short-x", "bad-okp", "oct", "future-type"]) {
      const token = signObjects(goodHeader(real, { kid }), goodClaims(fx.idp, {}, fx.clock.now()), real);
      await expectInvalidToken(fx.verifier.verify(token), ["unknown_key", "key_mismatch"]);
    }
  });

  it("answers 503 for a JWKS in which no key is usable", async () => {
    const fx = await start("jwksUri", {}, { extraJwks: [{ kty: "RSA", kid: "broken", n: "!!", e: "AQAB" }] });
    fx.idp.keys = [];
    const stranger = await makeKey("RS256", "broken");
    const token = signObjects(goodHeader(stranger), goodClaims(fx.idp, {}, fx.clock.now()), stranger);
    await expectKeysUnavailable(fx.verifier.verify(token), MAX_BACKOFF_MS);
    expect(fx.idp.jwksHits).toBe(1);
  });

  describe("DNS failure", () => {
    // Shaped exactly as Node's fetch (undici) rejects when getaddrinfo fails.
    const dnsError = (url: string) =>
      new TypeError("fetch failed", {
        cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${new URL(url).hostname}`), {
          code: "ENOTFOUND",
          syscall: "getaddrinfo",
          hostname: new URL(url).hostname,
        }),
      });

    it("answers 503 while the name does not resolve and recovers when it does", async () => {
      let resolving = false;
      const fx = await start("discovery", {
        fetch: (url, init) => (resolving ? fetch(url, init) : Promise.reject(dnsError(url))),
      });
      const retryAfter = await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx)), MAX_BACKOFF_MS);
      expect(fx.idp.totalHits).toBe(0);
      resolving = true;
      fx.clock.advance(retryAfter * 1000);
      await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    });

    it("keeps accepting valid tokens with cached keys while the name does not resolve", async () => {
      let resolving = true;
      const fx = await start("discovery", {
        fetch: (url, init) => (resolving ? fetch(url, init) : Promise.reject(dnsError(url))),
      });
      await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
      resolving = false;
      fx.clock.advance(FRESHNESS_MS + 60_000);
      await expect(fx.verifier.verify(await tokenAt(fx, { sub: "a" }))).resolves.toBeDefined();
      await vi.waitFor(() => expect(events.length).toBe(1), { timeout: 2000, interval: 10 });
      await expect(fx.verifier.verify(await tokenAt(fx, { sub: "b" }))).resolves.toBeDefined();
    });
  });
});
