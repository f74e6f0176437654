/**
 * The cached-Bearer shortcut (pipeline/cached-bearer.ts) answers a plain Bearer request whose token the
 * cache holds before the stages run. It must give exactly the pipeline's answer: the same AuthResult
 * where the pipeline would serve the cached one, and the pipeline's own error wherever anything else
 * about the request or the verifier's options matters (a repeated header, a second token method, a
 * revocation check, a sender-bound token). The request path is used throughout, because `verify(token)`
 * never takes the shortcut.
 */
import {
  type AuthResult,
  createVerifier,
  type RequestLike,
  type VerifierOptions,
} from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({ issuerPath: "/realms/acme", algs: ["ES256"] });
});
afterAll(() => idp.close());

const verifierFor = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: idp.issuer, audience: AUDIENCE, ...extra });

const bearer = (token: string, scheme = "Bearer") => ({ headers: { authorization: `${scheme} ${token}` } });

/** Verifies through the request path until the token is cached (admitted on its second sight). */
async function cached(verifier: ReturnType<typeof verifierFor>, token: string): Promise<AuthResult> {
  await verifier.authenticate(bearer(token));
  return verifier.authenticate(bearer(token));
}

/** What `authenticateMaybeSync` threw, as status, code and reason. */
function failure(run: () => unknown): { status: number; code?: string; reason: string } {
  try {
    const result = run();
    if (result instanceof Promise) throw new Error("expected a synchronous answer");
  } catch (error) {
    const { status, code, reason } = error as { status: number; code?: string; reason: string };
    return { status, code, reason };
  }
  throw new Error("expected a failure");
}

describe("the cached-Bearer shortcut", () => {
  it("serves the very AuthResult the pipeline cached, synchronously, and counts each hit once", async () => {
    const verifier = verifierFor();
    const token = await idp.sign({ aud: AUDIENCE, scope: "orders:read" });
    const admitted = await cached(verifier, token);
    const hits = verifier.stats().cacheHits;
    const answers = ["Bearer", "bearer", "BEARER", "bEaReR"].map((scheme) =>
      verifier.authenticateMaybeSync(bearer(token, scheme)),
    );
    for (const answer of answers) expect(answer).toBe(admitted);
    expect(verifier.stats().cacheHits).toBe(hits + 4);
    // The promise-returning entry point takes it too.
    await expect(verifier.authenticate(bearer(token))).resolves.toBe(admitted);
  });

  it("leaves what it does not take to the pipeline, which still accepts it", async () => {
    const verifier = verifierFor();
    const token = await idp.sign({ aud: AUDIENCE });
    const admitted = await cached(verifier, token);
    // Spaces after the scheme (RFC 6750 §2.1: 1*SP), Fetch Headers, and a lone header in an array.
    const requests: RequestLike[] = [
      bearer(`  ${token}`),
      { headers: new Headers({ authorization: `Bearer ${token}` }) },
      { headers: { authorization: [`Bearer ${token}`] } },
    ];
    for (const request of requests) expect(verifier.authenticateMaybeSync(request)).toBe(admitted);
  });

  it("leaves a request that is no request to the pipeline: 401 without an error code, not a crash", async () => {
    const verifier = verifierFor();
    await cached(verifier, await idp.sign({ aud: AUDIENCE }));
    for (const request of [null, undefined, "Bearer x", {}, { headers: null }])
      expect(failure(() => verifier.authenticateMaybeSync(request as unknown as RequestLike))).toEqual({
        status: 401,
        code: undefined,
        reason: "no_credentials",
      });
  });

  it("answers a repeated Authorization header 400, cached token or not", async () => {
    const verifier = verifierFor();
    const token = await idp.sign({ aud: AUDIENCE });
    await cached(verifier, token);
    expect(
      failure(() =>
        verifier.authenticateMaybeSync({
          headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] },
        }),
      ),
    ).toEqual({ status: 400, code: "invalid_request", reason: "multiple_headers" });
    // Fetch Headers join the two into one value, which is no token: 400 as well, never the cached result.
    const joined = new Headers();
    joined.append("authorization", `Bearer ${token}`);
    joined.append("authorization", `Bearer ${token}`);
    expect(failure(() => verifier.authenticateMaybeSync({ headers: joined }))).toEqual({
      status: 400,
      code: "invalid_request",
      reason: "malformed_token",
    });
  });

  it("is not taken where a second token method is allowed: header and query together stay a 400", async () => {
    const verifier = verifierFor({ allowQueryToken: true });
    const token = await idp.sign({ aud: AUDIENCE });
    await cached(verifier, token);
    expect(
      failure(() =>
        verifier.authenticateMaybeSync({ ...bearer(token), url: `/orders?access_token=${token}` }),
      ),
    ).toEqual({ status: 400, code: "invalid_request", reason: "multiple_methods" });
  });

  it("is not taken where tokens can be revoked: a cached token revoked later is refused", async () => {
    const revoked = new Set<string>();
    const verifier = verifierFor({ isRevoked: (auth) => revoked.has(String(auth.claims.jti)) });
    const token = await idp.sign({ aud: AUDIENCE, jti: "t-1" });
    await cached(verifier, token);
    revoked.add("t-1");
    expect(failure(() => verifier.authenticateMaybeSync(bearer(token)))).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "revoked",
    });
  });

  it("hands a sender-bound cached token to the pipeline, and counts its hit once", async () => {
    // Loosened on purpose: a DPoP-bound token presented as Bearer passes, so it is cached and served.
    const verifier = verifierFor({ rejectDPoPBoundTokens: false });
    const token = await idp.sign({
      aud: AUDIENCE,
      cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
    });
    const admitted = await cached(verifier, token);
    expect(admitted.binding).toEqual({ kind: "dpop", jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" });
    const hits = verifier.stats().cacheHits;
    expect(verifier.authenticateMaybeSync(bearer(token))).toEqual(admitted);
    expect(verifier.stats().cacheHits).toBe(hits + 1);
    // With the strict default the same token is refused as Bearer, cached or not.
    const strict = verifierFor();
    await strict.authenticate(bearer(token)).catch(() => undefined);
    await strict.authenticate(bearer(token)).catch(() => undefined);
    expect(failure(() => strict.authenticateMaybeSync(bearer(token)))).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "sender_constrained",
    });
  });

  it("is not taken without a token cache: every request is verified", async () => {
    const verifier = verifierFor({ tokenCache: false });
    const token = await idp.sign({ aud: AUDIENCE });
    await cached(verifier, token);
    const answer = verifier.authenticateMaybeSync(bearer(token));
    // The keys are cached, so the answer is synchronous, but a new result, not a cached one.
    expect(answer).not.toBeInstanceOf(Promise);
    expect(verifier.stats()).toEqual({ cachedTokens: 0, cachedTokenBytes: 0, cacheHits: 0 });
  });
});
