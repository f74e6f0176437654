/**
 * createTestIssuer() over real HTTP, judged by what a resource server sees: the metadata at every
 * location core looks, the JWKS and its caching header, and core's own verdict on each kind of token.
 */
import { createVerifier } from "@resource-guard/core";
import { createTestIssuer, type TestIssuer } from "@resource-guard/testing";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

async function reasonOf(promise: Promise<unknown>): Promise<{ status: number; reason: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; reason: string };
    return { status: e.status, reason: e.reason };
  }
  throw new Error("the token was accepted");
}

describe("createTestIssuer()", () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ audience: "https://api.example.com" });
  });
  afterAll(async () => {
    await idp.close();
  });

  it("serves OpenID discovery and RFC 8414 metadata naming itself and its JWKS", async () => {
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      const response = await fetch(idp.issuer + path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.json()).toEqual({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` });
    }
    expect(idp.jwksUri).toBe(`${idp.issuer}/jwks`);
    expect(idp.metadataUrl).toBe(`${idp.issuer}/.well-known/openid-configuration`);
  });

  it("serves the public keys with Cache-Control max-age and no private members", async () => {
    const response = await fetch(idp.jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const body = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(body).toEqual(idp.jwks);
    expect(body.keys.map((k) => [k.kid, k.alg, k.kty, k.use])).toEqual([
      ["rs256-1", "RS256", "RSA", "sig"],
      ["es256-1", "ES256", "EC", "sig"],
      ["eddsa-1", "EdDSA", "OKP", "sig"],
    ]);
    for (const key of body.keys) for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
  });

  it("mints RFC 9068 shaped tokens with the default audience and the given claims", async () => {
    const token = await idp.sign({ scope: "orders:read" });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: "rs256-1", typ: "at+jwt" });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: idp.issuer,
      sub: "test-user",
      aud: "https://api.example.com",
      client_id: "test-client",
      iat: expect.any(Number),
      exp: (claims.iat as number) + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      scope: "orders:read",
    });
    expect(Math.abs((claims.iat as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("drops a default claim given as undefined and lets options shape header and times", async () => {
    const token = await idp.sign(
      { sub: undefined, client_id: undefined, azp: "web" },
      { kid: null, typ: null, header: { x5t: "abc" }, expiresIn: 60, notBefore: -10, issuedAt: -20 },
    );
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", x5t: "abc" });
    const claims = decodeJwt(token);
    expect(Object.keys(claims)).toEqual(["iss", "aud", "iat", "nbf", "exp", "jti", "azp"]);
    expect([
      (claims.nbf as number) - (claims.iat as number),
      (claims.exp as number) - (claims.iat as number),
    ]).toEqual([10, 80]);
  });

  it("mints tokens that core's verifier accepts, for RS256, ES256 and EdDSA", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: "https://api.example.com" });
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      const auth = await verifier.verify(await idp.sign({ scope: "orders:read orders:write" }, { alg }));
      expect([auth.header.alg, auth.issuer, auth.scopes]).toEqual([
        alg,
        idp.issuer,
        ["orders:read", "orders:write"],
      ]);
    }
  });

  it("mints each kind of bad token, and core refuses each for its own reason", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: "https://api.example.com" });
    expect(await reasonOf(verifier.verify(await idp.expired()))).toEqual({ status: 401, reason: "expired" });
    expect(await reasonOf(verifier.verify(await idp.notYetValid()))).toEqual({
      status: 401,
      reason: "not_yet_valid",
    });
    expect(await reasonOf(verifier.verify(await idp.wrongAudience()))).toEqual({
      status: 401,
      reason: "audience",
    });
    expect(await reasonOf(verifier.verify(await idp.wrongIssuer()))).toEqual({
      status: 401,
      reason: "issuer",
    });
    expect(await reasonOf(verifier.verify(await idp.unknownKey()))).toEqual({
      status: 401,
      reason: "unknown_key",
    });
    expect(await reasonOf(verifier.verify(await idp.badSignature({}, { alg: "ES256" })))).toEqual({
      status: 401,
      reason: "signature",
    });
    expect(decodeJwt(await idp.wrongAudience()).aud).toBe("https://other-api.test");
    expect(decodeJwt(await idp.wrongIssuer()).iss).toBe("https://other-issuer.test");
    expect(decodeProtectedHeader(await idp.unknownKey()).kid).toBe("unknown-rs256");
    expect(decodeProtectedHeader(await idp.badSignature()).kid).toBe("rs256-1");
  });

  it("counts the requests each endpoint answered", async () => {
    const before = idp.requests;
    await fetch(idp.metadataUrl);
    await fetch(idp.jwksUri);
    await fetch(idp.jwksUri);
    expect(idp.requests).toEqual({
      discovery: before.discovery + 1,
      jwks: before.jwks + 2,
      introspection: 0,
    });
  });

  it("answers 404 off its endpoints and 405 for a POST to the JWKS", async () => {
    const missing = await fetch(`${idp.issuer}/token`);
    expect([missing.status, await missing.json()]).toEqual([404, { error: "not_found" }]);
    const post = await fetch(idp.jwksUri, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
  });
});

describe("createTestIssuer() options", () => {
  const issuers: TestIssuer[] = [];
  const start = async (options: Parameters<typeof createTestIssuer>[0]) => {
    const idp = await createTestIssuer(options);
    issuers.push(idp);
    return idp;
  };
  afterEach(async () => {
    await Promise.all(issuers.splice(0).map((idp) => idp.close()));
  });

  it("serves an issuer under a path, with RFC 8414 metadata in the path-insertion form too", async () => {
    const idp = await start({ path: "/realms/test", algorithms: ["ES256"], alg: "ES256", cacheMaxAge: null });
    const origin = new URL(idp.issuer).origin;
    expect(idp.issuer).toBe(`${origin}/realms/test`);
    const inserted = await fetch(`${origin}/.well-known/oauth-authorization-server/realms/test`);
    expect(await inserted.json()).toEqual({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` });
    const jwks = await fetch(idp.jwksUri);
    expect(jwks.headers.get("cache-control")).toBeNull();
    const verifier = createVerifier({ issuer: idp.issuer, audience: "test-api" });
    expect((await verifier.verify(await idp.sign())).header).toEqual({
      alg: "ES256",
      kid: "es256-1",
      typ: "at+jwt",
    });
  });

  it("adds metadata members and extra JWKs verbatim, to imitate a provider's quirks", async () => {
    const extra = { kty: "oct", kid: "hmac", k: "c2VjcmV0" };
    const idp = await start({
      algorithms: ["EdDSA"],
      alg: "EdDSA",
      metadata: { issuer: "https://elsewhere" },
      extraJwks: [extra],
    });
    expect(await (await fetch(idp.metadataUrl)).json()).toEqual({
      issuer: "https://elsewhere",
      jwks_uri: idp.jwksUri,
    });
    expect(idp.jwks.keys.map((k) => k.kid)).toEqual(["eddsa-1", "hmac"]);
    const moved = await start({
      algorithms: ["ES256"],
      metadata: (issuer) => ({ jwks_uri: `${issuer}/moved` }),
    });
    expect(await (await fetch(moved.metadataUrl)).json()).toEqual({
      issuer: moved.issuer,
      jwks_uri: `${moved.issuer}/moved`,
    });
  });

  it("refuses unknown and ill-typed options with a TypeError that names the fix", async () => {
    await expect(createTestIssuer({ audiance: "x" } as never)).rejects.toThrow(
      '@resource-guard/testing: unknown option "audiance"; the options are audience, alg, algorithms, expiresIn, typ, path, cacheMaxAge, metadata, extraJwks, introspection',
    );
    await expect(createTestIssuer({ alg: "HS256" as never })).rejects.toThrow(
      '@resource-guard/testing: "alg" must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA (got "HS256")',
    );
    await expect(createTestIssuer({ path: "realms/x" })).rejects.toThrow(TypeError);
    await expect(createTestIssuer({ cacheMaxAge: -1 })).rejects.toThrow(TypeError);
    await expect(createTestIssuer({ audience: [] })).rejects.toThrow(TypeError);
    const idp = await start({ algorithms: ["ES256"] });
    await expect(idp.sign({}, { alg: "PS256" })).rejects.toThrow(
      '@resource-guard/testing: no PS256 key is published; add "PS256" to the "algorithms" option',
    );
    await expect(idp.sign({}, { key: "previous", alg: "ES256" })).rejects.toThrow(
      "@resource-guard/testing: there is no previous ES256 key; call rotate() first",
    );
    expect(() => idp.issueOpaque()).toThrow("issueOpaque() needs createTestIssuer({ introspection: true })");
  });

  it("closes once, and is unreachable afterwards", async () => {
    const idp = await createTestIssuer({ algorithms: ["ES256"] });
    await Promise.all([idp.close(), idp.close()]);
    await expect(fetch(idp.jwksUri)).rejects.toThrow(TypeError);
  });
});

describe("rotate()", () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ["ES256", "EdDSA"], alg: "ES256" });
  });
  afterAll(async () => {
    await idp.close();
  });

  it("publishes new keys, keeps the old ones until retire(), and core follows both steps", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: "test-api", tokenCache: false });
    const before = await idp.sign();
    await verifier.verify(before);
    await idp.rotate();
    expect(idp.jwks.keys.map((k) => k.kid)).toEqual(["es256-2", "eddsa-2", "es256-1", "eddsa-1"]);
    const after = await idp.sign();
    expect(decodeProtectedHeader(after).kid).toBe("es256-2");
    // The unknown kid makes core refetch at once; the old key is still published.
    await verifier.verify(after);
    await verifier.verify(before);
    await verifier.verify(await idp.sign({}, { key: "previous" }));
    idp.retire();
    expect(idp.jwks.keys.map((k) => k.kid)).toEqual(["es256-2", "eddsa-2"]);
    const fresh = createVerifier({ issuer: idp.issuer, audience: "test-api" });
    expect(await reasonOf(fresh.verify(before))).toEqual({ status: 401, reason: "unknown_key" });
  });

  it("removes the previous keys at once with graceMs 0, and after graceMs otherwise", async () => {
    await idp.rotate({ graceMs: 0 });
    expect(idp.jwks.keys.map((k) => k.kid)).toEqual(["es256-3", "eddsa-3"]);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      await idp.rotate({ graceMs: 60_000 });
      expect(idp.jwks.keys).toHaveLength(4);
      vi.advanceTimersByTime(59_999);
      expect(idp.jwks.keys).toHaveLength(4);
      vi.advanceTimersByTime(1);
      expect(idp.jwks.keys.map((k) => k.kid)).toEqual(["es256-4", "eddsa-4"]);
    } finally {
      vi.useRealTimers();
    }
    await expect(idp.rotate({ graceMs: -1 })).rejects.toThrow(TypeError);
  });
});
