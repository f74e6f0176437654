/**
 * Property tests (fast-check): whatever bytes arrive as a token or an Authorization header, the
 * verifier answers with a BearerError of status 400 or 401 (never a 500, never an uncaught exception
 * or a plain Error), a mutated valid token is either refused or yields exactly the claims that were
 * signed, and every `WWW-Authenticate` it produces parses back under RFC 7235 with only RFC 6750 §3
 * characters. Seeds are fixed so a failure reproduces; fast-check prints the shrunk counterexample.
 */
import {
  INVALID_REQUEST_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  type RequestLike,
  type Verifier,
} from "@resource-guard/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestIdp, TestKey } from "../support/idp.js";
import { parseBearerChallenge, parseChallenge } from "./challenge-grammar.js";
import { b64url, goodClaims, goodHeader, segments, signObjects, signRaw } from "./forge.js";
import { expectNoPrototypePollution, startFixture } from "./harness.js";

const RUNS = { numRuns: 300, seed: 6750 };
const DESCRIPTIONS = new Set<string>([
  ...Object.values(INVALID_TOKEN_DESCRIPTIONS),
  ...Object.values(INVALID_REQUEST_DESCRIPTIONS),
]);

let idp: TestIdp;
let verifier: Verifier;
let key: TestKey;
let validToken: string;
let validClaims: Record<string, unknown>;

beforeAll(async () => {
  ({ idp, verifier } = await startFixture({ idp: { algs: ["ES256"] } }));
  key = idp.keys[0]!;
  validClaims = goodClaims(idp, { exp: Math.floor(Date.now() / 1000) + 3600 });
  validToken = signObjects(goodHeader(key), validClaims, key);
});

afterAll(async () => {
  await idp.close();
});

/**
 * The answer to one input: either an AuthResult or a rejection that must be a well-formed BearerError
 * of the given statuses. Anything else (a TypeError, a jose error, a 500) fails the property.
 */
async function judge(run: () => Promise<unknown>, statuses: readonly number[] = [400, 401]) {
  try {
    return { auth: (await run()) as { claims: unknown; header: unknown } };
  } catch (err) {
    const e = err as { status?: unknown; code?: unknown; headers?: Record<string, string>; message?: string };
    if (typeof e?.status !== "number") throw new Error(`not a BearerError: ${String(err)}`);
    expect(statuses).toContain(e.status);
    const challenge = e.headers?.["WWW-Authenticate"];
    expect(challenge).toBeTypeOf("string");
    const parsed = parseBearerChallenge(challenge as string);
    expect(parsed.params.realm).toBe("api");
    if (e.status === 401 && e.code === undefined) {
      expect(parsed.params).toEqual({ realm: "api" });
    } else {
      expect(parsed.params.error).toBe(e.code);
      expect(DESCRIPTIONS).toContain(parsed.params.error_description);
      expect(parsed.params.error_description).toBe(e.message);
    }
    return { status: e.status, code: e.code };
  }
}

const b64urlChar = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""),
);
const tokenish = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc
    .array(fc.string({ unit: b64urlChar, maxLength: 60 }), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(".")),
  fc
    .array(fc.string({ unit: fc.constantFrom(...'aZ09-_.~+/= \t",;'.split("")), maxLength: 40 }), {
      maxLength: 4,
    })
    .map((parts) => parts.join(".")),
);

describe("random tokens", () => {
  it("never produce anything but a 400 or 401 BearerError", async () => {
    await fc.assert(
      fc.asyncProperty(tokenish, async (token) => {
        const outcome = await judge(() => verifier.verify(token));
        expect(outcome).not.toHaveProperty("auth");
      }),
      RUNS,
    );
  });

  it("never produce anything but a 400 or 401 through authenticate", async () => {
    await fc.assert(
      fc.asyncProperty(tokenish, async (token) => {
        const outcome = await judge(() =>
          verifier.authenticate({ headers: { authorization: `Bearer ${token}` } }),
        );
        expect(outcome).not.toHaveProperty("auth");
      }),
      RUNS,
    );
  });
});

describe("random Authorization headers and request shapes", () => {
  const scheme = fc.constantFrom(
    "Bearer",
    "bearer",
    "BEARER",
    "Basic",
    "Token",
    "DPoP",
    "Bearer:",
    "",
    "Bearer\t",
  );
  const header = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc
      .tuple(scheme, fc.string({ unit: fc.constantFrom(" ", "\t", ","), maxLength: 3 }), tokenish)
      .map(([s, sep, t]) => `${s}${sep}${t}`),
    fc.constant(`Bearer ${"x".repeat(20_000)}`),
  );
  const request: fc.Arbitrary<RequestLike> = fc.record(
    {
      headers: fc.oneof(
        fc.record({ authorization: fc.oneof(header, fc.array(header, { maxLength: 3 })) }),
        fc.dictionary(fc.constantFrom("authorization", "Authorization", "x-other", "cookie"), header),
        fc.constant({}),
      ),
      method: fc.constantFrom("GET", "POST", "PUT", "get", undefined as unknown as string),
      query: fc.option(
        fc.dictionary(fc.constantFrom("access_token", "q"), fc.oneof(tokenish, fc.array(tokenish))),
        {
          nil: undefined,
        },
      ),
      body: fc.option(
        fc.oneof(
          fc.dictionary(fc.constantFrom("access_token", "x"), tokenish),
          fc.string(),
          fc.constant(null),
        ),
        {
          nil: undefined,
        },
      ),
    },
    { requiredKeys: ["headers"] },
  );

  it("never produce anything but a 400 or 401 BearerError", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const outcome = await judge(() => verifier.authenticate(req));
        expect(outcome).not.toHaveProperty("auth");
      }),
      RUNS,
    );
  });

  it("answer a valid token in any accepted spelling of the scheme, and nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("Bearer", "bearer", "BEARER", "bEaReR"),
        fc.integer({ min: 1, max: 4 }),
        async (name, spaces) => {
          const auth = await verifier.authenticate({
            headers: { authorization: `${name}${" ".repeat(spaces)}${validToken}` },
          });
          expect(auth.claims).toEqual(validClaims);
        },
      ),
      { numRuns: 20, seed: 1 },
    );
  });
});

describe("mutated valid tokens", () => {
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant("replace" as const),
      at: fc.nat(),
      ch: fc.oneof(b64urlChar, fc.constantFrom(".", "=", "+", "/", " ")),
    }),
    fc.record({
      kind: fc.constant("delete" as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 40 }),
    }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      text: fc.string({ unit: b64urlChar, minLength: 1, maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant("swap" as const),
      a: fc.integer({ min: 0, max: 2 }),
      b: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({
      kind: fc.constant("reencode" as const),
      segment: fc.integer({ min: 0, max: 1 }),
      extra: fc.jsonValue({ maxDepth: 2 }),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

  function mutate(token: string, m: Mutation): string {
    switch (m.kind) {
      case "replace": {
        const at = m.at % token.length;
        return token.slice(0, at) + m.ch + token.slice(at + 1);
      }
      case "delete": {
        const at = m.at % token.length;
        return token.slice(0, at) + token.slice(at + m.length);
      }
      case "insert": {
        const at = m.at % (token.length + 1);
        return token.slice(0, at) + m.text + token.slice(at);
      }
      case "swap": {
        const parts = segments(token);
        [parts[m.a], parts[m.b]] = [parts[m.b] as string, parts[m.a] as string];
        return parts.join(".");
      }
      case "reencode": {
        // Decode a segment, add a member, re-encode: a well-formed segment the signature does not cover.
        const parts = segments(token);
        let json: unknown;
        try {
          json = JSON.parse(Buffer.from(parts[m.segment] as string, "base64url").toString());
        } catch {
          return token; // an earlier mutation already broke this segment
        }
        parts[m.segment] = b64url(JSON.stringify({ ...(json as object), extra: m.extra }));
        return parts.join(".");
      }
    }
  }

  it("are refused, or yield exactly the header and claims that were signed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const token = mutations.reduce(mutate, validToken);
        const outcome = await judge(() => verifier.verify(token));
        if (outcome.auth) {
          // Only a no-op survives (e.g. a changed trailing bit of the signature's last character).
          expect(outcome.auth.claims).toEqual(validClaims);
          expect(outcome.auth.header).toEqual(goodHeader(key));
        }
      }),
      { numRuns: 500, seed: 7515 },
    );
  });
});

describe("signed payloads of arbitrary shape", () => {
  const member = fc.oneof(
    fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
      "scope",
      "scp",
      "aud",
      "iss",
    ),
    fc.string({ maxLength: 10 }),
  );
  it("never throw anything but a 401 BearerError, and never pollute a prototype", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(member, fc.jsonValue({ maxDepth: 3 })), { maxLength: 6 }),
        async (extra) => {
          // Built as text so that a "__proto__" member is a real JSON member, as an attacker's would be.
          const members = extra.map(
            ([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? "null"}`,
          );
          const base = JSON.stringify(validClaims).slice(1, -1);
          const text = `{${[...members, base].join(",")}}`;
          const outcome = await judge(
            () => verifier.verify(signRaw(JSON.stringify(goodHeader(key)), text, key)),
            [401],
          );
          expectNoPrototypePollution();
          if (outcome.auth)
            expect(Object.getPrototypeOf(outcome.auth.claims)).toBeOneOf([Object.prototype, null]);
        },
      ),
      { numRuns: 300, seed: 7519 },
    );
  });
});

describe("the challenge grammar used above", () => {
  it("accepts what RFC 7235 and RFC 6750 allow", () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
      ),
    ).toEqual({
      scheme: "Bearer",
      params: { realm: "api", error: "invalid_token", error_description: "The token has expired" },
    });
    expect(parseBearerChallenge("Bearer")).toEqual({ scheme: "Bearer", params: {} });
    expect(parseChallenge('Bearer realm = "a\\"b" ,error=invalid_token')).toEqual({
      scheme: "Bearer",
      params: { realm: 'a"b', error: "invalid_token" },
    });
    expect(
      parseBearerChallenge('Bearer realm="api", error="insufficient_scope", scope="a:b c"').params.scope,
    ).toBe("a:b c");
  });

  it.each([
    ['Bearer realm="api" error="x"', "a missing comma"],
    ['Bearer realm="api", realm="b"', "a repeated parameter"],
    ['Bearer realm="unterminated', "an unterminated quoted-string"],
    ['Bearer,realm="api"', "no space after the scheme"],
    ['Bearer realm="api", error_description="quote \\" inside"', "a quote in error_description"],
    ['Bearer realm="api", error_description="caf\u00e9"', "a non-ASCII description"],
    ['Bearer realm="api", scope="a  b"', "a double space in scope"],
    ['Basic realm="api"', "another scheme"],
    ['Bearer realm="a\u0000"', "a control character"],
  ])("rejects %j (%s)", (header) => {
    expect(() => parseBearerChallenge(header)).toThrow(SyntaxError);
  });
});
