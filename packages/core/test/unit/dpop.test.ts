/**
 * DPoP (RFC 9449) through the verifier: every check of §4.3 and §7.1, each bad input of the issue,
 * with exact status, code, reason and challenge. Proofs are minted by jose (test/support/dpop.ts),
 * tokens by a real test IdP over loopback; nothing in core is replaced.
 */

import { createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  createVerifier,
  INVALID_DPOP_PROOF_DESCRIPTIONS,
  type InvalidDPoPProofReason,
  type VerifierOptions,
} from "@resource-guard/core";
import { calculateJwkThumbprint, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  athOf,
  createDPoPClient,
  type DPoPClient,
  type ProofAlg,
  signRaw,
} from "../../../../test/support/dpop.js";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
const URL_ = "https://api.example.com/orders";
const ALL_ALGS = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519";
let idp: TestIdp;
let client: DPoPClient;

beforeAll(async () => {
  idp = await startTestIdp();
  client = await createDPoPClient("ES256");
});
afterAll(() => idp.close());

function verifierWith(dpop: VerifierOptions["dpop"] = {}, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: idp.issuer, audience: AUDIENCE, dpop, ...extra });
}

/** A token bound to `jkt` (default the client's key). */
function boundToken(jkt: string = client.jkt, claims: Record<string, unknown> = {}) {
  return idp.sign({ sub: "u1", aud: AUDIENCE, scope: "orders:read", cnf: { jkt }, ...claims });
}

function request(token: string, proof: string | string[] | undefined, extra: Record<string, unknown> = {}) {
  const headers: Record<string, string | string[]> = { authorization: `DPoP ${token}` };
  if (proof !== undefined) headers.dpop = proof;
  return { headers, method: "GET", url: "/orders", absoluteUrl: URL_, ...extra };
}

interface Outcome {
  status: number;
  code?: string | undefined;
  reason: string;
  headers: Record<string, string>;
}

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    () => ({ status: 200, reason: "accepted", headers: {} }),
    (e: Outcome) => ({ status: e.status, code: e.code, reason: e.reason, headers: e.headers }),
  );
}

function proofError(reason: InvalidDPoPProofReason, algs = ALL_ALGS): Outcome {
  return {
    status: 401,
    code: "invalid_dpop_proof",
    reason,
    headers: {
      "WWW-Authenticate": `Bearer realm="api", DPoP realm="api", algs="${algs}", error="invalid_dpop_proof", error_description="${INVALID_DPOP_PROOF_DESCRIPTIONS[reason]}"`,
    },
  };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

describe("DPoP: a valid proof", () => {
  it.each(["ES256", "ES384", "RS256", "PS256", "EdDSA"] as ProofAlg[])(
    "accepts a %s proof and says how the token is bound",
    async (alg) => {
      const dpopClient = await createDPoPClient(alg);
      const verifier = verifierWith();
      const token = await boundToken(dpopClient.jkt);
      const auth = await verifier.authenticate(request(token, await dpopClient.proof({ htu: URL_, token })));
      expect(auth).toMatchObject({
        scheme: "DPoP",
        binding: { kind: "dpop", jkt: dpopClient.jkt },
        scopes: ["orders:read"],
      });
      expect(auth.responseHeaders).toBeUndefined();
    },
  );

  it("answers no credentials with a Bearer and a DPoP challenge carrying algs", async () => {
    const verifier = verifierWith({ algorithms: ["ES256", "EdDSA"] });
    expect(await outcome(verifier.authenticate({ headers: {} }))).toEqual({
      status: 401,
      code: undefined,
      reason: "no_credentials",
      headers: { "WWW-Authenticate": 'Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA"' },
    });
  });

  it("normalises htu (RFC 3986) and ignores query and fragment on both sides", async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    for (const htu of [
      "HTTPS://API.Example.COM:443/orders",
      "https://api.example.com/./orders",
      "https://api.example.com/x/../orders",
      "https://api.example.com/%6Frders",
      "https://api.example.com/orders?page=2#top",
    ]) {
      const auth = await verifier.authenticate(
        request(token, await client.proof({ htu, token }), { absoluteUrl: `${URL_}?page=1` }),
      );
      expect(auth.scheme).toBe("DPoP");
    }
  });

  it("takes the method from the request and the URL from the adapter's reader", async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = await client.proof({ htm: "POST", htu: "http://127.0.0.1:8080/mounted/orders", token });
    const req = { headers: { authorization: `DPoP ${token}`, dpop: proof }, method: "POST", url: "/orders" };
    const auth = await verifier.authenticate(req, {
      absoluteUrl: () => "http://127.0.0.1:8080/mounted/orders",
    });
    expect(auth.scheme).toBe("DPoP");
  });

  it("accepts a Fetch API Request", async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = await client.proof({ htu: URL_, token, htm: "DELETE" });
    const auth = await verifier.authenticate(
      new Request(`${URL_}?x=1`, {
        method: "DELETE",
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      }),
    );
    expect(auth.binding).toEqual({ kind: "dpop", jkt: client.jkt });
  });

  it("needs a fresh proof on every request, the token cached or not", async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = await client.proof({ htu: URL_, token });
    await verifier.authenticate(request(token, proof));
    // The cache admits a token on second sight; the third request is answered from it.
    await verifier.authenticate(request(token, await client.proof({ htu: URL_, token })));
    await verifier.authenticate(request(token, await client.proof({ htu: URL_, token })));
    expect(verifier.stats().cacheHits).toBe(1);
    expect(await outcome(verifier.authenticate(request(token, undefined)))).toEqual(proofError("missing"));
    expect(await outcome(verifier.authenticate(request(token, proof)))).toEqual(proofError("replay"));
  });
});

describe("DPoP: schemes (RFC 9449 §7.1, §7.2)", () => {
  it("refuses a DPoP-bound token sent as Bearer, with or without a proof", async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = await client.proof({ htu: URL_, token });
    const result = await outcome(
      verifier.authenticate({
        headers: { authorization: `Bearer ${token}`, dpop: proof },
        method: "GET",
        absoluteUrl: URL_,
      }),
    );
    expect(result).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "sender_constrained",
      headers: {
        "WWW-Authenticate": `Bearer realm="api", error="invalid_token", error_description="The token is sender-constrained and cannot be used as a bearer token", DPoP realm="api", algs="${ALL_ALGS}"`,
      },
    });
  });

  it("accepts an unbound token as Bearer and ignores a DPoP header sent with it", async () => {
    const verifier = verifierWith();
    const token = await idp.sign({ sub: "u1", aud: AUDIENCE });
    const auth = await verifier.authenticate({
      headers: { authorization: `Bearer ${token}`, dpop: await client.proof({ htu: URL_, token }) },
    });
    expect(auth).toMatchObject({ scheme: "Bearer", binding: undefined });
  });

  it("refuses an unbound token under the DPoP scheme", async () => {
    const verifier = verifierWith();
    const token = await idp.sign({ sub: "u1", aud: AUDIENCE });
    const result = await outcome(
      verifier.authenticate(request(token, await client.proof({ htu: URL_, token }))),
    );
    expect(result).toMatchObject({ status: 401, code: "invalid_token", reason: "not_dpop_bound" });
    expect(result.headers["WWW-Authenticate"]).toBe(
      `Bearer realm="api", DPoP realm="api", algs="${ALL_ALGS}", error="invalid_token", error_description="The token is not bound to a DPoP key"`,
    );
  });

  it("answers a bad token under the DPoP scheme with invalid_token on the DPoP challenge", async () => {
    const verifier = verifierWith({ algorithms: ["ES256"] });
    const token = await boundToken(client.jkt, { exp: now() - 60, iat: now() - 600 });
    const result = await outcome(
      verifier.authenticate(request(token, await client.proof({ htu: URL_, token }))),
    );
    expect(result.headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", DPoP realm="api", algs="ES256", error="invalid_token", error_description="The token has expired"',
    );
  });

  it("with dpop.required, answers Bearer credentials with a DPoP challenge only", async () => {
    const verifier = verifierWith({ required: true, algorithms: ["ES256"] });
    const token = await idp.sign({ sub: "u1", aud: AUDIENCE });
    expect(await outcome(verifier.authenticate({ headers: { authorization: `Bearer ${token}` } }))).toEqual({
      status: 401,
      code: undefined,
      reason: "no_credentials",
      headers: { "WWW-Authenticate": 'DPoP realm="api", algs="ES256"' },
    });
  });

  it("without the dpop option, does not accept the DPoP scheme at all", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await boundToken();
    expect(
      await outcome(verifier.authenticate(request(token, await client.proof({ htu: URL_, token })))),
    ).toEqual({
      status: 401,
      code: undefined,
      reason: "no_credentials",
      headers: { "WWW-Authenticate": 'Bearer realm="api"' },
    });
  });

  it("is a setup mistake (500, fixed text) when the request's absolute URL cannot be known", async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const result = await outcome(
      verifier.authenticate({
        headers: { authorization: `DPoP ${token}`, dpop: await client.proof({ htu: URL_, token }) },
        method: "GET",
        url: "/orders",
      }),
    );
    expect(result).toEqual({ status: 500, code: undefined, reason: "dpop_request_url_unknown", headers: {} });
  });
});

describe("DPoP: every malformed or failing proof is 401 invalid_dpop_proof", () => {
  let token: string;
  beforeAll(async () => {
    token = await boundToken();
  });
  const check = async (proof: string | string[] | undefined, reason: InvalidDPoPProofReason, extra = {}) => {
    const result = await outcome(verifierWith().authenticate(request(token, proof, extra)));
    expect(result).toEqual(proofError(reason));
    // Nothing of the proof is echoed.
    if (typeof proof === "string" && proof.length > 8) expect(JSON.stringify(result)).not.toContain(proof);
  };
  const header = (h: Record<string, unknown>) => client.proof({ htu: URL_, token, header: h });
  const claims = (c: Record<string, unknown>) => client.proof({ htu: URL_, token, claims: c });

  it("no proof", () => check(undefined, "missing"));
  it("two DPoP header fields (Node keeps an array)", async () =>
    check([await client.proof({ htu: URL_, token }), await client.proof({ htu: URL_, token })], "multiple"));
  it("two DPoP header fields joined with a comma, counted in rawHeaders", async () => {
    const a = await client.proof({ htu: URL_, token });
    const b = await client.proof({ htu: URL_, token });
    await check(`${a}, ${b}`, "multiple", { rawHeaders: ["DPoP", a, "dpop", b] });
  });
  it("one field holding a comma", async () =>
    check(`${await client.proof({ htu: URL_, token })},x`, "malformed", { rawHeaders: ["DPoP", "x"] }));
  it("an empty header", () => check("", "malformed"));
  it("not a JWT", () => check("not-a-jwt", "malformed"));
  it("five segments (a JWE)", () => check("a.b.c.d.e", "malformed"));
  it("bad base64url", async () =>
    check((await client.proof({ htu: URL_, token })).replace(".", "*."), "malformed"));
  it("base64 rather than base64url", async () =>
    check(`${b64({ alg: "ES256" })}+.${b64({})}.c2ln`, "malformed"));
  const goodClaims = () => b64({ jti: "h", htm: "GET", htu: URL_, iat: now(), ath: athOf(token) });
  it("a header that is not JSON", () => check(`${b64("{not json")}.${goodClaims()}.c2ln`, "malformed"));
  it("a header that is a JSON array", () => check(`${b64([1])}.${goodClaims()}.c2ln`, "malformed"));
  it("a header in invalid UTF-8", () =>
    check(`${Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")}.${goodClaims()}.c2ln`, "malformed"));
  it("a payload that is not JSON", () => check(`${b64({ alg: "ES256" })}.${b64("[]")}.c2ln`, "malformed"));
  it("a header with repeated members", () =>
    check(`${b64('{"alg":"ES256","alg":"none"}')}.${goodClaims()}.c2ln`, "duplicate_member"));
  it("a header over 4 KB", () =>
    check(
      `${b64({ alg: "ES256", typ: "dpop+jwt", x: "y".repeat(3200) })}.${goodClaims()}.c2ln`,
      "too_large",
    ));
  it("non-canonical base64url (stray bits in a last character)", async () => {
    const proof = await client.proof({ htu: URL_, token });
    const [h, p, s] = proof.split(".") as [string, string, string];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // A 64-byte ES256 signature is 86 characters: the last one carries 4 unused bits.
    const last = alphabet.indexOf(s.charAt(s.length - 1));
    const sibling = alphabet.charAt(last | 1);
    expect(Buffer.from(s.slice(0, -1) + sibling, "base64url")).toEqual(Buffer.from(s, "base64url"));
    await check(`${h}.${p}.${s.slice(0, -1)}${sibling}`, "malformed");
  });
  it("repeated member names", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const payload = `{"jti":"a","jti":"b","htm":"GET","htu":"${URL_}","iat":${now()},"ath":"${athOf(token)}"}`;
    const proof = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: client.publicJwk })
      .sign(privateKey);
    const [h, , s] = proof.split(".");
    await check(`${h}.${b64(payload)}.${s}`, "duplicate_member");
  });
  it("absurdly large", () => check(`${"a".repeat(9000)}.b.c`, "too_large"));
  it("typ missing", async () => check(await header({ typ: undefined }), "typ"));
  it("typ JWT", async () => check(await header({ typ: "JWT" }), "typ"));
  it("alg none", () =>
    check(
      `${b64({ alg: "none", typ: "dpop+jwt", jwk: client.publicJwk })}.${b64({ jti: "x", htm: "GET", htu: URL_, iat: now(), ath: athOf(token) })}.`,
      "malformed",
    ));
  it("alg none with a signature part", () =>
    check(
      `${b64({ alg: "none", typ: "dpop+jwt", jwk: client.publicJwk })}.${b64({ jti: "x", htm: "GET", htu: URL_, iat: now(), ath: athOf(token) })}.c2ln`,
      "algorithm",
    ));
  it("alg HS256", async () => {
    const proof = await new SignJWT({ jti: "x", htm: "GET", htu: URL_, iat: now(), ath: athOf(token) })
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: { kty: "oct", k: "c2VjcmV0" } as never })
      .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
    await check(proof, "algorithm");
  });
  it("an algorithm outside dpop.algorithms", async () => {
    const rsa = await createDPoPClient("RS256");
    const rsaToken = await boundToken(rsa.jkt);
    const result = await outcome(
      verifierWith({ algorithms: ["ES256"] }).authenticate(
        request(rsaToken, await rsa.proof({ htu: URL_, token: rsaToken })),
      ),
    );
    expect(result).toEqual(proofError("algorithm", "ES256"));
  });
  it("crit", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = createPublicKey(privateKey).export({ format: "jwk" });
    const payload = { jti: "c", htm: "GET", htu: URL_, iat: now(), ath: athOf(token) };
    await check(
      signRaw({ alg: "ES256", typ: "dpop+jwt", jwk, crit: ["exp"], exp: 1 }, payload, privateKey),
      "critical_header",
    );
  });
  it("no jwk", async () => check(await header({ jwk: undefined }), "jwk"));
  it("a jwk with the private key", async () => {
    const { exportJWK } = await import("jose");
    await check(await header({ jwk: await exportJWK(client.privateKey) }), "jwk");
  });
  it("a jwk that is a string", async () => check(await header({ jwk: "key" }), "jwk"));
  it("a symmetric jwk under ES256", async () =>
    check(await header({ jwk: { kty: "oct", k: "c2VjcmV0" } }), "jwk"));
  it("a jwk of the wrong curve", async () => {
    const p384 = await createDPoPClient("ES384");
    await check(await header({ jwk: p384.publicJwk }), "jwk");
  });
  it("a jwk whose point is not on the curve", async () =>
    check(await header({ jwk: { ...client.publicJwk, y: client.publicJwk.x } }), "jwk"));
  it("a jwk whose own alg differs", async () =>
    check(await header({ jwk: { ...client.publicJwk, alg: "ES384" } }), "jwk"));
  it("a jwk for encryption", async () =>
    check(await header({ jwk: { ...client.publicJwk, use: "enc" } }), "jwk"));
  it("an RSA key under 2048 bits", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const jwk = createPublicKey(privateKey).export({ format: "jwk" });
    const weakToken = await boundToken(await calculateJwkThumbprint(jwk as JWK));
    const payload = { jti: "w", htm: "GET", htu: URL_, iat: now(), ath: athOf(weakToken) };
    const proof = signRaw({ alg: "RS256", typ: "dpop+jwt", jwk }, payload, privateKey);
    expect(await outcome(verifierWith().authenticate(request(weakToken, proof)))).toEqual(proofError("jwk"));
  });
  it("an RSA key with a huge exponent", async () => {
    const rsa = await createDPoPClient("RS256");
    await check(
      await rsa.proof({ htu: URL_, token, header: { jwk: { ...rsa.publicJwk, e: "AQAB".repeat(8) } } }),
      "jwk",
    );
  });
  it("a signature by another key", async () => {
    const other = await createDPoPClient("ES256");
    await check(await client.proof({ htu: URL_, token, signWith: other.privateKey }), "signature");
  });
  it("a signature of the wrong length", async () => {
    const proof = await client.proof({ htu: URL_, token });
    await check(`${proof.slice(0, proof.lastIndexOf(".") + 1)}AAAA`, "signature");
  });
  for (const name of ["jti", "htm", "htu", "iat", "ath"]) {
    it(`no ${name}`, async () => check(await claims({ [name]: undefined }), "claim_type"));
  }
  it("iat as a string", async () => check(await claims({ iat: String(now()) }), "claim_type"));
  it("an empty jti", async () => check(await claims({ jti: "" }), "claim_type"));
  it("a jti of 300 characters", async () => check(await claims({ jti: "j".repeat(300) }), "claim_type"));
  it("a nonce that is a number", async () => check(await claims({ nonce: 5 }), "claim_type"));
  it("another method", async () => check(await client.proof({ htu: URL_, token, htm: "POST" }), "htm"));
  it("the method in lower case", async () =>
    check(await client.proof({ htu: URL_, token, htm: "get" }), "htm"));
  it("another path", async () =>
    check(await client.proof({ htu: "https://api.example.com/other", token }), "htu"));
  it("another host", async () =>
    check(await client.proof({ htu: "https://evil.example.com/orders", token }), "htu"));
  it("another scheme", async () =>
    check(await client.proof({ htu: "http://api.example.com/orders", token }), "htu"));
  it("another port", async () =>
    check(await client.proof({ htu: "https://api.example.com:8443/orders", token }), "htu"));
  it("userinfo in htu", async () =>
    check(await client.proof({ htu: "https://u@api.example.com/orders", token }), "htu"));
  it("an htu that is not a URL", async () => check(await client.proof({ htu: "orders", token }), "htu"));
  it("iat too old", async () => check(await client.proof({ htu: URL_, token, iat: now() - 120 }), "iat"));
  it("iat in the future beyond clockTolerance", async () =>
    check(await client.proof({ htu: URL_, token, iat: now() + 30 }), "iat"));
  it("ath of another token", async () => check(await client.proof({ htu: URL_, token: `${token}x` }), "ath"));
  it("a key other than the one the token is bound to", async () => {
    const other = await createDPoPClient("ES256");
    await check(await other.proof({ htu: URL_, token }), "key_binding");
  });
});

describe("DPoP: the iat window", () => {
  it("accepts iat within iatWindowSeconds back and clockTolerance forward", async () => {
    const token = await boundToken();
    const verifier = verifierWith({ iatWindowSeconds: 300 }, { clockTolerance: 10 });
    await verifier.authenticate(request(token, await client.proof({ htu: URL_, token, iat: now() - 290 })));
    await verifier.authenticate(request(token, await client.proof({ htu: URL_, token, iat: now() + 8 })));
    expect(
      await outcome(
        verifier.authenticate(request(token, await client.proof({ htu: URL_, token, iat: now() - 330 }))),
      ),
    ).toMatchObject({ reason: "iat" });
  });
});
