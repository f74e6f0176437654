import { createVerifier } from "@resource-guard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const base = { issuer: "https://idp.example.com", audience: "api" };
const JWT_LIKE = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln";

// A token that passes extraction reaches decoding, which fails here with "issuer": that tells the
// extraction outcome apart from every extraction error.
async function outcome(
  verifier: ReturnType<typeof createVerifier>,
  request: Parameters<typeof verifier.authenticate>[0],
) {
  const error = await verifier.authenticate(request).then(
    () => undefined,
    (e: unknown) => e as { status: number; code?: string; reason: string; headers: Record<string, string> },
  );
  return error && { status: error.status, code: error.code, reason: error.reason };
}

describe("findBearerToken (RFC 6750 §2)", () => {
  const verifier = createVerifier(base);

  it("takes the token from an Authorization: Bearer header, scheme in any case", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      expect(await outcome(verifier, { headers: { authorization: `${scheme} ${JWT_LIKE}` } })).toEqual({
        status: 401,
        code: "invalid_token",
        reason: "issuer",
      });
    }
    expect(await outcome(verifier, { headers: { authorization: `Bearer   ${JWT_LIKE}` } })).toMatchObject({
      reason: "issuer",
    });
  });

  it("treats no header, and other schemes, as no bearer credentials", async () => {
    const none = { status: 401, code: undefined, reason: "no_credentials" };
    expect(await outcome(verifier, { headers: {} })).toEqual(none);
    expect(await outcome(verifier, { headers: { authorization: "Basic dXNlcjpwYXNz" } })).toEqual(none);
    expect(await outcome(verifier, { headers: { authorization: `DPoP ${JWT_LIKE}` } })).toEqual(none);
    expect(await outcome(verifier, { headers: { authorization: `Bearertoken` } })).toEqual(none);
  });

  it("answers 400 invalid_request for an empty, malformed, oversized or repeated token", async () => {
    const bad = (reason: string) => ({ status: 400, code: "invalid_request", reason });
    expect(await outcome(verifier, { headers: { authorization: "Bearer" } })).toEqual(bad("empty_token"));
    expect(await outcome(verifier, { headers: { authorization: "Bearer a b" } })).toEqual(
      bad("malformed_token"),
    );
    expect(await outcome(verifier, { headers: { authorization: 'Bearer ab"c' } })).toEqual(
      bad("malformed_token"),
    );
    expect(await outcome(verifier, { headers: { authorization: "Bearer ==abc" } })).toEqual(
      bad("malformed_token"),
    );
    expect(await outcome(verifier, { headers: { authorization: `Bearer ${"a".repeat(16_385)}` } })).toEqual(
      bad("token_too_large"),
    );
    expect(await outcome(verifier, { headers: { authorization: ["Bearer a", "Bearer b"] } })).toEqual(
      bad("multiple_headers"),
    );
  });

  it("accepts every b64token character, leaving JWS syntax to the decoder (401, not 400)", async () => {
    expect(await outcome(verifier, { headers: { authorization: "Bearer abc-._~+/==" } })).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "malformed",
    });
  });

  it("ignores query and form-body tokens unless enabled", async () => {
    expect(await outcome(verifier, { headers: {}, query: { access_token: JWT_LIKE } })).toMatchObject({
      reason: "no_credentials",
    });
    const form = { "content-type": "application/x-www-form-urlencoded" };
    expect(
      await outcome(verifier, { headers: form, method: "POST", body: { access_token: JWT_LIKE } }),
    ).toMatchObject({
      reason: "no_credentials",
    });
  });

  it("reads the query and form-body methods when enabled, and refuses more than one method", async () => {
    const open = createVerifier({ ...base, allowQueryToken: true, allowFormBodyToken: true });
    const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
    expect(await outcome(open, { headers: {}, query: { access_token: JWT_LIKE } })).toMatchObject({
      reason: "issuer",
    });
    expect(
      await outcome(open, { headers: {}, query: new URLSearchParams({ access_token: JWT_LIKE }) }),
    ).toMatchObject({ reason: "issuer" });
    expect(
      await outcome(open, { headers: form, method: "POST", body: { access_token: JWT_LIKE } }),
    ).toMatchObject({ reason: "issuer" });
    // RFC 6750 §2.2: not from a GET body, not from a JSON body.
    expect(
      await outcome(open, { headers: form, method: "GET", body: { access_token: JWT_LIKE } }),
    ).toMatchObject({ reason: "no_credentials" });
    expect(
      await outcome(open, {
        headers: { "content-type": "application/json" },
        method: "POST",
        body: { access_token: JWT_LIKE },
      }),
    ).toMatchObject({ reason: "no_credentials" });
    expect(
      await outcome(open, {
        headers: { authorization: `Bearer ${JWT_LIKE}` },
        query: { access_token: JWT_LIKE },
      }),
    ).toEqual({ status: 400, code: "invalid_request", reason: "multiple_methods" });
    expect(await outcome(open, { headers: {}, query: { access_token: [JWT_LIKE, JWT_LIKE] } })).toMatchObject(
      {
        status: 400,
        reason: "repeated_parameter",
      },
    );
    expect(await outcome(open, { headers: {}, query: { access_token: "" } })).toMatchObject({
      status: 400,
      reason: "empty_token",
    });
    // With `url`, the query is read from the raw target, whatever a framework's parser made of it.
    expect(
      await outcome(open, {
        headers: {},
        url: `/orders?access_token=${JWT_LIKE}`,
        query: { access_token: { x: "1" } },
      }),
    ).toMatchObject({ reason: "issuer" });
    expect(
      await outcome(open, {
        headers: {},
        url: "/orders?access_token[x]=1",
        query: { access_token: { x: "1" } },
      }),
    ).toMatchObject({ reason: "no_credentials" });
  });
});

describe("400 versus 401 for any header token", () => {
  // The grammar check runs only after decoding fails; this shows the answer is still exactly
  // "400 when the token breaks b64token, 401 otherwise", for tokens near and far from a JWT.
  const grammar = /^[A-Za-z0-9\-._~+/]+=*$/;
  const verifier = createVerifier(base);
  const chars = fc.constantFrom(...'AZaz09-._~+/= "\\%é\t,;:{}');
  const segment = fc.string({ unit: chars, minLength: 0, maxLength: 12 });
  const token = fc.oneof(
    fc.string({ unit: chars, minLength: 1, maxLength: 40 }),
    fc
      .tuple(segment, segment, segment)
      .map(([a, b, c]) => `eyJhbGciOiJSUzI1NiJ9${a}.eyJpc3MiOiJ4In0${b}.c2ln${c}`),
  );

  it("is 400 exactly when the token breaks the b64token grammar", async () => {
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        const value = t.trim();
        fc.pre(value !== "" && !value.includes(" ") && !value.includes("\t"));
        const error = (await verifier
          .authenticate({ headers: { authorization: `Bearer ${value}` } })
          .catch((e) => e)) as {
          status: number;
        };
        expect(error.status).toBe(grammar.test(value) ? 401 : 400);
      }),
      { numRuns: 500 },
    );
  });
});
