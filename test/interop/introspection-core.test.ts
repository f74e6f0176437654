/**
 * What introspection promises the identity provider, shown with core's verifier and counted at the
 * provider: one request for many concurrent requests with the same token even with caching off
 * (single flight); one request per token for a fleet sharing a cache; a flood of random opaque tokens
 * held to the outbound budget, which key fetches share; a failing shared cache answering 503, never
 * falling through to the provider. Binding: a DPoP-bound opaque token issued by oidc-provider is
 * refused as a bearer token, since its introspection answer carries `cnf.jkt`.
 *
 * JWTs sent to introspection (`jwts: true`) need a provider that introspects its JWTs, which
 * oidc-provider does not; a TestIdp signs them and a small RFC 7662 endpoint answers for them.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuthResult,
  createVerifier,
  type IntrospectionCache,
  type VerifierOptions,
} from "@resource-guard/core";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { type AuthorizationServer, startAuthorizationServer } from "./authorization-server.js";
import { requestToken } from "./vendors/vendor-server.js";

const ORDERS = "https://api.example.com/orders";
const INTEGRATOR = { id: "billing-service", secret: "billing-service-secret-0123456789" };
const API = { id: "orders-api", secret: "orders-api-secret-0123456789" };

let as: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: { [ORDERS]: { scope: "orders:read", format: "opaque" } },
    clients: {
      [INTEGRATOR.id]: { secret: INTEGRATOR.secret, auth: "client_secret_basic" },
      [API.id]: { secret: API.secret, auth: "client_secret_basic" },
    },
  });
});
afterAll(() => as.close());

const introspections = () => as.counts.get("/token/introspection") ?? 0;

async function opaqueToken(headers: Record<string, string> = {}): Promise<string> {
  if (Object.keys(headers).length === 0) {
    const res = await requestToken(as.tokenEndpoint, INTEGRATOR, { resource: ORDERS, scope: "orders:read" });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }
  const basic = Buffer.from(`${INTEGRATOR.id}:${INTEGRATOR.secret}`).toString("base64");
  const res = await fetch(as.tokenEndpoint, {
    method: "POST",
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: ORDERS, scope: "orders:read" }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status).toBe(200);
  return body.access_token as string;
}

function options(extra: Partial<VerifierOptions> = {}, introspection: object = {}): VerifierOptions {
  return {
    issuer: as.issuer,
    audience: ORDERS,
    introspection: {
      clientId: API.id,
      clientSecret: API.secret,
      endpoint: as.introspectionEndpoint,
      ...introspection,
    },
    ...extra,
  };
}

/** A shared cache as a fleet's Redis would be: values go through JSON, entries expire. */
function createSharedCache(now: () => number) {
  const entries = new Map<string, { json: string; untilMs: number }>();
  const cache: IntrospectionCache = {
    async get(key) {
      const entry = entries.get(key);
      return entry && entry.untilMs > now() ? JSON.parse(entry.json) : undefined;
    },
    async set(key, value, ttlMs) {
      entries.set(key, { json: JSON.stringify(value), untilMs: now() + ttlMs });
    },
  };
  return { cache, entries };
}

describe("core's verifier and the provider's load", () => {
  it("sends one request for twenty concurrent verifications of a new token, even with caching off", async () => {
    const verifier = createVerifier(options({}, { maxCacheMs: 0, inactiveCacheMs: 0 }));
    const token = await opaqueToken();
    const release = as.holdIntrospection();
    const before = introspections();
    const pending = Array.from({ length: 20 }, () => verifier.verify(token));
    for (let i = 0; i < 200 && as.held === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(as.held).toBe(1);
    release();
    const results = await Promise.all(pending);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toMatchObject({ introspected: true, scopes: ["orders:read"], issuer: as.issuer });
    expect(introspections() - before).toBe(1);
    // Caching off: the next verification asks again.
    await verifier.verify(token);
    expect(introspections() - before).toBe(2);
  });

  it("lets a fleet sharing a cache ask once per token, and keeps the token out of the cache", async () => {
    const now = () => Date.now();
    const { cache, entries } = createSharedCache(now);
    const fleet = [1, 2, 3].map(() => createVerifier(options({}, { cache })));
    const token = await opaqueToken();
    const before = introspections();
    for (const verifier of fleet) {
      await expect(verifier.verify(token)).resolves.toMatchObject({
        introspected: true,
        scopes: ["orders:read"],
      });
    }
    expect(introspections() - before).toBe(1);
    const [key, entry] = [...entries][0]!;
    expect(entries.size).toBe(1);
    expect(key).toMatch(/^introspection:[A-Za-z0-9_-]{43}$/);
    expect(entry.json).not.toContain(token);
    expect(JSON.parse(entry.json)).toMatchObject({
      v: 1,
      active: true,
      members: { active: true, aud: ORDERS },
    });
  });

  it("answers 503 when the shared cache throws or is too slow, without asking the provider", async () => {
    const token = await opaqueToken();
    const before = introspections();
    const failing: IntrospectionCache = {
      get: () => {
        throw new Error("ECONNREFUSED 127.0.0.1:6379");
      },
      set: () => undefined,
    };
    const slow: IntrospectionCache = { get: () => new Promise(() => undefined), set: () => undefined };
    const rejecting: IntrospectionCache = {
      get: async () => undefined,
      set: async () => Promise.reject(new Error("READONLY")),
    };
    for (const cache of [failing, slow, rejecting]) {
      const verifier = createVerifier(options({}, { cache, cacheTimeoutMs: 50 }));
      const error = await verifier.verify(token).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 503,
        message: "A required store is unavailable; try again later",
        headers: { "Retry-After": "1" },
      });
      expect(JSON.stringify(error)).not.toContain(token);
    }
    // Only the cache that failed on write let a request through to the provider.
    expect(introspections() - before).toBe(1);
  });

  it("treats a shared-cache value of another shape as absent", async () => {
    const token = await opaqueToken();
    const junk: IntrospectionCache = {
      get: () => ({ v: 1, active: true, until: 9e15 }),
      set: () => undefined,
    };
    const before = introspections();
    await expect(createVerifier(options({}, { cache: junk })).verify(token)).resolves.toMatchObject({
      introspected: true,
    });
    expect(introspections() - before).toBe(1);
  });

  it("holds a flood of random opaque tokens to the outbound budget", async () => {
    const clock = { ms: Date.now() };
    const events: unknown[] = [];
    const verifier = createVerifier(
      options({ now: () => clock.ms }, { onError: (e: unknown) => events.push(e) }),
    );
    const before = introspections();
    const outcomes = new Map<string, number>();
    // 40 requests may go at once (the burst), then 20 per second.
    for (let second = 0; second < 3; second++) {
      const flood = Array.from({ length: 100 }, (_, i) =>
        verifier.verify(`random-${second}-${i}-${Math.random().toString(36).slice(2)}`),
      );
      for (const result of await Promise.allSettled(flood)) {
        const key =
          result.status === "fulfilled" ? "accepted" : `${(result.reason as { status: number }).status}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      clock.ms += 1000;
    }
    // The burst of 40, then 20 for each of the two seconds that passed.
    expect(introspections() - before).toBe(80);
    expect(Object.fromEntries(outcomes)).toEqual({ "401": 80, "503": 220 });
    // One event per episode of refusals (each simulated second), not one per refused request.
    const reason = `outbound request budget for ${new URL(as.issuer).origin} is spent`;
    expect(events).toEqual(
      [1, 2, 3].map(() => ({ issuer: as.issuer, url: as.introspectionEndpoint, reason })),
    );
  });

  it("shares the budget with key fetches to the same provider", async () => {
    const idp = await startTestIdp();
    try {
      const clock = { ms: Date.now() };
      const verifier = createVerifier({
        issuer: idp.issuer,
        audience: "orders-api",
        now: () => clock.ms,
        outboundBudget: { requestsPerSecond: 1, burst: 2 },
        introspection: { clientId: API.id, clientSecret: API.secret },
      });
      const jwt = await idp.sign({ aud: "orders-api" });
      // Discovery and the key set take the two requests the burst allows.
      await expect(verifier.verify(jwt)).resolves.toMatchObject({ issuer: idp.issuer });
      const error = await verifier.verify("an-opaque-token-0123456789").catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 503,
        message: "Token introspection is unavailable; try again later",
        headers: { "Retry-After": "1" },
      });
      // A key fetch beyond the budget is 503 too: a token signed by a key the set does not hold yet.
      const rotated = await idp.rotate("RS256");
      const keysError = await verifier
        .verify(await idp.sign({ aud: "orders-api" }, { key: rotated }))
        .catch((e: unknown) => e);
      expect(keysError).toMatchObject({
        status: 503,
        message: "The signing keys are unavailable; try again later",
        headers: { "Retry-After": "1" },
      });
      expect(idp.jwksHits).toBe(1);
    } finally {
      await idp.close();
    }
  });

  it("refuses a DPoP-bound opaque token presented as a bearer token: the binding stage reads cnf", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk = await exportJWK(publicKey);
    const proof = await new SignJWT({ htm: "POST", htu: as.tokenEndpoint, jti: `jti-${Math.random()}` })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
      .setIssuedAt()
      .sign(privateKey);
    const token = await opaqueToken({ dpop: proof });
    const verifier = createVerifier(options());
    const error = await verifier.verify(token).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, reason: "sender_constrained" });
    // The answer itself was the provider's: it names the key the token is bound to.
    const loose = createVerifier(options({ rejectDPoPBoundTokens: false }));
    const auth = (await loose.verify(token)) as AuthResult;
    expect(auth.binding).toEqual({ kind: "dpop", jkt: await calculateJwkThumbprint(jwk) });
    expect(auth.claims).toMatchObject({
      token_type: "DPoP",
      cnf: { jkt: await calculateJwkThumbprint(jwk) },
    });
  });
});

describe("warmup", () => {
  it("discovers the introspection endpoint, and says so when the metadata has none", async () => {
    const before = as.counts.get("/.well-known/openid-configuration") ?? 0;
    await createVerifier(options({}, { endpoint: undefined })).warmup();
    expect((as.counts.get("/.well-known/openid-configuration") ?? 0) - before).toBeGreaterThanOrEqual(1);
    const idp = await startTestIdp();
    try {
      const verifier = createVerifier({
        issuer: idp.issuer,
        audience: "orders-api",
        introspection: { clientId: API.id, clientSecret: API.secret },
      });
      await expect(verifier.warmup()).rejects.toThrow(
        `${idp.issuer}/.well-known/openid-configuration has no "introspection_endpoint"; configure "introspection.endpoint"`,
      );
    } finally {
      await idp.close();
    }
  });
});

describe("JWTs sent to introspection too (jwts: true)", () => {
  let idp: TestIdp;
  let endpoint: Server;
  let endpointUrl: string;
  const answers = new Map<string, Record<string, unknown>>();
  let calls = 0;

  beforeAll(async () => {
    idp = await startTestIdp();
    endpoint = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        calls++;
        const token = new URLSearchParams(body).get("token") ?? "";
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answers.get(token) ?? { active: false }));
      });
    });
    endpoint.listen(0, "127.0.0.1");
    await once(endpoint, "listening");
    endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/introspect`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    await idp.close();
  });

  function jwtVerifier() {
    return createVerifier({
      issuer: idp.issuer,
      audience: "orders-api",
      introspection: { clientId: API.id, clientSecret: API.secret, endpoint: endpointUrl, jwts: true },
    });
  }

  it("verifies a JWT locally, then takes the provider's answer as its claims", async () => {
    const verifier = jwtVerifier();
    const jwt = await idp.sign({ aud: "orders-api", scope: "orders:read", sub: "svc" });
    const exp = Math.floor(Date.now() / 1000) + 300;
    answers.set(jwt, {
      active: true,
      iss: idp.issuer,
      aud: "orders-api",
      exp,
      scope: "orders:read",
      sub: "svc",
    });
    const before = calls;
    const auth = await verifier.verify(jwt);
    expect(auth).toMatchObject({ introspected: true, scopes: ["orders:read"], header: { alg: "RS256" } });
    expect(auth.claims).toEqual({
      active: true,
      iss: idp.issuer,
      aud: "orders-api",
      exp,
      scope: "orders:read",
      sub: "svc",
    });
    expect(await verifier.verify(jwt)).toBe(auth);
    expect(calls - before).toBe(1);
  });

  it("refuses a JWT the provider calls inactive (revoked), and a forged one without asking", async () => {
    const verifier = jwtVerifier();
    const before = calls;
    const revoked = await idp.sign({ aud: "orders-api", jti: "revoked" });
    await expect(verifier.verify(revoked)).rejects.toMatchObject({ status: 401, reason: "inactive" });
    expect(calls - before).toBe(1);
    const [header, payload] = revoked.split(".");
    await expect(verifier.verify(`${header}.${payload}.${"A".repeat(342)}`)).rejects.toMatchObject({
      status: 401,
      reason: "signature",
    });
    expect(calls - before).toBe(1);
  });
});
