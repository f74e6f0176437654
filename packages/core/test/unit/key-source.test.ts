import { createVerifier, type VerifierOptions } from "@resource-guard/core";
import { afterEach, describe, expect, it } from "vitest";
import { type Fault, startTestIdp, type TestIdp, type TestIdpOptions } from "../../../../test/support/idp.js";

const AUDIENCE = "orders-api";
const started: TestIdp[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((idp) => idp.close()));
});

async function idpWith(options: TestIdpOptions = {}) {
  const idp = await startTestIdp(options);
  started.push(idp);
  return idp;
}

/** A verifier on a clock the test moves by hand; tokens are signed for the same clock. */
function setUp(idp: TestIdp, extra: Partial<VerifierOptions> = {}) {
  const clock = { ms: Date.now() };
  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    now: () => clock.ms,
    monotonicNow: () => clock.ms,
    ...extra,
  });
  const sign = (claims: Record<string, unknown> = {}, opts: Parameters<TestIdp["sign"]>[1] = {}) =>
    idp.sign(
      { aud: AUDIENCE, exp: Math.floor(clock.ms / 1000) + 3600, ...claims },
      { nowSeconds: Math.floor(clock.ms / 1000), ...opts },
    );
  return { verifier, clock, sign };
}

async function outcome(promise: Promise<unknown>) {
  return promise.then(
    () => ({ status: 200 }) as Record<string, unknown>,
    (e: {
      status: number;
      code?: string;
      reason: string;
      detail?: string;
      headers: Record<string, string>;
    }) => ({
      status: e.status,
      code: e.code,
      reason: e.reason,
      ...(e.detail === undefined ? {} : { detail: e.detail }),
      headers: e.headers,
    }),
  );
}

describe("key discovery", () => {
  it.each(["openid", "oauth-insertion", "oauth-suffix"] as const)(
    "finds the JWKS through %s metadata",
    async (discovery) => {
      const idp = await idpWith({ discovery, issuerPath: "/realms/acme" });
      const { verifier, sign } = setUp(idp);
      await expect(verifier.verify(await sign())).resolves.toBeDefined();
      expect(idp.metadataHits).toBe(1);
      expect(idp.jwksHits).toBe(1);
    },
  );

  it("answers 503 when the metadata names another issuer, and warmup explains a trailing-slash mistake", async () => {
    const idp = await idpWith({ issuerPath: "/tenant" });
    idp.options.metadataIssuer = `${idp.issuer}/`;
    const { verifier, sign } = setUp(idp);
    expect(await outcome(verifier.verify(await sign()))).toMatchObject({ status: 503, code: undefined });
    expect(idp.jwksHits).toBe(0);
    const fresh = setUp(idp).verifier;
    await expect(fresh.warmup()).rejects.toThrow(
      `they differ only by a trailing slash; issuers match exactly, so configure "${idp.issuer}/"`,
    );
  });

  it("uses jwksUri directly when given, with no discovery request", async () => {
    const idp = await idpWith({ discovery: "none" });
    const { verifier, sign } = setUp(idp, { jwksUri: idp.jwksUri });
    await expect(verifier.verify(await sign())).resolves.toBeDefined();
    expect([...idp.hits.keys()]).toEqual([idp.jwksPath]);
  });

  it("skips keys it cannot use (encryption keys, broken or weak keys) and uses the rest", async () => {
    const idp = await idpWith({
      extraJwks: [
        { kty: "RSA", use: "enc", alg: "RSA-OAEP", kid: "enc-1", n: "AQAB", e: "AQAB" },
        { kty: "EC", crv: "P-256", kid: "broken", x: "not-a-point", y: "nope" },
        { kty: "oct", kid: "secret", k: "c2VjcmV0" },
        { kty: "RSA", kid: "weak", e: "AQAB", n: Buffer.alloc(128, 7).toString("base64url") },
      ],
    });
    const { verifier, sign } = setUp(idp);
    await expect(verifier.verify(await sign())).resolves.toBeDefined();
    for (const kid of ["enc-1", "broken", "secret", "weak"]) {
      expect(await outcome(verifier.verify(await sign({}, { header: { kid } })))).toMatchObject({
        status: 401,
        reason: "unknown_key",
      });
    }
  });
});

describe("key cache", () => {
  it("serves 100 concurrent cold requests with exactly one discovery and one JWKS fetch", async () => {
    const idp = await idpWith({ delayMs: 50 });
    const { verifier, sign } = setUp(idp);
    const token = await sign();
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? token : sign({ jti: String(i) }))),
    );
    const results = await Promise.all(tokens.map((t) => outcome(verifier.verify(t))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(idp.metadataHits).toBe(1);
    expect(idp.jwksHits).toBe(1);
  });

  it("picks up a rotated key with one refetch, and drops the old key", async () => {
    const idp = await idpWith();
    const { verifier, sign } = setUp(idp, { tokenCache: false });
    const oldToken = await sign();
    await expect(verifier.verify(oldToken)).resolves.toBeDefined();
    const next = await idp.rotate();
    await expect(verifier.verify(await sign({}, { key: next }))).resolves.toBeDefined();
    expect(idp.jwksHits).toBe(2);
    expect(await outcome(verifier.verify(oldToken))).toMatchObject({
      status: 401,
      code: "invalid_token",
      reason: "unknown_key",
    });
  });

  it("refetches at most once per cooldown for a flood of unknown kids", async () => {
    const idp = await idpWith();
    const { verifier, clock, sign } = setUp(idp, { cooldownMs: 30_000 });
    await verifier.verify(await sign());
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) => sign({}, { header: { kid: `random-${i}` } })),
    );
    const results = await Promise.all(flood.map((t) => outcome(verifier.verify(t))));
    expect(results.every((r) => r.status === 401 && r.reason === "unknown_key")).toBe(true);
    expect(idp.jwksHits).toBe(2);
    for (const t of flood.slice(0, 20)) await outcome(verifier.verify(t));
    expect(idp.jwksHits).toBe(2);
    clock.ms += 30_001;
    await Promise.all(flood.slice(0, 50).map((t) => outcome(verifier.verify(t))));
    expect(idp.jwksHits).toBe(3);
  });

  it("refreshes keys after Cache-Control max-age, clamped to the minimum freshness", async () => {
    const idp = await idpWith({ cacheControl: "public, max-age=5" });
    const { verifier, clock, sign } = setUp(idp, { tokenCache: false });
    const token = await sign();
    await verifier.verify(token);
    // max-age=5 is raised to the 1 minute floor, then shortened by up to 20 % at random: 48 to 60 s.
    clock.ms += 47_000;
    await verifier.verify(token);
    expect(idp.jwksHits).toBe(1);
    clock.ms += 14_000;
    await verifier.verify(token); // served from the stale set while one background refresh runs
    await expect.poll(() => idp.jwksHits).toBe(2);
  });

  it("starts the refresh from a cache hit within 100 ms of wall-clock time, and at once after a wall-clock step back", async () => {
    const idp = await idpWith({ cacheControl: "public, max-age=60" });
    const wall = { ms: Date.now() };
    const steady = { ms: 0 };
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: AUDIENCE,
      now: () => wall.ms,
      monotonicNow: () => steady.ms,
    });
    const token = await idp.sign({ aud: AUDIENCE, exp: Math.floor(wall.ms / 1000) + 3600 });
    for (let i = 0; i < 3; i++) await verifier.verify(token); // seen twice: answered from the cache
    expect(verifier.stats().cacheHits).toBe(1);
    expect(idp.jwksHits).toBe(1);
    // The keys go stale on the steady clock; within the same 100 ms of wall time hits do not look.
    steady.ms += 61_000;
    wall.ms += 50;
    await verifier.verify(token);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(idp.jwksHits).toBe(1);
    // 100 ms of wall time later, the next hit looks, finds the keys stale and refreshes them.
    wall.ms += 50;
    await verifier.verify(token);
    await expect.poll(() => idp.jwksHits).toBe(2);
    // Stale again; the wall clock steps back (an NTP correction): the next hit looks at once.
    steady.ms += 61_000;
    wall.ms -= 5_000;
    await verifier.verify(token);
    await expect.poll(() => idp.jwksHits).toBe(3);
    expect(verifier.stats().cacheHits).toBe(4);
  });

  it("keeps verifying with cached keys while the provider is down, and serves tokens from the cache", async () => {
    const idp = await idpWith();
    const { verifier, clock, sign } = setUp(idp, { tokenCache: false });
    const token = await sign();
    await verifier.verify(token);
    for (const fault of ["status-500", "reset", "not-json", "truncated", "hang"] as Fault[]) {
      idp.fault = fault;
      clock.ms += 11 * 60_000; // past the 10 minute default freshness: a refresh is due and fails
      await expect(verifier.verify(token)).resolves.toBeDefined();
    }
  });

  it("answers 503 with Retry-After when cold and down, backs off, and recovers without a restart", async () => {
    const idp = await idpWith();
    idp.fault = "status-500";
    const { verifier, clock, sign } = setUp(idp, { maxBackoffMs: 30_000 });
    const token = await sign();
    expect(await outcome(verifier.verify(token))).toEqual({
      status: 503,
      code: undefined,
      reason: "discovery_http_status",
      detail: `${idp.origin}/.well-known/openid-configuration answered HTTP 500`,
      headers: { "Retry-After": "1" },
    });
    const hits = idp.totalHits;
    expect(await outcome(verifier.verify(token))).toMatchObject({
      status: 503,
      reason: "backoff",
      headers: { "Retry-After": "1" },
    });
    expect(idp.totalHits).toBe(hits); // within the backoff: no new request
    clock.ms += 1_001;
    // The second wait is 1 to 2 s (2 s shortened by up to half at random).
    const second = await outcome(verifier.verify(token));
    expect(second).toMatchObject({ status: 503, reason: "discovery_http_status" });
    expect(["1", "2"]).toContain((second.headers as Record<string, string>)["Retry-After"]);
    idp.fault = null;
    clock.ms += 2_001;
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  it.each([
    ["status-404", "jwks_http_status", "answered HTTP 404"],
    ["not-json", "jwks_not_json", "did not answer with JSON"],
    ["truncated", "jwks_not_json", "did not answer with JSON"],
    ["huge", "jwks_too_large", "exceeds maxResponseBytes"],
    ["redirect-loop", "jwks_redirect", "too many redirects"],
    ["redirect-other-host", "jwks_redirect", "to another origin refused"],
    ["reset", "jwks_network", "failed"],
  ] as [Fault, string, string][])(
    "answers 503 (never invalid_token) when cold and the provider sends %s, with reason %s",
    async (fault, reason, detail) => {
      const idp = await idpWith({ discovery: "none" });
      idp.fault = fault;
      const { verifier, sign } = setUp(idp, { jwksUri: idp.jwksUri });
      expect(await outcome(verifier.verify(await sign()))).toMatchObject({
        status: 503,
        code: undefined,
        reason,
        detail: expect.stringContaining(detail),
      });
    },
  );

  it("bounds a slow provider by timeoutMs", async () => {
    const idp = await idpWith();
    idp.fault = "hang";
    const { verifier, sign } = setUp(idp, { timeoutMs: 150 });
    expect(await outcome(verifier.verify(await sign()))).toMatchObject({
      status: 503,
      reason: "discovery_timeout",
      detail: expect.stringContaining("within 150 ms"),
    });
  });

  it("reports key errors to onKeyError without token data", async () => {
    const idp = await idpWith();
    idp.fault = "status-500";
    const events: unknown[] = [];
    const { verifier, sign } = setUp(idp, { onKeyError: (e) => events.push(e) });
    await outcome(verifier.verify(await sign()));
    expect(events).toEqual([
      {
        issuer: idp.issuer,
        url: `${idp.origin}/.well-known/openid-configuration`,
        reason: "discovery_http_status",
        detail: `${idp.origin}/.well-known/openid-configuration answered HTTP 500`,
      },
    ]);
  });

  it("warms up ahead of the first request", async () => {
    const idp = await idpWith();
    const { verifier, sign } = setUp(idp);
    await verifier.warmup();
    expect(idp.jwksHits).toBe(1);
    await verifier.verify(await sign());
    expect(idp.jwksHits).toBe(1);
  });
});

describe("verified-token cache", () => {
  it("answers a repeated token from the cache, and never past exp plus tolerance", async () => {
    const idp = await idpWith();
    const { verifier, clock, sign } = setUp(idp, { clockTolerance: 5 });
    const exp = Math.floor(clock.ms / 1000) + 60;
    const token = await sign({ exp });
    await verifier.verify(token);
    expect(verifier.stats()).toMatchObject({ cachedTokens: 0, cacheHits: 0 }); // admitted on second sight
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifier.stats()).toMatchObject({ cachedTokens: 1, cacheHits: 1 });
    clock.ms = (exp + 5) * 1000 - 1;
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock.ms = (exp + 5) * 1000;
    expect(await outcome(verifier.verify(token))).toMatchObject({ status: 401, reason: "expired" });
  });

  it("drops cached tokens once their key leaves the key set", async () => {
    const idp = await idpWith();
    const { verifier, clock, sign } = setUp(idp);
    const token = await sign();
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifier.stats().cachedTokens).toBe(1);
    await idp.rotate();
    clock.ms += 11 * 60_000; // freshness over: the next hit starts a refresh, which retires the key
    await verifier.verify(token);
    await expect.poll(() => idp.jwksHits).toBe(2);
    expect(await outcome(verifier.verify(token))).toMatchObject({ status: 401, reason: "unknown_key" });
  });

  it("admits a token on its second verification, and stays within maxEntries and maxBytes", async () => {
    const idp = await idpWith();
    const { verifier, sign } = setUp(idp, { tokenCache: { maxEntries: 5, maxBytes: 100_000 } });
    const twice = async (v: typeof verifier, t: string) => {
      await v.verify(t);
      await v.verify(t);
    };
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => sign({ jti: String(i) })));
    for (const token of tokens) {
      await twice(verifier, token);
      expect(verifier.stats().cachedTokens).toBeLessThanOrEqual(5);
    }
    expect(verifier.stats().cachedTokens).toBeGreaterThanOrEqual(2);
    // The latest token is served from the cache; the first was dropped long ago.
    const hits = verifier.stats().cacheHits;
    await verifier.verify(tokens[11]!);
    expect(verifier.stats().cacheHits).toBe(hits + 1);
    await verifier.verify(tokens[0]!);
    expect(verifier.stats().cacheHits).toBe(hits + 1);

    const small = setUp(idp, { tokenCache: { maxEntries: 100, maxBytes: 2_000 } }).verifier;
    for (const token of tokens) {
      await twice(small, token);
      expect(small.stats().cachedTokenBytes).toBeLessThanOrEqual(2_000);
    }
    expect(small.stats().cachedTokens).toBeGreaterThanOrEqual(1);
  });

  it("keeps a token in use across generations of the cache", async () => {
    const idp = await idpWith();
    const { verifier, sign } = setUp(idp, { tokenCache: { maxEntries: 4, maxBytes: 100_000 } });
    const hot = await sign({ jti: "hot" });
    await verifier.verify(hot);
    await verifier.verify(hot);
    for (let i = 0; i < 10; i++) {
      const other = await sign({ jti: `cold-${i}` });
      await verifier.verify(other);
      await verifier.verify(other);
      const hits = verifier.stats().cacheHits;
      await verifier.verify(hot);
      expect(verifier.stats().cacheHits).toBe(hits + 1);
    }
  });

  it("is per verifier: a token accepted for one audience is not served to another", async () => {
    const idp = await idpWith();
    const a = setUp(idp);
    const b = setUp(idp, { audience: "another-api" });
    const token = await a.sign();
    await a.verifier.verify(token);
    await a.verifier.verify(token);
    expect(a.verifier.stats().cachedTokens).toBe(1);
    expect(await outcome(b.verifier.verify(token))).toMatchObject({ status: 401, reason: "audience" });
  });
});
