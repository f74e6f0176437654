/**
 * DPoP helpers (RFC 9449 §4.2): every member of a proof is what the RFC says, the proof verifies with
 * the key in its own header, and `jkt` is that key's RFC 7638 thumbprint.
 */
import { createHash } from "node:crypto";
import { createVerifier } from "@resource-guard/core";
import { createTestIssuer, dpopKeyPair, dpopProof } from "@resource-guard/testing";
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";

describe("dpopKeyPair() and dpopProof()", () => {
  it("makes a proof with typ, alg and the public jwk, and htm, htu, iat, jti, ath, nonce", async () => {
    const key = await dpopKeyPair();
    expect(key.jkt).toBe(await calculateJwkThumbprint(key.publicJwk, "sha256"));
    expect(Object.keys(key.publicJwk).sort()).toEqual(["crv", "kty", "x", "y"]);
    const proof = await dpopProof(key, {
      htm: "POST",
      htu: "https://api.example.com/orders?page=2#top",
      accessToken: "the-token",
      nonce: "n-1",
    });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt" });
    expect(protectedHeader).toEqual({ typ: "dpop+jwt", alg: "ES256", jwk: { ...key.publicJwk } });
    expect(payload).toEqual({
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      htm: "POST",
      htu: "https://api.example.com/orders",
      iat: expect.any(Number),
      ath: createHash("sha256").update("the-token").digest("base64url"),
      nonce: "n-1",
    });
  });

  it("signs with EdDSA or RS256 keys too, and lets a test replace any member", async () => {
    for (const alg of ["EdDSA", "RS256"] as const) {
      const key = await dpopKeyPair({ alg });
      const proof = await key.proof({
        htm: "GET",
        htu: "https://api.example.com/",
        iat: 1_000,
        jti: "fixed",
        claims: { htm: "PUT" },
        header: { typ: "jwt" },
      });
      expect(decodeProtectedHeader(proof)).toMatchObject({ typ: "jwt", alg });
      const { payload } = await jwtVerify(proof, EmbeddedJWK, { currentDate: new Date(1_000_000) });
      expect(payload).toEqual({ jti: "fixed", htm: "PUT", htu: "https://api.example.com/", iat: 1_000 });
    }
  });

  it("refuses a proof without an absolute htu", async () => {
    const key = await dpopKeyPair();
    await expect(key.proof({ htm: "GET", htu: "/orders" })).rejects.toThrow(
      '@resource-guard/testing: "htu" must be the absolute URL of the request',
    );
  });

  it("binds a token to the key with cnf.jkt, which core refuses as a bearer token", async () => {
    const idp = await createTestIssuer({ algorithms: ["ES256"], alg: "ES256" });
    try {
      const key = await dpopKeyPair();
      const token = await idp.sign({ cnf: { jkt: key.jkt } });
      const verifier = createVerifier({ issuer: idp.issuer, audience: idp.audience });
      await expect(verifier.verify(token)).rejects.toMatchObject({
        status: 401,
        reason: "sender_constrained",
      });
    } finally {
      await idp.close();
    }
  });
});
