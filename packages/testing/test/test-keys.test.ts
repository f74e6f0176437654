/**
 * createTestKeys(): the static form, without a server. Its tokens are checked against its `jwks` by
 * core's verifier (the `jwks` option: nothing fetched) and by jose, as any JWKS-based verifier would.
 */
import { createVerifier } from "@resource-guard/core";
import { createTestKeys } from "@resource-guard/testing";
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";

describe("createTestKeys()", () => {
  it("mints tokens that verify against its JWK Set object", async () => {
    const keys = await createTestKeys({ audience: "orders-api" });
    expect(keys.issuer).toBe("https://issuer.test");
    expect(keys.audience).toBe("orders-api");
    const jwks = createLocalJWKSet(keys.jwks);
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      const { payload, protectedHeader } = await jwtVerify(await keys.sign({ scope: "a b" }, { alg }), jwks, {
        issuer: "https://issuer.test",
        audience: "orders-api",
        typ: "at+jwt",
      });
      expect([protectedHeader.alg, payload.scope, payload.sub]).toEqual([alg, "a b", "test-user"]);
    }
  });

  it("pairs with core's jwks option: good tokens pass, each bad one fails for its reason, nothing is fetched", async () => {
    const keys = await createTestKeys({ audience: "orders-api" });
    const fetched: string[] = [];
    const verifier = createVerifier({
      issuer: keys.issuer,
      audience: "orders-api",
      jwks: keys.jwks,
      fetch: async (url) => {
        fetched.push(url);
        throw new Error("no network in this test");
      },
    });
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      const auth = await verifier.verify(await keys.sign({ scope: "orders:read" }, { alg }));
      expect([auth.header.alg, auth.scopes]).toEqual([alg, ["orders:read"]]);
    }
    const reason = (token: string) =>
      verifier.verify(token).then(
        () => "accepted",
        (error: { reason: string }) => error.reason,
      );
    expect(await reason(await keys.expired())).toBe("expired");
    expect(await reason(await keys.notYetValid())).toBe("not_yet_valid");
    expect(await reason(await keys.wrongAudience())).toBe("audience");
    expect(await reason(await keys.wrongIssuer())).toBe("issuer");
    expect(await reason(await keys.unknownKey())).toBe("unknown_key");
    expect(await reason(await keys.badSignature())).toBe("signature");
    expect(fetched).toEqual([]);
  });

  it("returns a fresh copy of the set each time, holding public members only", async () => {
    const keys = await createTestKeys({
      issuer: "https://idp.example.com",
      algorithms: ["ES256"],
      alg: "ES256",
    });
    const first = keys.jwks;
    first.keys.length = 0;
    expect(keys.jwks.keys).toHaveLength(1);
    expect(Object.keys(keys.jwks.keys[0] as object).sort()).toEqual([
      "alg",
      "crv",
      "kid",
      "kty",
      "use",
      "x",
      "y",
    ]);
  });

  it("makes bad tokens that a JWKS verifier refuses for the expected reason", async () => {
    const keys = await createTestKeys({ algorithms: ["ES256"], alg: "ES256" });
    const jwks = createLocalJWKSet(keys.jwks);
    const check = (token: string) =>
      jwtVerify(token, jwks, { issuer: keys.issuer, audience: "test-api" }).then(
        () => "accepted",
        (error: { code: string; claim?: string }) => `${error.code}${error.claim ? ` ${error.claim}` : ""}`,
      );
    expect(await check(await keys.sign())).toBe("accepted");
    expect(await check(await keys.expired())).toBe("ERR_JWT_EXPIRED exp");
    expect(await check(await keys.notYetValid())).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED nbf");
    expect(await check(await keys.wrongAudience())).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED aud");
    expect(await check(await keys.wrongIssuer())).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED iss");
    expect(await check(await keys.unknownKey())).toBe(new errors.JWKSNoMatchingKey().code);
    expect(await check(await keys.badSignature())).toBe("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  });

  it("rotates: the previous key stays in the set until retired", async () => {
    const keys = await createTestKeys({ algorithms: ["EdDSA"], alg: "EdDSA" });
    const old = await keys.sign();
    await keys.rotate();
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual(["eddsa-2", "eddsa-1"]);
    expect(decodeProtectedHeader(await keys.sign()).kid).toBe("eddsa-2");
    await jwtVerify(old, createLocalJWKSet(keys.jwks));
    keys.retire();
    await expect(jwtVerify(old, createLocalJWKSet(keys.jwks))).rejects.toThrow(errors.JWKSNoMatchingKey);
  });

  it("refuses options it does not know", async () => {
    await expect(createTestKeys({ path: "/x" } as never)).rejects.toThrow(
      '@resource-guard/testing: unknown option "path"; the options are audience, alg, algorithms, expiresIn, typ, issuer',
    );
    await expect(createTestKeys({ issuer: "" })).rejects.toThrow('"issuer" must be a non-empty string');
  });
});
