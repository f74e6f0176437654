import { createPublicKey } from "node:crypto";
import { createVerifier } from "@resource-guard/core";
import { exportSPKI, importJWK, type CryptoKey as KeyLike, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { makeKey } from "../../../../test/support/idp.js";

const ISSUER = "https://idp.example.com";
const AUDIENCE = "https://api.example.com";

async function signWith(
  key: Awaited<ReturnType<typeof makeKey>>,
  claims: Record<string, unknown> = {},
  kid = true,
) {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "u1", ...claims })
    .setProtectedHeader(kid ? { alg: key.alg, kid: key.kid } : { alg: key.alg })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key.privateKey);
}

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

describe("jwks: a key set given in the options", () => {
  it("verifies with a JWK Set and fetches nothing", async () => {
    const key = await makeKey("ES256");
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.publicJwk] },
      fetch: () => Promise.reject(new Error("no fetch may happen")),
    });
    await verifier.warmup();
    expect((await verifier.verify(await signWith(key))).claims.sub).toBe("u1");
    const other = await makeKey("ES256", key.kid);
    expect(await failure(verifier.verify(await signWith(other)))).toMatchObject({
      status: 401,
      reason: "signature",
    });
    const unknown = await makeKey("ES256");
    expect(await failure(verifier.verify(await signWith(unknown)))).toMatchObject({
      status: 401,
      reason: "unknown_key",
    });
  });

  it("verifies with PEM public keys, whose tokens may carry any kid", async () => {
    const key = await makeKey("RS256");
    const pem = await exportSPKI((await importJWK(key.publicJwk, "RS256")) as KeyLike);
    for (const jwks of [pem, [pem]]) {
      const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks });
      expect((await verifier.verify(await signWith(key))).claims.sub).toBe("u1");
      expect((await verifier.verify(await signWith(key, {}, false))).claims.sub).toBe("u1");
    }
  });

  it("keeps only public members and refuses sets without a usable key at construction", async () => {
    const key = await makeKey("ES256");
    expect(() =>
      createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [{ kty: "oct", k: "AAAA" }] } }),
    ).toThrow('resource-guard: "jwks" holds no usable public RSA, EC or OKP key');
    expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: "not a pem" })).toThrow(
      'resource-guard: "jwks" holds a PEM text that is not a public key or certificate',
    );
    expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: 42 as never })).toThrow(
      'resource-guard: "jwks" must be a JWK Set ({ keys: [...] }), a PEM public key, or an array of PEM texts',
    );
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [key.publicJwk] },
        jwksUri: `${ISSUER}/jwks`,
      }),
    ).toThrow(/has more than one key source/);
    expect(createPublicKey({ key: key.publicJwk as never, format: "jwk" }).type).toBe("public");
  });
});

describe("isRevoked: a hook after verification", () => {
  it("answers 401 revoked for true, passes false, runs on cached tokens too", async () => {
    const key = await makeKey("ES256");
    const revoked = new Set<string>();
    let calls = 0;
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.publicJwk] },
      isRevoked: async (auth) => {
        calls++;
        return revoked.has(auth.claims.jti as string);
      },
    });
    const token = await signWith(key, { jti: "t-1" });
    for (let i = 0; i < 3; i++) await verifier.verify(token);
    expect(calls).toBe(3);
    revoked.add("t-1");
    expect(await failure(verifier.verify(token))).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "revoked",
      headers: {
        "WWW-Authenticate":
          'Bearer realm="api", error="invalid_token", error_description="The token has been revoked"',
      },
    });
  });

  it("answers 503 with Retry-After when the hook throws, rejects or answers a non-boolean", async () => {
    const key = await makeKey("ES256");
    const token = await signWith(key);
    const hooks = [
      [
        () => {
          throw new Error("db down");
        },
        "revocation_check_failed",
      ],
      [() => Promise.reject(new Error("db down")), "revocation_check_failed"],
      [() => "yes" as never, "revocation_check_invalid"],
    ] as const;
    for (const [isRevoked, reason] of hooks) {
      const verifier = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [key.publicJwk] },
        isRevoked,
      });
      expect(await failure(verifier.verify(token))).toEqual({
        status: 503,
        code: undefined,
        reason,
        headers: { "Retry-After": "1" },
      });
    }
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [key.publicJwk] },
        isRevoked: true as never,
      }),
    ).toThrow('resource-guard: "isRevoked" must be a function (auth) => boolean | Promise<boolean>');
  });
});

describe("credentialsRequired: false", () => {
  it("resolves undefined without credentials and still verifies credentials that are sent", async () => {
    const key = await makeKey("ES256");
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.publicJwk] } });
    expect(await verifier.authenticate({ headers: {} }, { credentialsRequired: false })).toBeUndefined();
    expect(
      await failure(
        verifier.authenticate({ headers: { authorization: "Bearer x.y.z" } }, { credentialsRequired: false }),
      ),
    ).toMatchObject({
      status: 401,
      reason: "malformed",
    });
    expect(await failure(verifier.authenticate({ headers: {} }))).toMatchObject({
      status: 401,
      reason: "no_credentials",
    });
  });
});
