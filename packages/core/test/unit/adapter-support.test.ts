import { assertClaims, createVerifier, parseRequiredScopes, resolveVerifier } from "@resource-guard/core";
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
