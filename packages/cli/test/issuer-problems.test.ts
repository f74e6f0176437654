/**
 * The judgements `discover` makes that need an issuer off loopback (which the suite never contacts),
 * tested on the pure functions, plus key sizes and caching rules.
 */
import { describe, expect, it } from "vitest";
import {
  cacheProblems,
  describeKey,
  issuerProblems,
  keyProblems,
  maxAgeOf,
  refreshSeconds,
} from "../src/commands/issuer-problems.js";

describe("issuerProblems()", () => {
  it("flags http: off loopback for the issuer and the jwks_uri, and allows it on loopback", () => {
    expect(
      issuerProblems("http://idp.example.com", "http://idp.example.com", "http://idp.example.com/jwks"),
    ).toEqual([
      {
        severity: "error",
        code: "insecure-http",
        message:
          "the issuer is http: off loopback; keys fetched over plain HTTP can be replaced on the way (resource-guard refuses it unless allowInsecureHttp is set)",
      },
      {
        severity: "error",
        code: "insecure-jwks-uri",
        message: "the jwks_uri is not https: (http://idp.example.com/jwks)",
      },
    ]);
    expect(
      issuerProblems("http://localhost:8080", "http://localhost:8080", "http://127.0.0.1:8080/jwks"),
    ).toEqual([]);
    expect(
      issuerProblems("https://idp.example.com", "https://idp.example.com", "https://keys.example.com/"),
    ).toEqual([]);
  });

  it("flags a missing or unusable jwks_uri", () => {
    expect(issuerProblems("https://a.example", "https://a.example", undefined).map((p) => p.code)).toEqual([
      "no-jwks-uri",
    ]);
    expect(issuerProblems("https://a.example", "https://a.example", "not a url").map((p) => p.code)).toEqual([
      "no-jwks-uri",
    ]);
  });
});

describe("keys", () => {
  it("measures RSA moduli in bits and names curves", () => {
    // 2048-bit modulus: 256 bytes, top bit set.
    const n = Buffer.concat([Buffer.from([0x80]), Buffer.alloc(255, 1)]).toString("base64url");
    expect(describeKey({ kty: "RSA", n, e: "AQAB" }).size).toBe("2048 bits");
    expect(describeKey({ kty: "RSA", n: Buffer.from([0, 1, 255]).toString("base64url") }).rsaBits).toBe(9);
    expect(describeKey({ kty: "OKP", crv: "Ed448", x: "" }).size).toBe("Ed448");
  });

  it("flags a set without a signing key, and keys without kid in a set of several", () => {
    expect(keyProblems([]).map((p) => p.code)).toEqual(["no-signing-keys"]);
    const key = describeKey({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(keyProblems([key, key]).map((p) => p.message)).toEqual([
      'key #1 has no "kid" in a set of 2; tokens cannot name it',
      'key #2 has no "kid" in a set of 2; tokens cannot name it',
    ]);
    expect(keyProblems([describeKey({ kty: "EC", use: "enc", kid: "e" })]).map((p) => p.code)).toEqual([
      "no-signing-keys",
      "no-alg",
    ]);
  });
});

describe("caching", () => {
  it("reads max-age as core does, and clamps the refresh to [1 min, 24 h] with 10 min by default", () => {
    expect(maxAgeOf("public, max-age=300")).toBe(300);
    expect(maxAgeOf("no-store")).toBe(0);
    expect(maxAgeOf("private")).toBeUndefined();
    expect(maxAgeOf(null)).toBeUndefined();
    expect([
      refreshSeconds(undefined),
      refreshSeconds(0),
      refreshSeconds(30),
      refreshSeconds(10 ** 6),
    ]).toEqual([600, 60, 60, 86_400]);
    expect(cacheProblems("no-cache").map((p) => p.code)).toEqual(["uncacheable-jwks"]);
    expect(cacheProblems("max-age=60")).toEqual([]);
  });
});
