/**
 * Attacks through JOSE header parameters (RFC 7515 §4.1, RFC 8725 §3.10): an embedded `jwk`, `jku` and
 * `x5u` URLs that point at a server the attacker runs, `x5c` chains, `crit` extensions the verifier
 * does not implement, and hostile `kid` values (huge, path traversal, control characters, names of
 * Object.prototype members). The attacker's server is a second real IdP on 127.0.0.1 holding the
 * attacker's key, so "zero requests reached it" is counted, not assumed.
 */
import type { Verifier } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey, startTestIdp, type TestIdp, type TestKey } from "../support/idp.js";
import { goodClaims, goodHeader, signObjects } from "./forge.js";
import { expectInvalidToken, expectNoPrototypePollution, startFixture, withBearer } from "./harness.js";

let idp: TestIdp;
let attacker: TestIdp;
let verifier: Verifier;
let real: TestKey;
let evil: TestKey;

beforeAll(async () => {
  const fixture = await startFixture({ verifier: () => ({ cooldownMs: 60_000 }) });
  idp = fixture.idp;
  verifier = fixture.verifier;
  real = idp.keys[0]!;
  attacker = await startTestIdp();
  evil = attacker.keys[0]!;
  // Warm the key set so later counts show only what an attack caused.
  await verifier.verify(await idp.sign(goodClaims(idp)));
});

afterAll(async () => {
  await Promise.all([idp.close(), attacker.close()]);
});

describe("keys named by the token itself", () => {
  it("rejects a token carrying the attacker's key in an embedded jwk header", async () => {
    // Without a kid the verifier may try every key of the configured JWKS; none of them is the attacker's.
    const token = signObjects({ alg: "RS256", typ: "JWT", jwk: evil.publicJwk }, goodClaims(idp), evil);
    await expectInvalidToken(verifier.verify(token), ["unknown_key", "malformed", "signature"]);
  });

  it("rejects an embedded jwk whose kid matches the embedded key", async () => {
    const token = signObjects(goodHeader(evil, { jwk: evil.publicJwk }), goodClaims(idp), evil);
    await expectInvalidToken(verifier.verify(token), ["unknown_key"]);
  });

  it("rejects an embedded jwk next to the real key's kid", async () => {
    const token = signObjects(goodHeader(real, { jwk: evil.publicJwk }), goodClaims(idp), evil);
    await expectInvalidToken(verifier.verify(token), ["signature"]);
  });

  it("rejects jku pointing at the attacker's JWKS, which receives zero requests", async () => {
    const before = attacker.totalHits;
    const headers = [
      goodHeader(evil, { jku: attacker.jwksUri }),
      { alg: "RS256", typ: "JWT", jku: attacker.jwksUri },
      goodHeader(real, { jku: attacker.jwksUri }),
    ];
    for (const header of headers) {
      const token = signObjects(header, goodClaims(idp), evil);
      await expectInvalidToken(verifier.verify(token), ["unknown_key", "malformed", "signature"]);
      await expectInvalidToken(withBearer(verifier, token), ["unknown_key", "malformed", "signature"]);
    }
    expect(attacker.totalHits - before).toBe(0);
  });

  it("rejects x5u pointing at the attacker's server, which receives zero requests", async () => {
    const before = attacker.totalHits;
    for (const header of [
      goodHeader(evil, { x5u: `${attacker.origin}/cert.pem` }),
      { alg: "RS256", x5u: `${attacker.origin}/cert.pem` },
    ]) {
      const token = signObjects(header, goodClaims(idp), evil);
      await expectInvalidToken(verifier.verify(token), ["unknown_key", "malformed", "signature"]);
    }
    expect(attacker.totalHits - before).toBe(0);
  });

  it("rejects an x5c chain the token brings along", async () => {
    // A syntactically plausible chain: whatever it holds, x5c must never be a key source.
    const x5c = [Buffer.from("not a certificate the issuer vouches for").toString("base64")];
    const token = signObjects({ alg: "RS256", typ: "JWT", x5c }, goodClaims(idp), evil);
    await expectInvalidToken(verifier.verify(token), ["unknown_key", "malformed", "signature"]);
  });

  it("never sends a request anywhere but the configured issuer's documents", async () => {
    // Every path the real IdP has been asked for is one of its two documents.
    for (const path of idp.hits.keys()) expect([idp.metadataPath, idp.jwksPath]).toContain(path);
    expect(attacker.totalHits).toBe(0);
  });
});

describe("crit", () => {
  it.each([
    ["an unknown extension", { crit: ["urn:example:must-understand"], "urn:example:must-understand": true }],
    ["b64 (RFC 7797)", { crit: ["b64"], b64: false }],
    ["exp named as critical", { crit: ["exp"], exp: 1 }],
    ["an empty list", { crit: [] }],
    ["a non-array value", { crit: "exp" }],
  ])("rejects crit holding %s", async (_label, extra) => {
    const token = signObjects(goodHeader(real, extra), goodClaims(idp), real);
    await expectInvalidToken(verifier.verify(token), ["critical_header", "malformed"]);
  });
});

describe("hostile kid values", () => {
  const hostile: Array<[string, unknown]> = [
    ["8,000 characters long", "k".repeat(8000)],
    ["a path traversal", "../../../../etc/passwd"],
    ["an encoded path traversal", "..%2F..%2Fjwks"],
    ["a URL to the attacker", "http://127.0.0.1:1/jwks"],
    ["a NUL byte", "key\u0000"],
    ["CR LF header injection", "key\r\nSet-Cookie: a=b"],
    ["other control characters", "\u001b[31m\u0007\u007f"],
    ["a lone surrogate", "\ud800"],
    ["__proto__", "__proto__"],
    ["constructor", "constructor"],
    ["hasOwnProperty", "hasOwnProperty"],
    ["toString", "toString"],
    ["the empty string", ""],
  ];
  it.each(hostile)("rejects a kid that is %s, after at most one refetch", async (_label, kid) => {
    const jwksBefore = idp.jwksHits;
    const token = signObjects(goodHeader(real, { kid }), goodClaims(idp), real);
    // expectInvalidToken also pins the challenge to the fixed text: the kid is never echoed.
    await expectInvalidToken(verifier.verify(token), ["unknown_key", "malformed"]);
    expect(idp.jwksHits - jwksBefore).toBeLessThanOrEqual(1);
    expectNoPrototypePollution();
  });

  it("does not refetch the JWKS for a second hostile kid within the cooldown", async () => {
    // The first unknown kid opens the cooldown window (it may refetch); the next ones must not.
    const opener = signObjects(goodHeader(real, { kid: "window-opener" }), goodClaims(idp), real);
    await expectInvalidToken(verifier.verify(opener), ["unknown_key"]);
    const jwksBefore = idp.jwksHits;
    for (const kid of ["another-unknown-1", "another-unknown-2", "another-unknown-3"]) {
      const token = signObjects(goodHeader(real, { kid }), goodClaims(idp), real);
      await expectInvalidToken(verifier.verify(token), ["unknown_key"]);
    }
    expect(idp.jwksHits - jwksBefore).toBe(0);
  });

  it.each([
    ["a number", 1],
    ["an object", { $ref: "x" }],
    ["an array holding the real kid", "[kid]"],
  ])("rejects a kid that is %s", async (_label, value) => {
    const kid = value === "[kid]" ? [real.kid] : value;
    const token = signObjects(goodHeader(real, { kid }), goodClaims(idp), real);
    await expectInvalidToken(verifier.verify(token), ["malformed", "unknown_key"]);
  });

  it("rejects a kid of the real key with a different case", async () => {
    const token = signObjects(goodHeader(real, { kid: real.kid.toUpperCase() }), goodClaims(idp), real);
    await expectInvalidToken(verifier.verify(token), ["unknown_key"]);
  });

  it("rejects a token signed with a key the IdP never published, under a fresh kid", async () => {
    const stranger = await makeKey("RS256", "stranger");
    const token = signObjects(goodHeader(stranger), goodClaims(idp), stranger);
    await expectInvalidToken(verifier.verify(token), ["unknown_key"]);
  });
});
