/**
 * Attacks on algorithm selection (RFC 8725 §2.1, §3.1): `alg: none`, HMAC keyed with a published
 * public key (the classic RS256→HS256 confusion), algorithms outside the allow-list, and keys whose
 * `alg`/`use`/`kty`/curve do not fit the token. Every forged token here carries a real `kid` from the
 * issuer's JWKS and, where the algorithm allows, a signature that would verify if the verifier let the
 * token choose how to check it; so only the algorithm rules stand between it and acceptance.
 */
import { generateKeyPairSync, type webcrypto } from "node:crypto";
import { createVerifier, type Verifier } from "@resource-guard/core";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey, type TestIdp, type TestKey } from "../support/idp.js";
import {
  AUDIENCE,
  b64url,
  encodeJson,
  goodClaims,
  goodHeader,
  hmacBytes,
  publicPem,
  signBytes,
  signObjects,
} from "./forge.js";
import { expectInvalidToken, startFixture, withBearer } from "./harness.js";

let idp: TestIdp;
let verifier: Verifier;
let rsa: TestKey;
let ec: TestKey;
/** An RSA key the IdP publishes for encryption only (`use: enc`, as Keycloak does). */
let encKey: TestKey;
/** A P-256 key published without `alg`: only its curve says which algorithm fits. */
let bareEc: TestKey;
/** A 1024-bit RSA key: below RFC 7518 §3.3's 2048-bit minimum. */
let weakRsa: TestKey;
/** A symmetric key that a misconfigured IdP leaks into its JWKS. */
const octSecret = Buffer.from("a-shared-secret-that-should-never-be-in-a-jwks");

beforeAll(async () => {
  encKey = await makeKey("RS256", "enc-key");
  bareEc = await makeKey("ES256", "bare-ec");
  const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
  weakRsa = {
    kid: "weak-rsa",
    alg: "RS256",
    privateKey: weak.privateKey as unknown as webcrypto.CryptoKey,
    publicJwk: { ...(await exportJWK(weak.publicKey)), kid: "weak-rsa", alg: "RS256", use: "sig" },
  };
  const { alg: _dropped, ...bareJwk } = bareEc.publicJwk;
  const fixture = await startFixture({
    idp: {
      algs: ["RS256", "ES256"],
      extraJwks: [
        { ...encKey.publicJwk, use: "enc", alg: "RSA-OAEP" },
        bareJwk,
        weakRsa.publicJwk,
        { kty: "oct", kid: "oct-key", k: b64url(octSecret) },
      ],
    },
  });
  idp = fixture.idp;
  verifier = fixture.verifier;
  [rsa, ec] = idp.keys as [TestKey, TestKey];
});

afterAll(async () => {
  await idp.close();
});

describe("alg none", () => {
  const noneHeader = (extra: Record<string, unknown> = {}) =>
    encodeJson({ alg: "none", typ: "JWT", ...extra });

  it("rejects alg none with an empty signature part", async () => {
    const token = `${noneHeader()}.${encodeJson(goodClaims(idp))}.`;
    await expectInvalidToken(verifier.verify(token), ["algorithm", "malformed"]);
    await expectInvalidToken(withBearer(verifier, token), ["algorithm", "malformed"]);
  });

  it("rejects alg none without a signature part", async () => {
    const token = `${noneHeader()}.${encodeJson(goodClaims(idp))}`;
    await expectInvalidToken(verifier.verify(token), ["malformed", "algorithm"]);
    await expectInvalidToken(withBearer(verifier, token), ["malformed", "algorithm"]);
  });

  it("rejects alg none that names a real kid and carries a real RS256 signature", async () => {
    const input = `${noneHeader({ kid: rsa.kid })}.${encodeJson(goodClaims(idp))}`;
    const token = `${input}.${signBytes("RS256", rsa.privateKey, input)}`;
    await expectInvalidToken(verifier.verify(token), ["algorithm"]);
  });

  it.each(["None", "NONE", "nOnE", "none "])("rejects the spelling %j of none", async (alg) => {
    const token = `${encodeJson({ alg, kid: rsa.kid })}.${encodeJson(goodClaims(idp))}.`;
    await expectInvalidToken(verifier.verify(token), ["algorithm", "malformed"]);
  });
});

describe("HMAC signed with the issuer's public key as the secret", () => {
  const secretForms: Array<[string, (key: TestKey) => string | Uint8Array]> = [
    ["SPKI PEM text", (key) => publicPem(key)],
    ["SPKI PEM text without its final newline", (key) => publicPem(key).trimEnd()],
    ["public JWK as JSON text", (key) => JSON.stringify(key.publicJwk)],
    [
      "public JWK with only its key members",
      (key) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(key.publicJwk).filter(([k]) => !["alg", "use", "kid"].includes(k)),
          ),
        ),
    ],
    ["SPKI DER bytes", (key) => Buffer.from(publicPem(key).replace(/-----[^-]+-----|\s/g, ""), "base64")],
    ["JWK n or x member as text", (key) => String(key.publicJwk.n ?? key.publicJwk.x)],
  ];
  for (const hs of ["HS256", "HS384"]) {
    for (const keyName of ["RSA", "EC"]) {
      for (const [form, secretOf] of secretForms) {
        it(`rejects ${hs} keyed with the ${keyName} key's ${form}`, async () => {
          const key = keyName === "RSA" ? rsa : ec;
          const input = `${encodeJson(goodHeader(key, { alg: hs }))}.${encodeJson(goodClaims(idp))}`;
          const token = `${input}.${hmacBytes(hs, secretOf(key), input)}`;
          await expectInvalidToken(verifier.verify(token), ["algorithm", "key_mismatch"]);
        });
      }
    }
  }

  it("rejects HS256 keyed with an oct key that a misconfigured IdP published in its JWKS", async () => {
    const input = `${encodeJson({ alg: "HS256", kid: "oct-key", typ: "JWT" })}.${encodeJson(goodClaims(idp))}`;
    const token = `${input}.${hmacBytes("HS256", octSecret, input)}`;
    await expectInvalidToken(verifier.verify(token), ["algorithm", "key_mismatch"]);
  });

  it("refuses to be configured with an HMAC algorithm but no secret", () => {
    for (const algorithms of [["HS256"], ["RS256", "HS384"], ["none"], ["RS256", "none"]]) {
      expect(() =>
        createVerifier({ issuer: idp.issuer, audience: AUDIENCE, algorithms: algorithms as never }),
      ).toThrow(TypeError);
    }
  });
});

describe("algorithm allow-list", () => {
  let esOnly: Verifier;
  beforeAll(() => {
    esOnly = createVerifier({ issuer: idp.issuer, audience: AUDIENCE, algorithms: ["ES256"] });
  });

  it("rejects a correctly signed RS256 token when only ES256 is allowed", async () => {
    const token = await idp.sign(goodClaims(idp), { key: rsa });
    await expectInvalidToken(esOnly.verify(token), ["algorithm"]);
  });

  it("accepts a correctly signed ES256 token under the same allow-list", async () => {
    const token = await idp.sign(goodClaims(idp), { key: ec });
    await expect(esOnly.verify(token)).resolves.toMatchObject({ claims: { sub: "user-1" } });
  });

  it.each([
    ["lower case", "rs256"],
    ["a trailing space", "RS256 "],
    ["an array", ["RS256"]],
    ["a number", 256],
    ["null", null],
    ["an unregistered name", "RS1"],
  ])("rejects an alg given as %s", async (_label, alg) => {
    const token = signObjects({ alg, kid: rsa.kid, typ: "JWT" }, goodClaims(idp), rsa, "RS256");
    await expectInvalidToken(verifier.verify(token), ["algorithm", "malformed"]);
  });

  it("rejects a header without alg", async () => {
    const token = signObjects({ kid: rsa.kid, typ: "JWT" }, goodClaims(idp), rsa, "RS256");
    await expectInvalidToken(verifier.verify(token), ["algorithm", "malformed"]);
  });
});

describe("a key whose alg, use, kty or curve does not fit the token", () => {
  it("rejects PS256 signed with the RSA key that the JWKS pins to RS256", async () => {
    const token = signObjects(goodHeader(rsa, { alg: "PS256" }), goodClaims(idp), rsa, "PS256");
    await expectInvalidToken(verifier.verify(token), ["key_mismatch"]);
  });

  it("rejects ES256 naming the kid of an RSA key", async () => {
    const token = signObjects(goodHeader(rsa, { alg: "ES256" }), goodClaims(idp), ec, "ES256");
    await expectInvalidToken(verifier.verify(token), ["key_mismatch"]);
  });

  it("rejects RS256 naming the kid of an EC key", async () => {
    const token = signObjects(goodHeader(ec, { alg: "RS256" }), goodClaims(idp), rsa, "RS256");
    await expectInvalidToken(verifier.verify(token), ["key_mismatch"]);
  });

  it("rejects ES384 signed with a P-256 key published without alg", async () => {
    const token = signObjects(goodHeader(bareEc, { alg: "ES384" }), goodClaims(idp), bareEc, "ES384");
    await expectInvalidToken(verifier.verify(token), ["key_mismatch"]);
  });

  it("accepts ES256 signed with that same P-256 key (control)", async () => {
    const token = signObjects(goodHeader(bareEc, { alg: "ES256" }), goodClaims(idp), bareEc, "ES256");
    await expect(verifier.verify(token)).resolves.toMatchObject({ header: { kid: "bare-ec" } });
  });

  it("rejects a token signed with the key the IdP publishes for encryption (use: enc)", async () => {
    const token = signObjects(goodHeader(encKey, { alg: "RS256" }), goodClaims(idp), encKey, "RS256");
    await expectInvalidToken(verifier.verify(token), ["key_mismatch", "unknown_key"]);
  });

  it("rejects a token signed with a 1024-bit RSA key from the JWKS", async () => {
    const token = signObjects(goodHeader(weakRsa), goodClaims(idp), weakRsa, "RS256");
    await expectInvalidToken(verifier.verify(token), ["key_mismatch", "unknown_key"]);
  });

  it("still accepts tokens signed with the issuer's real keys (control)", async () => {
    for (const key of [rsa, ec]) {
      const token = signObjects(goodHeader(key), goodClaims(idp), key);
      await expect(verifier.verify(token)).resolves.toMatchObject({ header: { kid: key.kid } });
    }
  });
});

describe("an issuer configured with a shared secret next to an asymmetric issuer", () => {
  const secret = "a-32-byte-or-longer-shared-secret-for-hs256-only";
  const hsIssuer = "https://hs.issuer.test";
  let mixed: Verifier;
  beforeAll(() => {
    mixed = createVerifier({
      audience: AUDIENCE,
      issuers: [{ issuer: hsIssuer, secret }, { issuer: idp.issuer }],
    });
  });
  const hs256 = (claims: Record<string, unknown>, key = secret) => {
    const input = `${encodeJson({ alg: "HS256", typ: "JWT" })}.${encodeJson(claims)}`;
    return `${input}.${hmacBytes("HS256", key, input)}`;
  };

  it("accepts HS256 with the secret for the secret's own issuer (control)", async () => {
    await expect(mixed.verify(hs256({ ...goodClaims(idp), iss: hsIssuer }))).resolves.toMatchObject({
      issuer: hsIssuer,
    });
  });

  it("rejects HS256 keyed with that secret but claiming the asymmetric issuer", async () => {
    await expectInvalidToken(mixed.verify(hs256(goodClaims(idp))), ["algorithm", "key_mismatch"]);
  });

  it("rejects HS256 for the asymmetric issuer keyed with its public key", async () => {
    await expectInvalidToken(mixed.verify(hs256(goodClaims(idp), publicPem(rsa))), [
      "algorithm",
      "key_mismatch",
    ]);
  });

  it("rejects RS256 signed by the asymmetric issuer's key but claiming the secret's issuer", async () => {
    const token = signObjects(goodHeader(rsa), { ...goodClaims(idp), iss: hsIssuer }, rsa);
    await expectInvalidToken(mixed.verify(token), ["algorithm", "key_mismatch", "unknown_key"]);
  });

  it("rejects HS256 with a wrong secret for the secret's issuer", async () => {
    const token = hs256({ ...goodClaims(idp), iss: hsIssuer }, `${secret}!`);
    await expectInvalidToken(mixed.verify(token), ["signature"]);
  });
});
