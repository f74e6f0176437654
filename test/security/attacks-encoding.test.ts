/**
 * Attacks on the encoding of the token (RFC 7515 §3 and §5.2, RFC 7519 §4, RFC 8259 §4): tampered
 * segments, signatures cut short or padded, characters outside base64url, header or payload that is
 * not a JSON object, duplicate member names (including escaped spellings of the same name),
 * `__proto__`/`constructor` members that try to pollute prototypes, and oversized tokens. Payload
 * attacks are signed with the issuer's real key, so the shape rule alone must reject them.
 */
import { KeyObject, sign } from "node:crypto";
import type { Verifier } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestIdp, TestKey } from "../support/idp.js";
import { b64url, encodeJson, goodClaims, goodHeader, segments, signObjects, signRaw } from "./forge.js";
import {
  expectInvalidRequest,
  expectInvalidToken,
  expectNoPrototypePollution,
  expectRefused,
  startFixture,
  withBearer,
} from "./harness.js";

let idp: TestIdp;
let verifier: Verifier;
let rsa: TestKey;
let ec: TestKey;

beforeAll(async () => {
  ({ idp, verifier } = await startFixture({ idp: { algs: ["RS256", "ES256"] } }));
  [rsa, ec] = idp.keys as [TestKey, TestKey];
});

afterAll(async () => {
  await idp.close();
});

const headerText = () => JSON.stringify(goodHeader(rsa));
const payloadText = (extra: Record<string, unknown> = {}) => JSON.stringify(goodClaims(idp, extra));

describe("tampered tokens", () => {
  it("rejects a payload changed after signing", async () => {
    const [h, , s] = segments(await idp.sign(goodClaims(idp)));
    const forged = encodeJson(goodClaims(idp, { scope: "orders:read orders:admin" }));
    await expectInvalidToken(verifier.verify(`${h}.${forged}.${s}`), ["signature"]);
  });

  it("rejects a header changed after signing", async () => {
    const [, p, s] = segments(await idp.sign(goodClaims(idp)));
    const h = encodeJson({ ...goodHeader(rsa), typ: "at+jwt" });
    await expectInvalidToken(verifier.verify(`${h}.${p}.${s}`), ["signature"]);
  });

  it("rejects the signature of one valid token on the payload of another", async () => {
    const [h, p] = segments(await idp.sign(goodClaims(idp, { sub: "victim" })));
    const [, , s] = segments(await idp.sign(goodClaims(idp, { sub: "attacker" })));
    await expectInvalidToken(verifier.verify(`${h}.${p}.${s}`), ["signature"]);
  });

  it("rejects a payload re-encoded with standard base64 padding", async () => {
    // Grow one claim until the payload's byte length is not a multiple of 3, so base64 pads it:
    // the lengths L, L+10, L+11 cover every remainder, so one of the first two steps does it.
    const claims = goodClaims(idp);
    let token = await idp.sign(claims);
    for (let pad = 1; segments(token)[1].length % 4 === 0 && pad <= 2; pad++) {
      token = await idp.sign({ ...claims, pad: "x".repeat(pad) });
    }
    const [h, p, s] = segments(token);
    const padded = Buffer.from(p, "base64url").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    expect(padded).toMatch(/=$/);
    await expectRefused(
      verifier.verify(`${h}.${padded}.${s}`),
      ["malformed", "signature"],
      ["malformed_token"],
    );
  });
});

describe("truncated and padded signatures", () => {
  const cases: Array<[string, (s: string) => string]> = [
    ["cut by its last character", (s) => s.slice(0, -1)],
    ["cut in half", (s) => s.slice(0, Math.floor(s.length / 2))],
    ["removed entirely", () => ""],
    ["with one byte appended", (s) => s + b64url(Buffer.from([0]))],
    ["with base64 '=' padding appended", (s) => `${s}=`],
    ["with '==' appended", (s) => `${s}==`],
    [
      "with its bytes doubled",
      (s) => b64url(Buffer.concat([Buffer.from(s, "base64url"), Buffer.from(s, "base64url")])),
    ],
  ];
  for (const keyName of ["RS256", "ES256"]) {
    it.each(cases)(`rejects an ${keyName} signature %s`, async (_label, mutate) => {
      const key = keyName === "RS256" ? rsa : ec;
      const [h, p, s] = segments(await idp.sign(goodClaims(idp), { key }));
      await expectInvalidToken(verifier.verify(`${h}.${p}.${mutate(s)}`), ["signature", "malformed"]);
      await expectInvalidToken(withBearer(verifier, `${h}.${p}.${mutate(s)}`), ["signature", "malformed"]);
    });
  }

  it("rejects an ES256 signature in DER form instead of JWS's R||S", async () => {
    const input = `${encodeJson(goodHeader(ec))}.${encodeJson(goodClaims(idp))}`;
    const der = sign("sha256", Buffer.from(input), {
      key: KeyObject.from(ec.privateKey),
      dsaEncoding: "der",
    });
    await expectInvalidToken(verifier.verify(`${input}.${b64url(der)}`), ["signature", "malformed"]);
  });
});

describe("characters outside base64url", () => {
  it.each([
    ["'+' (standard base64)", "+"],
    ["'/' (standard base64)", "/"],
    ["'~'", "~"],
  ])("answers invalid_token for %s, which b64token allows but base64url does not", async (_label, ch) => {
    const [h, p, s] = segments(await idp.sign(goodClaims(idp)));
    const token = `${h}.${p.slice(0, 10)}${ch}${p.slice(10)}.${s}`;
    await expectInvalidToken(withBearer(verifier, token), ["malformed", "signature"]);
    await expectInvalidToken(verifier.verify(token), ["malformed", "signature"]);
  });

  it.each([
    ["'*'", "*"],
    ["'!'", "!"],
    ["a space", " "],
    ["a tab", "\t"],
    ["a NUL", "\u0000"],
    ["'%'", "%"],
    ["a non-ASCII letter", "é"],
    ["a quote", '"'],
  ])("answers invalid_request for %s, outside b64token", async (_label, ch) => {
    const [h, p, s] = segments(await idp.sign(goodClaims(idp)));
    const token = `${h}.${p.slice(0, 10)}${ch}${p.slice(10)}.${s}`;
    await expectInvalidRequest(withBearer(verifier, token), ["malformed_token", "malformed_header"]);
    await expectRefused(verifier.verify(token), ["malformed"], ["malformed_token"]);
  });

  it.each([
    ["four segments", (t: string) => `${t}.${segments(t)[2]}`],
    ["two dots and nothing else", () => ".."],
    ["an empty header segment", (t: string) => `.${segments(t)[1]}.${segments(t)[2]}`],
    ["an empty payload segment", (t: string) => `${segments(t)[0]}..${segments(t)[2]}`],
    [
      "JWE's five segments",
      (t: string) => `${segments(t)[0]}.${b64url("k")}.${b64url("iv")}.${b64url("c")}.${b64url("t")}`,
    ],
  ])("rejects %s", async (_label, shape) => {
    const token = shape(await idp.sign(goodClaims(idp)));
    await expectInvalidToken(verifier.verify(token), ["malformed"]);
  });
});

describe("header or payload that is not a JSON object", () => {
  const notObjects = ["null", "[]", '["alg"]', "123", '"RS256"', "true", "{", "{}x", '{"alg":"RS256"', ""];

  it.each(notObjects)("rejects the signed payload %j", async (text) => {
    const token = signRaw(headerText(), text, rsa);
    await expectInvalidToken(verifier.verify(token), ["malformed"]);
  });

  it.each(notObjects)("rejects the header %j", async (text) => {
    const token = signRaw(text, payloadText(), rsa, "RS256");
    await expectInvalidToken(verifier.verify(token), ["malformed"]);
  });

  // RFC 7519 §7.2 step 10: the payload must be valid UTF-8; a lenient decoder would turn the bad
  // bytes into U+FFFD and accept a text the issuer did not sign as such.
  it("rejects a signed payload that is not UTF-8", async () => {
    const bytes = Buffer.concat([
      Buffer.from(payloadText().slice(0, -1)),
      Buffer.from(',"x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    await expectInvalidToken(verifier.verify(signRaw(headerText(), bytes, rsa)), ["malformed"]);
  });

  it("accepts a signed payload with insignificant whitespace (control)", async () => {
    const text = JSON.stringify(goodClaims(idp), null, 2);
    await expect(verifier.verify(signRaw(headerText(), text, rsa))).resolves.toMatchObject({
      claims: { sub: "user-1" },
    });
  });
});

describe("duplicate JSON member names", () => {
  it("rejects a payload that repeats iss, the real one last", async () => {
    const claims = goodClaims(idp);
    const text = `{"iss":"https://evil.test",${JSON.stringify(claims).slice(1)}`;
    await expectInvalidToken(verifier.verify(signRaw(headerText(), text, rsa)), ["duplicate_member"]);
  });

  it("rejects a payload that repeats scope", async () => {
    // goodClaims already holds scope "orders:read"; the repeat comes last, where JSON.parse keeps it.
    const text = `${payloadText().slice(0, -1)},"scope":"orders:admin"}`;
    await expectInvalidToken(verifier.verify(signRaw(headerText(), text, rsa)), ["duplicate_member"]);
  });

  it("rejects a repeat spelled with a JSON escape", async () => {
    const base = JSON.stringify(goodClaims(idp)).slice(0, -1);
    const text = `${base},"\\u0073cope":"orders:admin"}`;
    await expectInvalidToken(verifier.verify(signRaw(headerText(), text, rsa)), ["duplicate_member"]);
  });

  it("rejects a header that repeats alg", async () => {
    const text = `{"alg":"none","kid":${JSON.stringify(rsa.kid)},"alg":"RS256"}`;
    await expectInvalidToken(verifier.verify(signRaw(text, payloadText(), rsa, "RS256")), [
      "duplicate_member",
    ]);
  });

  it("rejects a header that repeats kid", async () => {
    const text = `{"alg":"RS256","kid":"attacker","kid":${JSON.stringify(rsa.kid)}}`;
    await expectInvalidToken(verifier.verify(signRaw(text, payloadText(), rsa)), ["duplicate_member"]);
  });

  it("accepts the same name in two different nested objects (control)", async () => {
    const text = payloadText({ a: { x: 1 }, b: { x: 2 } });
    await expect(verifier.verify(signRaw(headerText(), text, rsa))).resolves.toMatchObject({
      claims: { a: { x: 1 } },
    });
  });
});

describe("__proto__ and constructor members", () => {
  const proto = {
    "a __proto__ claim": `"__proto__":{"polluted":"yes","scope":"orders:admin"}`,
    "a constructor.prototype claim": `"constructor":{"prototype":{"polluted":"yes"}}`,
    "a nested __proto__": `"realm_access":{"__proto__":{"polluted":"yes","roles":["admin"]}}`,
  };
  for (const [label, member] of Object.entries(proto)) {
    it(`does not pollute prototypes through ${label} in a token the issuer signed`, async () => {
      const claims = goodClaims(idp);
      delete (claims as Record<string, unknown>).scope;
      const text = `{${member},${JSON.stringify(claims).slice(1)}`;
      const outcome = await verifier.verify(signRaw(headerText(), text, rsa)).then(
        (auth) => ({ auth }),
        (err: unknown) => ({ err }),
      );
      expectNoPrototypePollution();
      if ("auth" in outcome) {
        // Accepting is fine; reading a scope out of a prototype is not.
        expect(outcome.auth.scopes).toEqual([]);
        expect(Object.getPrototypeOf(outcome.auth.claims)).not.toHaveProperty("polluted");
        expect((outcome.auth.claims as Record<string, unknown>).polluted).toBeUndefined();
        const denied = thrownBy(() => verifier.assertScopes(outcome.auth, ["orders:admin"]));
        expect(denied).toMatchObject({ status: 403, code: "insufficient_scope" });
      } else {
        await expectInvalidToken(Promise.reject(outcome.err), ["malformed", "claim_type"]);
      }
    });
  }

  it("rejects a header whose alg only exists on a __proto__ member", async () => {
    const text = `{"kid":${JSON.stringify(rsa.kid)},"__proto__":{"alg":"RS256"}}`;
    await expectInvalidToken(verifier.verify(signRaw(text, payloadText(), rsa, "RS256")), [
      "malformed",
      "algorithm",
    ]);
    expectNoPrototypePollution();
  });

  it("rejects a header whose __proto__ member offers alg none", async () => {
    const text = `{"__proto__":{"alg":"none"},"kid":${JSON.stringify(rsa.kid)}}`;
    const token = `${b64url(text)}.${encodeJson(goodClaims(idp))}.`;
    await expectInvalidToken(verifier.verify(token), ["malformed", "algorithm"]);
    expectNoPrototypePollution();
  });

  it("rejects a forged token carrying __proto__ in its payload", async () => {
    const [h, , s] = segments(await idp.sign(goodClaims(idp)));
    const p = b64url(`{"__proto__":{"polluted":"yes"},${JSON.stringify(goodClaims(idp)).slice(1)}`);
    await expectInvalidToken(verifier.verify(`${h}.${p}.${s}`), ["signature"]);
    expectNoPrototypePollution();
  });
});

describe("oversized tokens", () => {
  it("answers token_too_large for a 1 MB token, without asking the IdP", async () => {
    const hits = idp.totalHits;
    const [h, p, s] = segments(await idp.sign(goodClaims(idp)));
    const huge = `${h}.${p}${"A".repeat(1024 * 1024)}.${s}`;
    await expectInvalidRequest(withBearer(verifier, huge), ["token_too_large"]);
    await expectInvalidRequest(verifier.verify(huge), ["token_too_large"]);
    expect(idp.totalHits).toBe(hits);
  });

  it("answers token_too_large for a validly signed token of 1 MB", async () => {
    const token = signObjects(goodHeader(rsa), goodClaims(idp, { filler: "x".repeat(1024 * 1024) }), rsa);
    await expectInvalidRequest(withBearer(verifier, token), ["token_too_large"]);
  });

  it("answers token_too_large one character past maxTokenLength, and judges the token at the limit", async () => {
    const claims = goodClaims(idp);
    const make = (n: number) => signObjects(goodHeader(rsa), { ...claims, filler: "x".repeat(n) }, rsa);
    // Payload base64 grows 4 characters per 3 filler bytes: aim just under the limit, then step down.
    let n = Math.floor(((16384 - make(0).length) * 3) / 4);
    let token = make(n);
    for (let step = 0; token.length > 16384 && step < 8; step++) token = make(--n);
    expect(token.length).toBeLessThanOrEqual(16384);
    expect(token.length).toBeGreaterThan(16380);
    await expect(withBearer(verifier, token)).resolves.toMatchObject({ claims: { sub: "user-1" } });
    const over = `${token}${"A".repeat(16385 - token.length)}`;
    expect(over.length).toBe(16385);
    await expectInvalidRequest(withBearer(verifier, over), ["token_too_large"]);
  });

  it("answers a 1 MB Authorization header of spaces before a short token", async () => {
    // `Bearer 1*SP b64token` allows any number of spaces: this must neither hang a regex nor pass.
    const authorization = `Bearer${" ".repeat(1024 * 1024)}abc`;
    await expectRefused(
      verifier.authenticate({ headers: { authorization }, method: "GET" }),
      ["malformed"],
      ["malformed_header", "token_too_large"],
    );
  });
});

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
