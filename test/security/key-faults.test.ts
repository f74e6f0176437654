/**
 * The key layer under the faults real providers produce, each reproduced against the test IdP on
 * 127.0.0.1 (issue 10): a new key arriving during one transient failure, a kept-alive socket the
 * provider closed, 429/503 with `Retry-After`, discovery that must not wander on a 429 or a 5xx, a
 * discovered `jwks_uri` through a transient failure, `warmup()` during backoff, `Age`, and one deadline
 * for a cold load. Time moves through the test clock (wall and monotonic together), except the
 * deadline test, where a slow provider is the fault.
 */
import type { KeyErrorEvent, VerifierOptions } from "@resource-guard/core";
import { afterEach, describe, expect, it } from "vitest";
import type { TestIdp, TestIdpOptions } from "../support/idp.js";
import { goodClaims } from "./forge.js";
import {
  expectInvalidToken,
  expectKeysUnavailable,
  type Fixture,
  rejectionOf,
  startFixture,
} from "./harness.js";

let fixture: Fixture | undefined;
let events: KeyErrorEvent[] = [];

afterEach(async () => {
  await fixture?.idp.close();
  fixture = undefined;
});

async function start(
  verifier: (idp: TestIdp) => Partial<VerifierOptions> = () => ({}),
  idp: TestIdpOptions = {},
) {
  events = [];
  fixture = await startFixture({
    idp: { algs: ["ES256"], ...idp },
    verifier: (server) => ({
      tokenCache: false,
      maxBackoffMs: 30_000,
      onKeyError: (event) => events.push(event),
      ...verifier(server),
    }),
  });
  return fixture;
}

const withJwksUri = (idp: TestIdp) => ({ jwksUri: idp.jwksUri });

function tokenAt(fx: Fixture, key = fx.idp.keys[0], extra: Record<string, unknown> = {}) {
  return fx.idp.sign(goodClaims(fx.idp, extra, fx.clock.now()), { key });
}

/** Leaves one idle kept-alive connection to the IdP in the process's fetch pool, as other traffic would. */
async function leaveIdleConnections(idp: TestIdp, count = 1) {
  await Promise.all(
    Array.from({ length: count }, (_, i) => fetch(`${idp.origin}/other-traffic-${i}`).then((r) => r.text())),
  );
  // The pool takes a connection back once the response is consumed, a turn of the event loop later.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.each([
  ["discovery", () => ({})],
  ["jwksUri", withJwksUri],
] as const)("a new key during one transient failure (%s)", (_mode, options) => {
  it("is 503 while the provider fails and accepted once it recovers, never 401 in between", async () => {
    const fx = await start((idp) => ({ cooldownMs: 30_000, ...options(idp) }));
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    const rotated = await fx.idp.addKey("ES256");
    fx.idp.fault = "status-500";
    const first = await rejectionOf(fx.verifier.verify(await tokenAt(fx, rotated)));
    expect(first).toMatchObject({ status: 503, reason: "jwks_http_status" });
    // Within the backoff: still 503 (without a fetch), not 401.
    const hits = fx.idp.totalHits;
    expect(await rejectionOf(fx.verifier.verify(await tokenAt(fx, rotated)))).toMatchObject({
      status: 503,
      reason: "backoff",
    });
    expect(fx.idp.totalHits).toBe(hits);
    fx.idp.fault = null;
    fx.clock.advance(Number(first.headers["Retry-After"]) * 1000);
    // The failed refetch did not start the 30 s cooldown: the next attempt fetches and finds the key.
    await expect(fx.verifier.verify(await tokenAt(fx, rotated))).resolves.toMatchObject({
      header: { kid: rotated.kid },
    });
  });

  it("keeps answering an unknown kid 503 after a failed background refresh, until a fetch succeeds", async () => {
    const fx = await start((idp) => ({ cooldownMs: 1000, ...options(idp) }));
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    const stranger = await fx.idp.addKey("ES256");
    fx.idp.keys.pop(); // a key the provider does not publish
    fx.idp.fault = "status-500";
    fx.clock.advance(11 * 60_000); // the keys are stale: the next request starts a refresh, which fails
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => events.length).toBe(1);
    fx.clock.advance(5000); // far past the cooldown, within the backoff
    await expectKeysUnavailable(fx.verifier.verify(await tokenAt(fx, stranger)));
    fx.idp.fault = null;
    fx.clock.advance(30_000);
    // A fetch succeeds and the kid is not in it: now, and only now, 401.
    await expectInvalidToken(fx.verifier.verify(await tokenAt(fx, stranger)), ["unknown_key"]);
    const hits = fx.idp.jwksHits;
    await expectInvalidToken(fx.verifier.verify(await tokenAt(fx, stranger)), ["unknown_key"]);
    expect(fx.idp.jwksHits).toBe(hits); // within the cooldown the success started
  });
});

describe("a kept-alive connection the provider has just closed", () => {
  it("retries a warm refetch once, at once, on a new connection: no 503, no backoff, nothing reported", async () => {
    const fx = await start(withJwksUri);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    const rotated = await fx.idp.addKey("ES256");
    await leaveIdleConnections(fx.idp);
    fx.idp.fault = "close-kept-alive";
    const logged = fx.idp.log.length;
    await expect(fx.verifier.verify(await tokenAt(fx, rotated))).resolves.toMatchObject({
      header: { kid: rotated.kid },
    });
    expect(fx.idp.log.slice(logged)).toEqual([
      { path: fx.idp.jwksPath, at: expect.any(Number), reusedConnection: true }, // closed unanswered
      { path: fx.idp.jwksPath, at: expect.any(Number), reusedConnection: false }, // the retry
    ]);
    expect(events).toEqual([]);
  });

  it("retries a cold load's discovery request the same way, and the keys load", async () => {
    const fx = await start();
    await leaveIdleConnections(fx.idp);
    fx.idp.fault = "close-kept-alive";
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(fx.idp.log.filter((r) => r.path === fx.idp.metadataPath).map((r) => r.reusedConnection)).toEqual([
      true,
      false,
    ]);
    expect(fx.idp.jwksHits).toBe(1);
    expect(events).toEqual([]);
  });

  it("retries a second stale connection on a new one too: the pool reconnects the slot that failed", async () => {
    const fx = await start(withJwksUri);
    await leaveIdleConnections(fx.idp, 2);
    fx.idp.fault = "close-kept-alive";
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(fx.idp.log.filter((r) => r.path === fx.idp.jwksPath).map((r) => r.reusedConnection)).toEqual([
      true,
      false,
    ]);
    expect(events).toEqual([]);
  });

  it("retries only once: a provider that drops every connection unanswered is one failure, reported once", async () => {
    const fx = await start(withJwksUri);
    fx.idp.fault = "close-unanswered";
    const r = await rejectionOf(fx.verifier.verify(await tokenAt(fx)));
    expect(r).toMatchObject({ status: 503, reason: "jwks_network", headers: { "Retry-After": "1" } });
    expect(fx.idp.jwksHits).toBe(2);
    expect(events).toEqual([
      {
        issuer: fx.idp.issuer,
        url: fx.idp.jwksUri,
        reason: "jwks_network",
        detail: `request to ${fx.idp.jwksUri} failed`,
      },
    ]);
  });

  it("sends Connection: close with key fetches, so they leave no idle socket to go stale", async () => {
    const fx = await start();
    const seen: (string | undefined)[] = [];
    fx.idp.server.prependListener("request", (req) => seen.push(req.headers.connection));
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(seen).toEqual(["close", "close"]);
  });
});

describe("the provider's Retry-After", () => {
  it("is honoured in seconds: no request until it has passed, and our Retry-After is the time left", async () => {
    const fx = await start(withJwksUri);
    fx.idp.fault = "status-429";
    fx.idp.retryAfter = "20";
    const token = await tokenAt(fx);
    expect(await expectKeysUnavailable(fx.verifier.verify(token))).toBe(20);
    fx.clock.advance(5000);
    expect(await expectKeysUnavailable(fx.verifier.verify(token))).toBe(15);
    fx.clock.advance(14_500);
    expect(await expectKeysUnavailable(fx.verifier.verify(token))).toBe(1);
    expect(fx.idp.jwksHits).toBe(1);
    fx.idp.fault = null;
    fx.clock.advance(600);
    await expect(fx.verifier.verify(token)).resolves.toBeDefined();
    expect(fx.idp.jwksHits).toBe(2);
  });

  it("is honoured as an HTTP-date on a 503", async () => {
    const fx = await start(withJwksUri);
    fx.idp.fault = "status-503";
    // HTTP-dates have whole seconds: 20 s from now is 19 to 20 s from the answer's Date header.
    fx.idp.retryAfter = new Date(Date.now() + 20_000).toUTCString();
    const token = await tokenAt(fx);
    const retryAfter = await expectKeysUnavailable(fx.verifier.verify(token));
    expect(retryAfter).toBeGreaterThanOrEqual(19);
    expect(retryAfter).toBeLessThanOrEqual(20);
    fx.clock.advance(18_000);
    await expectKeysUnavailable(fx.verifier.verify(token));
    expect(fx.idp.jwksHits).toBe(1);
  });

  it("is capped by maxBackoffMs", async () => {
    const fx = await start((idp) => ({ jwksUri: idp.jwksUri, maxBackoffMs: 10_000 }));
    fx.idp.fault = "status-429";
    fx.idp.retryAfter = "3600";
    const token = await tokenAt(fx);
    expect(await expectKeysUnavailable(fx.verifier.verify(token), 10_000)).toBe(10);
    fx.idp.fault = null;
    fx.clock.advance(10_001);
    await expect(fx.verifier.verify(token)).resolves.toBeDefined();
  });
});

describe("discovery", () => {
  it.each([
    ["status-429", 1],
    ["status-503", 1],
    ["status-500", 1],
    ["status-404", 3],
    ["status-410", 3],
  ] as const)(
    "after %s at the first metadata location makes %i request(s) in all",
    async (fault, requests) => {
      // An issuer with a path has three metadata locations (OIDC, RFC 8414 insertion and suffix).
      const fx = await start(() => ({}), { issuerPath: "/realms/acme" });
      fx.idp.fault = fault;
      const r = await rejectionOf(fx.verifier.verify(await tokenAt(fx)));
      expect(r).toMatchObject({
        status: 503,
        reason: requests === 1 ? "discovery_http_status" : "discovery_not_found",
      });
      expect(fx.idp.totalHits).toBe(requests);
      // onKeyError names the location that failed, also when discovery fails.
      expect(events).toHaveLength(1);
      expect(events[0]?.url).toMatch(/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/);
    },
  );

  it("keeps a discovered jwks_uri through a transient JWKS failure", async () => {
    const fx = await start();
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.idp.fault = "status-500";
    fx.clock.advance(11 * 60_000); // stale: a background refresh starts and fails
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => events.length).toBe(1);
    fx.idp.fault = null;
    fx.clock.advance(30_000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => fx.idp.jwksHits).toBe(3);
    expect(fx.idp.metadataHits).toBe(1);
  });

  it("looks the jwks_uri up again once the JWKS answers 410", async () => {
    const fx = await start();
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.idp.fault = "status-410";
    fx.clock.advance(11 * 60_000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => events.map((e) => e.reason)).toEqual(["jwks_http_status"]);
    fx.idp.fault = null;
    fx.clock.advance(30_000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => fx.idp.metadataHits).toBe(2);
  });
});

describe("warmup()", () => {
  it("honours the backoff: repeated calls against a failing provider make no further request", async () => {
    const fx = await start(withJwksUri);
    fx.idp.fault = "status-500";
    await expect(fx.verifier.warmup()).rejects.toThrow(/jwks_http_status: .* answered HTTP 500/);
    for (let i = 0; i < 30; i++) {
      await expect(fx.verifier.warmup()).rejects.toThrow(
        /backoff: the last attempt failed \(jwks_http_status/,
      );
    }
    expect(fx.idp.jwksHits).toBe(1);
    fx.idp.fault = null;
    fx.clock.advance(1001);
    await expect(fx.verifier.warmup()).resolves.toBeUndefined();
    expect(fx.idp.jwksHits).toBe(2);
  });
});

describe("freshness", () => {
  it("subtracts Age from max-age (RFC 9111 §4.2.3)", async () => {
    // max-age 600 less Age 590 leaves 10 s, raised to the 60 s floor: refreshed within a minute.
    const fx = await start(withJwksUri, { cacheControl: "max-age=600", age: "590" });
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.clock.advance(61_000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    await expect.poll(() => fx.idp.jwksHits).toBe(2);
  });

  it("without Age keeps max-age=600 fresh for at least 480 s (600 less the jitter)", async () => {
    const fx = await start(withJwksUri, { cacheControl: "max-age=600" });
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    fx.clock.advance(479_000);
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
    expect(fx.idp.jwksHits).toBe(1);
  });
});

describe("a cold load", () => {
  it("has one deadline across discovery and the JWKS: two 150 ms hops exceed a 250 ms timeoutMs", async () => {
    const fx = await start(() => ({ timeoutMs: 250 }), { delayMs: 150 });
    const r = await rejectionOf(fx.verifier.verify(await tokenAt(fx)));
    expect(r.status).toBe(503);
    expect(["jwks_timeout", "discovery_timeout"]).toContain(r.reason);
    expect(events[0]?.detail).toMatch(/did not answer within 250 ms \(one deadline per key set load\)$/);
  });

  it("loads when the two hops fit in timeoutMs together", async () => {
    const fx = await start(() => ({ timeoutMs: 5000 }), { delayMs: 150 });
    await expect(fx.verifier.verify(await tokenAt(fx))).resolves.toBeDefined();
  });
});
