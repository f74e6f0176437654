import { type AuthResult, createVerifier, type VerifierOptions } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Alg, makeKey, startTestIdp, type TestIdp } from "../../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({ issuerPath: "/realms/acme", algs: ["RS256", "PS256", "ES256", "EdDSA"] });
});
afterAll(() => idp.close());

function verifierFor(extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: idp.issuer, audience: AUDIENCE, ...extra });
}

async function rejection(promise: Promise<AuthResult>) {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: {
      status: number;
      code?: string;
      reason: string;
      headers: Record<string, string>;
      message: string;
    }) => e,
  );
  return { status: error.status, code: error.code, reason: error.reason };
}

const invalid = (reason: string) => ({ status: 401, code: "invalid_token", reason });

describe("verify", () => {
  it.each(["RS256", "PS256", "ES256", "EdDSA"] as Alg[])(
    "accepts a valid %s token and returns claims and scopes",
    async (alg) => {
      const key = idp.keys.find((k) => k.alg === alg)!;
      const token = await idp.sign({ aud: AUDIENCE, sub: "svc", scope: "orders:read orders:write" }, { key });
      const auth = await verifierFor().verify(token);
      expect(auth.token).toBe(token);
      expect(auth.header).toMatchObject({ alg, kid: key.kid });
      expect(auth.claims).toMatchObject({ sub: "svc", iss: idp.issuer });
      expect(auth.scopes).toEqual(["orders:read", "orders:write"]);
      expect(auth.issuer).toBe(idp.issuer);
      expect(Object.isFrozen(auth) && Object.isFrozen(auth.claims)).toBe(true);
    },
  );

  it("rejects a tampered payload and a signature from another key", async () => {
    const token = await idp.sign({ aud: AUDIENCE });
    const [h, p, s] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), sub: "admin" }),
    ).toString("base64url");
    expect(await rejection(verifierFor().verify(`${h}.${forged}.${s}`))).toEqual(invalid("signature"));
    const stranger = await makeKey("RS256", idp.keys[0]!.kid); // same kid, other key material
    const wrongKey = await idp.sign({ aud: AUDIENCE }, { key: stranger });
    expect(await rejection(verifierFor().verify(wrongKey))).toEqual(invalid("signature"));
  });

  it("checks exp (required), nbf and iat with the clock tolerance", async () => {
    const now = Math.floor(Date.now() / 1000);
    const v = verifierFor({ clockTolerance: 5 });
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, exp: undefined })))).toEqual(
      invalid("missing_exp"),
    );
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, exp: now - 6 })))).toEqual(
      invalid("expired"),
    );
    await expect(v.verify(await idp.sign({ aud: AUDIENCE, exp: now - 3 }))).resolves.toBeDefined();
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, nbf: now + 30 })))).toEqual(
      invalid("not_yet_valid"),
    );
    await expect(v.verify(await idp.sign({ aud: AUDIENCE, nbf: now + 3 }))).resolves.toBeDefined();
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, iat: now + 30 })))).toEqual(
      invalid("issued_in_future"),
    );
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, exp: "soon" as never })))).toEqual(
      invalid("claim_type"),
    );
  });

  it("honours maxTokenAge, which makes iat required", async () => {
    const now = Math.floor(Date.now() / 1000);
    const v = verifierFor({ maxTokenAge: 60, clockTolerance: 0 });
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, iat: now - 120 })))).toEqual(
      invalid("too_old"),
    );
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, iat: undefined })))).toEqual(
      invalid("missing_iat"),
    );
    await expect(v.verify(await idp.sign({ aud: AUDIENCE, iat: now - 30 }))).resolves.toBeDefined();
  });

  it("matches the issuer exactly and accepts any one configured audience", async () => {
    const v = verifierFor({ audience: ["other", AUDIENCE] });
    await expect(v.verify(await idp.sign({ aud: ["x", AUDIENCE] }))).resolves.toBeDefined();
    expect(await rejection(v.verify(await idp.sign({ aud: "x" })))).toEqual(invalid("audience"));
    expect(await rejection(v.verify(await idp.sign({ aud: undefined })))).toEqual(invalid("audience"));
    expect(await rejection(v.verify(await idp.sign({ aud: [AUDIENCE, 7] as never })))).toEqual(
      invalid("claim_type"),
    );
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE, iss: `${idp.issuer}/` })))).toEqual(
      invalid("issuer"),
    );
    expect(
      await rejection(v.verify(await idp.sign({ aud: AUDIENCE, iss: idp.issuer.toUpperCase() }))),
    ).toEqual(invalid("issuer"));
  });

  it("rejects a token of an unconfigured issuer without any network request", async () => {
    const before = idp.totalHits;
    const v = verifierFor();
    expect(
      await rejection(v.verify(await idp.sign({ aud: AUDIENCE, iss: "https://evil.example.com" }))),
    ).toEqual(invalid("issuer"));
    expect(idp.totalHits).toBe(before);
  });

  it("enforces the algorithm allow-list before looking at keys", async () => {
    const before = idp.totalHits;
    const v = verifierFor({ algorithms: ["ES256"] });
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE })))).toEqual(invalid("algorithm"));
    expect(idp.totalHits).toBe(before);
  });

  it("requires the typ header when configured (RFC 9068), with the application/ prefix optional", async () => {
    const v = verifierFor({ typ: "at+jwt" });
    expect(await rejection(v.verify(await idp.sign({ aud: AUDIENCE })))).toEqual(invalid("typ"));
    await expect(
      v.verify(await idp.sign({ aud: AUDIENCE }, { header: { typ: "at+jwt" } })),
    ).resolves.toBeDefined();
    await expect(
      v.verify(await idp.sign({ aud: AUDIENCE }, { header: { typ: "application/AT+JWT" } })),
    ).resolves.toBeDefined();
  });

  it("applies requiredClaims and allowedClients", async () => {
    const v = verifierFor({
      audience: false,
      allowedClients: ["billing"],
      requiredClaims: {
        token_use: "access",
        tid: ["t1", "t2"],
        amr: { includes: "mfa" },
        ver: (value) => value === 2,
      },
    });
    const good = { token_use: "access", tid: "t2", amr: ["pwd", "mfa"], ver: 2, client_id: "billing" };
    await expect(v.verify(await idp.sign(good))).resolves.toBeDefined();
    expect(await rejection(v.verify(await idp.sign({ ...good, token_use: "id" })))).toEqual(
      invalid("claim_rule"),
    );
    expect(await rejection(v.verify(await idp.sign({ ...good, tid: "t3" })))).toEqual(invalid("claim_rule"));
    expect(await rejection(v.verify(await idp.sign({ ...good, amr: ["pwd"] })))).toEqual(
      invalid("claim_rule"),
    );
    expect(await rejection(v.verify(await idp.sign({ ...good, ver: 1 })))).toEqual(invalid("claim_rule"));
    expect(await rejection(v.verify(await idp.sign({ ...good, client_id: "other" })))).toEqual(
      invalid("client"),
    );
    await expect(
      v.verify(await idp.sign({ ...good, client_id: undefined, azp: "billing" })),
    ).resolves.toBeDefined();
  });

  it("reads scopes from scope, scp (string or array), dotted paths, role objects and functions", async () => {
    const claims = {
      aud: AUDIENCE,
      scope: "a b",
      scp: ["c", "a"],
      realm_access: { roles: ["r1"] },
      "urn:zitadel:iam:org:project:roles": { admin: {}, viewer: {} },
      "https://example.com/roles": ["dotted-name"],
    };
    const token = await idp.sign(claims);
    expect((await verifierFor().verify(token)).scopes).toEqual(["a", "b", "c"]);
    const paths = verifierFor({
      scopeClaims: [
        "realm_access.roles",
        "urn:zitadel:iam:org:project:roles",
        "https://example.com/roles",
        ["realm_access", "roles"],
      ],
    });
    expect((await paths.verify(token)).scopes).toEqual(["r1", "admin", "viewer", "dotted-name"]);
    const spaced = await idp.sign({ aud: AUDIENCE, scope: " a  b a ", scp: "b c" });
    expect((await verifierFor().verify(spaced)).scopes).toEqual(["a", "b", "c"]);
    const many = Array.from({ length: 40 }, (_, i) => `s${i % 35}`).join(" ");
    expect((await verifierFor().verify(await idp.sign({ aud: AUDIENCE, scope: many }))).scopes).toEqual(
      Array.from({ length: 35 }, (_, i) => `s${i}`),
    );
    const fn = verifierFor({ scopeClaims: (c) => [String(c.sub ?? "none")] });
    expect((await fn.verify(token)).scopes).toEqual(["none"]);
    expect((await verifierFor({ scopeClaims: ["constructor", "__proto__.x"] }).verify(token)).scopes).toEqual(
      [],
    );
  });

  it("assertScopes needs all, assertAnyScope one, both as whole words", async () => {
    const v = verifierFor();
    const auth = await v.verify(await idp.sign({ aud: AUDIENCE, scope: "orders:readonly orders:write" }));
    expect(() => v.assertScopes(auth, ["orders:write"])).not.toThrow();
    const error = (() => {
      try {
        v.assertScopes(auth, ["orders:read", "orders:write"]);
      } catch (e) {
        return e as { status: number; code: string; headers: Record<string, string> };
      }
    })();
    expect(error).toMatchObject({
      status: 403,
      code: "insufficient_scope",
      headers: {
        "WWW-Authenticate":
          'Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write"',
      },
    });
    expect(() => v.assertAnyScope(auth, ["orders:read", "orders:write"])).not.toThrow();
    expect(() => v.assertAnyScope(auth, ["orders:read", "orders:admin"])).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it("refuses DPoP-bound tokens presented as bearer tokens", async () => {
    const token = await idp.sign({
      aud: AUDIENCE,
      cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
    });
    expect(await rejection(verifierFor().verify(token))).toEqual(invalid("sender_constrained"));
    await expect(verifierFor({ rejectDPoPBoundTokens: false }).verify(token)).resolves.toBeDefined();
  });

  it("verifies HS256 for an issuer configured with a secret, and only there", async () => {
    const { SignJWT } = await import("jose");
    const secret = "0123456789abcdef0123456789abcdef";
    const now = Math.floor(Date.now() / 1000);
    const v = createVerifier({
      audience: AUDIENCE,
      issuers: [{ issuer: "https://hmac.example.com", secret }, { issuer: idp.issuer }],
    });
    const sign = (iss: string) =>
      new SignJWT({ iss, aud: AUDIENCE, exp: now + 60 })
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode(secret));
    await expect(v.verify(await sign("https://hmac.example.com"))).resolves.toMatchObject({
      issuer: "https://hmac.example.com",
    });
    expect(await rejection(v.verify(await sign(idp.issuer)))).toEqual(invalid("algorithm"));
  });
});

describe("several issuers", () => {
  it("keeps a key set per issuer and picks it by iss", async () => {
    const other = await startTestIdp({ discovery: "oauth-insertion", issuerPath: "/tenant-b" });
    try {
      const v = createVerifier({ issuer: [idp.issuer, other.issuer], audience: AUDIENCE });
      const a = await v.verify(await idp.sign({ aud: AUDIENCE }));
      const b = await v.verify(await other.sign({ aud: AUDIENCE }));
      expect([a.issuer, b.issuer]).toEqual([idp.issuer, other.issuer]);
      // A token claiming issuer A but signed by B's key is refused: B's key is not in A's set.
      const crossed = await other.sign({ aud: AUDIENCE, iss: idp.issuer });
      expect(await rejection(v.verify(crossed))).toEqual(invalid("unknown_key"));
    } finally {
      await other.close();
    }
  });

  it("gives each issuers entry its own audience and key location", async () => {
    const other = await startTestIdp({ discovery: "none" });
    try {
      const v = createVerifier({
        issuers: [
          { issuer: idp.issuer, audience: "api-a" },
          { issuer: other.issuer, audience: "api-b", jwksUri: other.jwksUri },
        ],
      });
      await expect(v.verify(await idp.sign({ aud: "api-a" }))).resolves.toBeDefined();
      await expect(v.verify(await other.sign({ aud: "api-b" }))).resolves.toBeDefined();
      expect(await rejection(v.verify(await other.sign({ aud: "api-a" })))).toEqual(invalid("audience"));
      expect(other.hits.get("/no-metadata")).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it("expands a {tenantid} template into one issuer per listed tenant, requiring tid", async () => {
    const tenants = await startTestIdp({ discovery: "none" });
    try {
      const v = createVerifier({
        audience: AUDIENCE,
        issuers: [
          { issuer: `${tenants.origin}/{tenantid}/v2.0`, tenants: ["t1", "t2"], jwksUri: tenants.jwksUri },
        ],
      });
      const sign = (tenant: string, tid = tenant) =>
        tenants.sign({ aud: AUDIENCE, iss: `${tenants.origin}/${tenant}/v2.0`, tid });
      await expect(v.verify(await sign("t1"))).resolves.toMatchObject({
        issuer: `${tenants.origin}/t1/v2.0`,
      });
      expect(await rejection(v.verify(await sign("t3")))).toEqual(invalid("issuer"));
      expect(await rejection(v.verify(await sign("t2", "t1")))).toEqual(invalid("claim_rule"));
    } finally {
      await tenants.close();
    }
  });
});
