/**
 * Attacks that use genuinely signed tokens with the wrong meaning (RFC 8725 §3.11–3.12, RFC 9068 §4):
 * an OpenID ID token replayed as an access token, issuer values that only look like the configured
 * one, registered claims of unexpected JSON types, and scope strings that contain the required scope
 * as a substring. The signature is always valid here; only claim checking can say no.
 */
import { createVerifier, type Verifier } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestIdp, TestKey } from "../support/idp.js";
import { AUDIENCE, goodClaims, goodHeader, signObjects } from "./forge.js";
import { expectInvalidToken, rejectionOf, startFixture } from "./harness.js";

let idp: TestIdp;
let verifier: Verifier;
let key: TestKey;

beforeAll(async () => {
  ({ idp, verifier } = await startFixture({ idp: { issuerPath: "/realms/acme" } }));
  key = idp.keys[0]!;
});

afterAll(async () => {
  await idp.close();
});

const signed = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  signObjects(goodHeader(key, header), claims, key);

describe("an ID token replayed as an access token (strict typ)", () => {
  let strict: Verifier;
  beforeAll(() => {
    strict = createVerifier({ issuer: idp.issuer, audience: AUDIENCE, typ: "at+jwt" });
  });
  const idToken = () =>
    goodClaims(idp, {
      aud: AUDIENCE,
      nonce: "n-0S6_WzA2Mj",
      auth_time: Math.floor(Date.now() / 1000),
      scope: undefined,
    });

  it("rejects an ID token (typ JWT) where at+jwt is required", async () => {
    await expectInvalidToken(strict.verify(signed(idToken(), { typ: "JWT" })), ["typ"]);
  });

  it("rejects an ID token without typ", async () => {
    const { typ: _none, ...header } = goodHeader(key);
    await expectInvalidToken(strict.verify(signObjects(header, idToken(), key)), ["typ"]);
  });

  it.each(["id_token+jwt", "application/jwt", "at+jwt ", "at-jwt", "secevent+jwt"])(
    "rejects typ %j where at+jwt is required",
    async (typ) => {
      await expectInvalidToken(strict.verify(signed(goodClaims(idp), { typ })), ["typ"]);
    },
  );

  it("accepts at+jwt and application/at+jwt (control)", async () => {
    for (const typ of ["at+jwt", "application/at+jwt"]) {
      await expect(strict.verify(signed(goodClaims(idp), { typ }))).resolves.toMatchObject({
        header: { typ },
      });
    }
  });
});

describe("issuer look-alikes", () => {
  const lookAlikes: Array<[string, (iss: string) => unknown]> = [
    ["a trailing slash", (iss) => `${iss}/`],
    ["a dot-dot segment", (iss) => `${iss}/../acme`],
    ["upper-case scheme and host", (iss) => iss.replace("http://127.0.0.1", "HTTP://127.0.0.1")],
    ["a different path case", (iss) => iss.replace("/realms/acme", "/Realms/Acme")],
    ["a Cyrillic а in the realm", (iss) => iss.replace("acme", "\u0430cme")],
    ["a fullwidth solidus", (iss) => iss.replace("/realms/", "\uff0frealms/")],
    ["a zero-width space", (iss) => `${iss}\u200b`],
    ["a combining mark", (iss) => `${iss}\u0301`],
    ["percent-encoding", (iss) => iss.replace("acme", "%61cme")],
    ["a trailing space", (iss) => `${iss} `],
    ["a NUL suffix", (iss) => `${iss}\u0000`],
    ["a trailing dot on the host", (iss) => iss.replace("127.0.0.1", "127.0.0.1.")],
    ["an IPv6-mapped host", (iss) => iss.replace("127.0.0.1", "[::ffff:127.0.0.1]")],
    ["a query string", (iss) => `${iss}?x=1`],
    ["a fragment", (iss) => `${iss}#`],
    ["an issuer prefix", (iss) => iss.slice(0, -1)],
    ["an issuer extension", (iss) => `${iss}x`],
    ["userinfo", (iss) => iss.replace("http://", "http://evil@")],
  ];
  it.each(lookAlikes)("rejects an iss with %s", async (_label, alter) => {
    const hitsBefore = [...idp.hits.keys()];
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { iss: alter(idp.issuer) }))), [
      "issuer",
    ]);
    // The look-alike is not discovered: only the configured issuer's documents were ever asked for.
    for (const path of idp.hits.keys())
      expect([...hitsBefore, idp.metadataPath, idp.jwksPath]).toContain(path);
  });

  it.each([
    ["an array holding the issuer", (iss: string) => [iss]],
    ["a number", () => 1],
    ["an object", (iss: string) => ({ iss })],
    ["null", () => null],
  ])("rejects an iss that is %s", async (_label, alter) => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { iss: alter(idp.issuer) }))), [
      "issuer",
      "claim_type",
    ]);
  });

  it("rejects a token without iss", async () => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { iss: undefined }))), [
      "issuer",
      "claim_type",
    ]);
  });

  it("accepts the exact issuer (control)", async () => {
    await expect(verifier.verify(signed(goodClaims(idp)))).resolves.toMatchObject({ issuer: idp.issuer });
  });
});

describe("registered claims of unexpected types", () => {
  it.each([
    ["a number", 1],
    ["an object", { aud: AUDIENCE }],
    ["a nested array", [[AUDIENCE]]],
    ["an array of numbers", [1, 2]],
    ["true", true],
    ["null", null],
    ["an empty array", []],
    ["an empty string", ""],
    ["a comma-joined list", `${AUDIENCE},https://other.test`],
    ["a space-joined list", `${AUDIENCE} https://other.test`],
    ["a prefix of the audience", AUDIENCE.slice(0, -1)],
  ])("rejects an aud that is %s", async (_label, aud) => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { aud }))), ["audience", "claim_type"]);
  });

  it("rejects an aud array that holds the audience next to a non-string", async () => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { aud: [AUDIENCE, 7] }))), [
      "claim_type",
      "audience",
    ]);
  });

  // RFC 9068 §2.2.3: scope is a space-delimited string. A lenient reader (skip non-strings, take an
  // object's member names) would grant scopes the issuer never wrote as such.
  it.each([
    ["a number", 1],
    ["an object", { "orders:read": true }],
    ["true", true],
    ["a nested array", [["orders:read"]]],
    ["an array holding a non-string", ["orders:read", 1]],
  ])("rejects a scope that is %s", async (_label, scope) => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { scope }))), ["claim_type"]);
  });

  // scp: a string or an array of strings (Okta, Entra), nothing else.
  it.each([
    ["a number", 1],
    ["an object", { "orders:read": true }],
    ["a nested array", [["orders:read"]]],
    ["an array holding a non-string", ["orders:read", {}]],
  ])("rejects an scp that is %s", async (_label, scp) => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { scope: undefined, scp }))), [
      "claim_type",
    ]);
  });

  it.each([
    ["exp", "a numeric string", "9999999999"],
    ["exp", "an array", [9999999999]],
    ["exp", "null", null],
    ["exp", "a boolean", true],
    ["nbf", "a numeric string", "0"],
    ["nbf", "an object", {}],
    ["iat", "a numeric string", "0"],
    ["iat", "an array", [0]],
  ])("rejects %s given as %s", async (claim, _label, value) => {
    const r = await rejectionOf(verifier.verify(signed(goodClaims(idp, { [claim]: value }))));
    await expectInvalidToken(Promise.reject(r), ["claim_type", "missing_exp", "expired"]);
  });

  // RFC 7519 §4.1.2/§4.1.7: sub and jti are strings; `1` and `"1"` would name the same user to code
  // that stringifies them.
  it.each([
    ["sub", 1],
    ["sub", { id: "user-1" }],
    ["jti", 1],
    ["client_id", ["a"]],
  ])("rejects %s given as %j", async (claim, value) => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { [claim]: value }))), ["claim_type"]);
  });

  it("rejects a token without exp", async () => {
    await expectInvalidToken(verifier.verify(signed(goodClaims(idp, { exp: undefined }))), ["missing_exp"]);
  });
});

describe("scope substrings", () => {
  const grants = async (scope: unknown, claim = "scope") => {
    const claims = goodClaims(idp, { scope: undefined, [claim]: scope });
    const auth = await verifier.verify(signed(claims));
    try {
      verifier.assertScopes(auth, ["orders:read"]);
      return { granted: true, auth };
    } catch (err) {
      const e = err as { status?: number; code?: string; headers?: Record<string, string> };
      expect({ status: e.status, code: e.code, headers: e.headers }).toEqual({
        status: 403,
        code: "insufficient_scope",
        headers: {
          "WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope", scope="orders:read"',
        },
      });
      return { granted: false, auth };
    }
  };

  it.each([
    "orders:readonly",
    "orders:read-all",
    "orders:reader",
    "xorders:read",
    "orders:rea",
    "ORDERS:READ",
    "orders:read\torders:write",
    "orders:read,orders:write",
    "orders:*",
    "orders",
    "",
  ])("does not grant orders:read for scope %j", async (scope) => {
    const { granted } = await grants(scope);
    expect(granted).toBe(false);
  });

  it.each([["orders:readonly"], ["orders:read-all xorders:read"]])(
    "does not grant orders:read for scp %j",
    async (scp) => {
      expect((await grants(scp, "scp")).granted).toBe(false);
      expect((await grants([scp], "scp")).granted).toBe(false);
    },
  );

  // Either answer is safe (401 claim_type, or a token without orders:read); granting is not. Member
  // names of an object are scopes only for role-map claims a user names in scopeClaims (ZITADEL).
  it("does not grant orders:read for a scope object whose member is orders:read", async () => {
    const token = signed(goodClaims(idp, { scope: { "orders:read": true } }));
    const outcome = await verifier.verify(token).then(
      (auth) => auth.scopes.includes("orders:read"),
      async (err: unknown) => {
        await expectInvalidToken(Promise.reject(err), ["claim_type"]);
        return false;
      },
    );
    expect(outcome, "an object-valued scope claim granted its member names").toBe(false);
  });

  it("does not grant with assertAnyScope either", async () => {
    const auth = await verifier.verify(
      signed(goodClaims(idp, { scope: "orders:readonly orders:write-all" })),
    );
    let denied: unknown;
    try {
      verifier.assertAnyScope(auth, ["orders:read", "orders:write"]);
    } catch (err) {
      denied = err;
    }
    expect(denied).toMatchObject({
      status: 403,
      code: "insufficient_scope",
      headers: {
        "WWW-Authenticate":
          'Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write"',
      },
    });
  });

  it.each(["orders:read", "orders:readonly orders:read", "  orders:read  ", "a orders:read b"])(
    "grants orders:read for scope %j (control)",
    async (scope) => {
      const { granted, auth } = await grants(scope);
      expect(granted).toBe(true);
      expect(auth.scopes).toContain("orders:read");
      expect(auth.scopes).not.toContain("");
    },
  );
});

describe("a sender-constrained token presented as a bearer token", () => {
  // RFC 9449 §7.1: a DPoP-bound token (cnf.jkt) used with the Bearer scheme is what a thief without
  // the DPoP private key would send.
  it("rejects a DPoP-bound token (cnf.jkt) sent with Bearer", async () => {
    const token = signed(goodClaims(idp, { cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } }));
    await expectInvalidToken(verifier.verify(token), ["sender_constrained"]);
  });

  it("accepts a token without cnf (control)", async () => {
    await expect(verifier.verify(signed(goodClaims(idp)))).resolves.toBeDefined();
  });
});
