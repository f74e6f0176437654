import {
  type AuthResult,
  assertScopes,
  createVerifier,
  formatChallenges,
  InvalidTokenError,
} from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

async function failure(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: { status: number; code?: string; reason: string; headers: Record<string, string> }) => ({
      status: e.status,
      code: e.code,
      reason: e.reason,
      headers: e.headers,
    }),
  );
}

describe("the challenge model", () => {
  const context = { realm: "api", resourceMetadata: undefined, bearer: true, dpopAlgs: undefined };

  it("offers Bearer first, then DPoP with algs, with the error on the scheme the request used", () => {
    const both = {
      ...context,
      dpopAlgs: ["ES256", "EdDSA"],
      resourceMetadata: "https://api.test/.well-known/x",
    };
    expect(formatChallenges(both, {})).toBe(
      'Bearer realm="api", resource_metadata="https://api.test/.well-known/x", DPoP realm="api", algs="ES256 EdDSA", resource_metadata="https://api.test/.well-known/x"',
    );
    expect(formatChallenges(both, { scheme: "DPoP", error: "invalid_token", errorDescription: "x y" })).toBe(
      'Bearer realm="api", resource_metadata="https://api.test/.well-known/x", DPoP realm="api", algs="ES256 EdDSA", error="invalid_token", error_description="x y", resource_metadata="https://api.test/.well-known/x"',
    );
    expect(formatChallenges({ ...both, bearer: false }, { scheme: "Bearer", scope: "a b" })).toBe(
      'DPoP realm="api", algs="ES256 EdDSA", scope="a b", resource_metadata="https://api.test/.well-known/x"',
    );
  });

  it("re-issues an error's challenge for a verifier's context, scheme and the route's scopes", () => {
    const error = new InvalidTokenError("expired", "api").rechallenge(
      { ...context, realm: "orders" },
      "Bearer",
      ["orders:read"],
    );
    expect(error.headers).toEqual({
      "WWW-Authenticate":
        'Bearer realm="orders", error="invalid_token", error_description="The token has expired", scope="orders:read"',
    });
  });
});

describe("the request model", () => {
  it("authenticates a Fetch API Request as is", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await idp.sign({ sub: "u1", aud: AUDIENCE, scope: "orders:read" });
    const request = new Request("https://api.example.com/orders", {
      headers: { authorization: `Bearer ${token}` },
    });
    const auth = await verifier.authenticate(request);
    expect(auth).toMatchObject({ scheme: "Bearer", binding: undefined, scopes: ["orders:read"] });
    expect(await failure(verifier.authenticate(new Request("https://api.example.com/orders")))).toEqual({
      status: 401,
      code: undefined,
      reason: "no_credentials",
      headers: { "WWW-Authenticate": 'Bearer realm="api"' },
    });
  });

  it("treats the DPoP scheme as no credentials while DPoP is not configured", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await idp.sign({ sub: "u1", aud: AUDIENCE });
    expect(
      await failure(verifier.authenticate({ headers: { authorization: `DPoP ${token}` } })),
    ).toMatchObject({
      status: 401,
      reason: "no_credentials",
    });
  });

  it("refuses a certificate-bound token where the binding cannot be checked (no mtls option)", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await idp.sign({
      sub: "u1",
      aud: AUDIENCE,
      cnf: { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" },
    });
    expect(
      await failure(verifier.authenticate({ headers: { authorization: `Bearer ${token}` } })),
    ).toMatchObject({
      status: 401,
      code: "invalid_token",
      reason: "certificate_required",
    });
    expect(await failure(verifier.verify(token))).toMatchObject({
      status: 401,
      reason: "certificate_required",
    });
  });

  it("refuses a cnf binding member of the wrong type as a malformed claim", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    for (const cnf of [{ jkt: 1 }, { "x5t#S256": "" }, "jkt", [1]]) {
      const token = await idp.sign({ sub: "u1", aud: AUDIENCE, cnf });
      expect(await failure(verifier.verify(token))).toMatchObject({ status: 401, reason: "claim_type" });
    }
  });

  it("answers a 401 with the route's scopes when the caller names them", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE, realm: "orders" });
    const error = await failure(
      verifier.authenticate({ headers: {} }, { scopes: ["orders:read", "orders:write"] }),
    );
    expect(error.headers).toEqual({
      "WWW-Authenticate": 'Bearer realm="orders", scope="orders:read orders:write"',
    });
  });

  it("builds a 403 with the realm of the verifier that made the result, even from a copy", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE, realm: "orders" });
    const token = await idp.sign({ sub: "u1", aud: AUDIENCE, scope: "a" });
    const auth = await verifier.verify(token);
    const copy: AuthResult = { ...auth };
    for (const check of [() => assertScopes(copy, ["b"]), () => verifier.assertScopes(auth, ["b"])]) {
      expect(check).toThrow(
        expect.objectContaining({
          status: 403,
          headers: { "WWW-Authenticate": 'Bearer realm="orders", error="insufficient_scope", scope="b"' },
        }),
      );
    }
    expect(JSON.stringify(copy)).not.toContain('orders"');
  });
});
