import {
  assertClaims,
  createVerifier,
  parseRequiredScopes,
  resolveBearerAuth,
  resolveVerifier,
} from "@resource-guard/core";
import { describe, expect, it } from "vitest";

const options = { issuer: "https://idp.example.com", audience: "api" };
const auth = Object.freeze({
  token: "t",
  header: { alg: "RS256" },
  claims: { tenant: "acme" },
  scopes: [],
  issuer: "x",
  scheme: "Bearer" as const,
});

describe("resolveVerifier", () => {
  it("builds a verifier from options, or passes a shared one through", () => {
    expect(typeof resolveVerifier(options, "bearerAuth()").verify).toBe("function");
    const shared = createVerifier(options);
    expect(resolveVerifier({ verifier: shared }, "bearerAuth()")).toBe(shared);
  });

  it("refuses { verifier } mixed with options, or something that is not a verifier", () => {
    expect(() =>
      resolveVerifier({ verifier: createVerifier(options), audience: "x" } as never, "bearerAuth()"),
    ).toThrow(
      "resource-guard: bearerAuth() takes either { verifier } or verifier options, not both (got audience too)",
    );
    expect(() => resolveVerifier({ verifier: {} } as never, "bearerAuth()")).toThrow(
      "resource-guard: bearerAuth() got { verifier } that is not one made by createVerifier()",
    );
  });
});

describe("resolveBearerAuth", () => {
  const readers = Object.freeze({ absoluteUrl: () => "https://api.example.com/orders" });

  it("hands the adapter's readers through as they are when there is nothing to add", () => {
    const setup = resolveBearerAuth(options, readers);
    expect(setup.required).toBeUndefined();
    expect(setup.readers).toBe(readers);
    const shared = createVerifier(options);
    expect(resolveBearerAuth({ verifier: shared }, readers).verifier).toBe(shared);
  });

  it("adds the middleware's own scopes (validated once) or credentialsRequired: false to the readers", () => {
    const scoped = resolveBearerAuth({ ...options, scopes: ["orders:read", "orders:read"] }, readers);
    expect(scoped.required?.scopes).toEqual(["orders:read"]);
    expect(scoped.readers).toEqual({ ...readers, scopes: ["orders:read"] });
    expect(Object.isFrozen(scoped.readers)).toBe(true);
    const optional = resolveBearerAuth({ ...options, credentialsRequired: false }, readers);
    expect(optional.required).toBeUndefined();
    expect(optional.readers).toEqual({ ...readers, credentialsRequired: false });
  });

  it("refuses scopes without credentials, and a scope that is not one word, naming the call", () => {
    expect(() => resolveBearerAuth({ ...options, scopes: "a", credentialsRequired: false }, readers)).toThrow(
      'resource-guard: bearerAuth() got "scopes" and "credentialsRequired: false"; a route that requires scopes requires credentials',
    );
    expect(() => resolveBearerAuth({ ...options, scopes: ["two words"] }, readers)).toThrow(TypeError);
  });
});

describe("assertClaims", () => {
  it("passes when the check returns true, and answers 401 claim_rule otherwise or when it throws", () => {
    expect(() => assertClaims(auth, (claims) => claims.tenant === "acme")).not.toThrow();
    for (const check of [
      () => false,
      () => 1 as never,
      () => {
        throw new Error("bug");
      },
    ]) {
      expect(() => assertClaims(auth, check)).toThrow(
        expect.objectContaining({ status: 401, code: "invalid_token", reason: "claim_rule" }),
      );
    }
  });
});

describe("parseRequiredScopes", () => {
  it("takes scopes as arguments or arrays, deduplicated, frozen", () => {
    const scopes = parseRequiredScopes(["a", ["b", "a"]]);
    expect(scopes).toEqual(["a", "b"]);
    expect(Object.isFrozen(scopes)).toBe(true);
  });

  it("refuses an empty list or a scope that is not one scope-token", () => {
    expect(() => parseRequiredScopes([], "requireScopes")).toThrow(
      "requireScopes() needs at least one scope",
    );
    expect(() => parseRequiredScopes(["a b"], "requireAnyScope")).toThrow(/requireAnyScope\(\) got "a b"/);
    expect(() => parseRequiredScopes(['a"'])).toThrow(TypeError);
  });
});
