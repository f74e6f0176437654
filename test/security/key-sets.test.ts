/**
 * Key sets a provider should not send (issue 10), served by the test IdP on 127.0.0.1:
 * - a JWKS of 150 keys behind 60 unusable entries: every usable key counts, not the first 100 entries;
 * - a JWKS beyond the bound of 1000 usable keys: the overflow is reported, and a token naming a key
 *   past the bound is 503 (the key is in the set), never 401;
 * - RSA keys a careful implementation refuses: public exponent 1 (with which anyone forges tokens:
 *   the forgery is shown to pass node:crypto with that key), even exponents, exponents of 2^32 and up,
 *   an even modulus, a 1024-bit modulus, and a 16384-bit modulus unless `maxRsaModulusBits` allows it.
 *   Each is refused, reported through `onKeyError` once, and a token naming it gets 401 `unknown_key`.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import type { KeyErrorEvent, VerifierOptions } from "@resource-guard/core";
import type { JWK } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { load16384BitKey, makeKey, type TestIdpOptions, type TestKey } from "../support/idp.js";
import { b64url, encodeJson, goodClaims, goodHeader, signObjects } from "./forge.js";
import { expectInvalidToken, type Fixture, rejectionOf, startFixture } from "./harness.js";

let fixture: Fixture | undefined;
let events: KeyErrorEvent[] = [];
let rsa: { privateKey: KeyObject; publicJwk: JWK };

beforeAll(() => {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  rsa = { privateKey: pair.privateKey, publicJwk: pair.publicKey.export({ format: "jwk" }) as JWK };
});

afterEach(async () => {
  await fixture?.idp.close();
  fixture = undefined;
});

async function start(idp: TestIdpOptions, verifier: Partial<VerifierOptions> = {}) {
  events = [];
  fixture = await startFixture({
    idp,
    verifier: (server) => ({
      jwksUri: server.jwksUri,
      tokenCache: false,
      onKeyError: (event) => events.push(event),
      ...verifier,
    }),
  });
  return fixture;
}

function tokenFor(fx: Fixture, key: TestKey) {
  return signObjects(goodHeader(key), goodClaims(fx.idp, {}, fx.clock.now()), key);
}

describe("a JWKS with many keys", () => {
  it("uses key 150 of 150 usable keys published behind 60 unusable entries", async () => {
    const keys = await Promise.all(Array.from({ length: 150 }, (_, i) => makeKey("ES256", `many-${i + 1}`)));
    const unusable = Array.from({ length: 60 }, (_, i) => ({
      kty: "RSA",
      use: "enc",
      kid: `enc-${i}`,
      n: rsa.publicJwk.n,
      e: rsa.publicJwk.e,
    }));
    const fx = await start({ algs: [], extraJwks: [...unusable, ...keys.map((k) => k.publicJwk)] as JWK[] });
    for (const index of [0, 100, 149]) {
      const key = keys[index] as TestKey;
      await expect(fx.verifier.verify(tokenFor(fx, key))).resolves.toMatchObject({
        header: { kid: key.kid },
      });
    }
    expect(fx.idp.jwksHits).toBe(1);
    expect(events).toEqual([]);
  });

  it("holds 1000 usable keys, reports the rest, and answers a key beyond them 503, never 401", async () => {
    const shared = await makeKey("ES256", "shared");
    const jwks = Array.from({ length: 1005 }, (_, i) => ({ ...shared.publicJwk, kid: `k-${i + 1}` }));
    const fx = await start({ algs: [], extraJwks: jwks as JWK[] });
    const as = (kid: string): TestKey => ({ ...shared, kid });
    await expect(fx.verifier.verify(tokenFor(fx, as("k-1000")))).resolves.toBeDefined();
    const beyond = await rejectionOf(fx.verifier.verify(tokenFor(fx, as("k-1003"))));
    expect(beyond).toMatchObject({ status: 503, code: undefined, reason: "jwks_key_limit" });
    expect(beyond.headers["Retry-After"]).toMatch(/^[1-9][0-9]*$/);
    // A kid that is in no part of the set is still 401.
    await expectInvalidToken(fx.verifier.verify(tokenFor(fx, as("k-9999"))), ["unknown_key"]);
    expect(events).toEqual([
      {
        issuer: fx.idp.issuer,
        url: fx.idp.jwksUri,
        reason: "jwks_key_limit",
        detail: `${fx.idp.jwksUri} holds 5 usable keys beyond the first 1000; they are not used`,
      },
    ]);
  });
});

/** PKCS #1 v1.5 encoding of SHA-256(data), k bytes: with e = 1 this *is* a valid RS256 signature. */
function forgeWithExponentOne(data: string, modulusBytes: number): Buffer {
  const prefix = Buffer.from("3031300d060960864801650304020105000420", "hex"); // DigestInfo, RFC 8017 §9.2
  const digest = createHash("sha256").update(data).digest();
  const t = Buffer.concat([prefix, digest]);
  const padding = Buffer.alloc(modulusBytes - t.length - 3, 0xff);
  return Buffer.concat([Buffer.from([0x00, 0x01]), padding, Buffer.from([0x00]), t]);
}

describe("RSA keys a careful implementation refuses", () => {
  it("refuses a key with public exponent 1, with which a token forged without any private key verifies", async () => {
    const jwk = { kty: "RSA", kid: "e-is-1", alg: "RS256", use: "sig", n: rsa.publicJwk.n, e: "AQ" };
    const header = encodeJson({ alg: "RS256", kid: "e-is-1", typ: "JWT" });
    const fx = await start({ algs: ["ES256"], extraJwks: [jwk as JWK] });
    const payload = encodeJson(goodClaims(fx.idp, { sub: "forged" }, fx.clock.now()));
    const signature = forgeWithExponentOne(`${header}.${payload}`, 256);
    // The forgery is real: node:crypto accepts it under the published key.
    const published = createPublicKey({ key: jwk, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${header}.${payload}`), published, signature)).toBe(true);
    await expectInvalidToken(fx.verifier.verify(`${header}.${payload}.${b64url(signature)}`), [
      "unknown_key",
    ]);
    expect(events).toEqual([
      {
        issuer: fx.idp.issuer,
        url: fx.idp.jwksUri,
        reason: "key_rsa_exponent",
        detail: 'RSA key "e-is-1" has a public exponent that is not odd, at least 3 and below 2^32',
        kid: "e-is-1",
      },
    ]);
    // The healthy key next to it keeps working.
    await expect(fx.verifier.verify(tokenFor(fx, fx.idp.keys[0] as TestKey))).resolves.toBeDefined();
  });

  const real = (kid: string, changes: Partial<JWK>) => ({
    kty: "RSA",
    kid,
    alg: "RS256",
    n: rsa.publicJwk.n,
    e: rsa.publicJwk.e,
    ...changes,
  });

  it.each([
    ["an even exponent (65536)", () => ({ e: b64url(Buffer.from([1, 0, 0])) }), "key_rsa_exponent"],
    ["the exponent 2^32 + 1", () => ({ e: b64url(Buffer.from([1, 0, 0, 0, 1])) }), "key_rsa_exponent"],
    [
      "the exponent 2^64 + 1",
      () => ({ e: b64url(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 1])) }),
      "key_rsa_exponent",
    ],
    [
      "an even modulus",
      () => {
        const n = Buffer.from(rsa.publicJwk.n as string, "base64url");
        n[n.length - 1] = (n[n.length - 1] as number) & 0xfe;
        return { n: b64url(n) };
      },
      "key_rsa_modulus_even",
    ],
  ] as const)("refuses and reports a key with %s", async (_label, changes, reason) => {
    const fx = await start({ algs: ["ES256"], extraJwks: [real("odd-key", changes()) as JWK] });
    const token = signObjects(
      goodHeader({ alg: "RS256", kid: "odd-key" } as TestKey),
      goodClaims(fx.idp, {}, fx.clock.now()),
      {
        alg: "RS256",
        privateKey: rsa.privateKey,
      } as never,
    );
    await expectInvalidToken(fx.verifier.verify(token), ["unknown_key"]);
    expect(events.map((e) => [e.reason, e.kid])).toEqual([[reason, "odd-key"]]);
  });

  it("refuses and reports a 1024-bit key", async () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });
    const fx = await start({ algs: ["ES256"], extraJwks: [{ ...weak, kid: "weak", alg: "RS256" } as JWK] });
    await expect(fx.verifier.verify(tokenFor(fx, fx.idp.keys[0] as TestKey))).resolves.toBeDefined();
    expect(events.map((e) => [e.reason, e.kid])).toEqual([["key_rsa_modulus_too_small", "weak"]]);
  });

  it("accepts exponent 3 and the usual 65537", async () => {
    const three = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 });
    const jwk = { ...three.publicKey.export({ format: "jwk" }), kid: "e-is-3", alg: "RS256" } as JWK;
    const fx = await start({ algs: ["RS256"], extraJwks: [jwk] });
    const signer = { alg: "RS256", kid: "e-is-3", privateKey: three.privateKey } as never;
    await expect(
      fx.verifier.verify(signObjects(goodHeader(signer), goodClaims(fx.idp, {}, fx.clock.now()), signer)),
    ).resolves.toMatchObject({ header: { kid: "e-is-3" } });
    await expect(fx.verifier.verify(tokenFor(fx, fx.idp.keys[0] as TestKey))).resolves.toBeDefined();
    expect(events).toEqual([]);
  });

  describe("a 16384-bit modulus", () => {
    let big: TestKey;
    let token: (fx: Fixture) => string;
    beforeAll(async () => {
      big = await load16384BitKey();
      token = (fx) => signObjects(goodHeader(big), goodClaims(fx.idp, {}, fx.clock.now()), big);
    });

    it("is refused by default (over 8192 bits), reported once across refreshes", async () => {
      const fx = await start({ algs: ["ES256"], extraJwks: [big.publicJwk] });
      await expectInvalidToken(fx.verifier.verify(token(fx)), ["unknown_key"]);
      expect(events.map((e) => [e.reason, e.kid])).toEqual([["key_rsa_modulus_too_large", "rsa-16384"]]);
      fx.clock.advance(11 * 60_000); // stale: the next request refreshes the set, the key is still there
      await fx.verifier.verify(tokenFor(fx, fx.idp.keys[0] as TestKey));
      await expect.poll(() => fx.idp.jwksHits).toBe(2);
      expect(events).toHaveLength(1);
    });

    it("is accepted with maxRsaModulusBits: 16384", async () => {
      const fx = await start({ algs: ["ES256"], extraJwks: [big.publicJwk] }, { maxRsaModulusBits: 16384 });
      await expect(fx.verifier.verify(token(fx))).resolves.toMatchObject({ header: { kid: "rsa-16384" } });
      expect(events).toEqual([]);
    });
  });
});
