import { createVerifier, VERIFIER_OPTION_NAMES } from "@resource-guard/core";
import { describe, expect, it } from "vitest";

const base = { issuer: "https://idp.example.com/realms/prod", audience: "orders-api" };

describe("resolveOptions (through createVerifier)", () => {
  it("accepts the contract's minimal options", () => {
    expect(createVerifier(base).realm).toBe("api");
  });

  it("refuses an unknown option name, suggesting the one it most likely means", () => {
    const cases = {
      clockTolerence: "clockTolerance",
      audiance: "audience",
      jwks_uri: "jwksUri",
      JWKSURI: "jwksUri",
      isuer: "issuer",
      issuers_: "issuers",
      timeoutms: "timeoutMs",
      alogrithms: "algorithms",
      allowQueryTokens: "allowQueryToken",
    };
    for (const [typo, meant] of Object.entries(cases)) {
      expect(() => createVerifier({ ...base, [typo]: 5 } as never), typo).toThrow(
        new TypeError(`resource-guard: unknown option "${typo}"; did you mean "${meant}"?`),
      );
    }
  });

  it("lists the known names when an unknown one is not close to any", () => {
    for (const name of ["scopes", "x", "verifier", "clientSecret"]) {
      expect(() => createVerifier({ ...base, [name]: 5 } as never), name).toThrow(
        new TypeError(
          `resource-guard: unknown option "${name}"; known options are: ${VERIFIER_OPTION_NAMES.join(", ")}`,
        ),
      );
    }
  });

  it("requires an issuer", () => {
    // @ts-expect-error the types require it too
    expect(() => createVerifier({ audience: "a" })).toThrow(/"issuer" \(or "issuers"\) is required/);
  });

  it("requires an audience, explaining what it is", () => {
    // @ts-expect-error the types require it too
    expect(() => createVerifier({ issuer: base.issuer })).toThrow(
      'resource-guard: "audience" is required: the identifier your API expects in the token\'s "aud" claim',
    );
  });

  it("refuses audience: false without another binding, and says why", () => {
    expect(() => createVerifier({ ...base, audience: false })).toThrow(
      /turns the audience check off.*"allowedClients" or "requiredClaims"/,
    );
    expect(() => createVerifier({ ...base, audience: false, allowedClients: ["svc"] })).not.toThrow();
    expect(() =>
      createVerifier({ ...base, audience: false, requiredClaims: { token_use: "access" } }),
    ).not.toThrow();
  });

  it("refuses none and HMAC algorithms without a secret", () => {
    // @ts-expect-error the types refuse it too
    expect(() => createVerifier({ ...base, algorithms: ["none"] })).toThrow(/must not contain "none"/);
    expect(() => createVerifier({ ...base, algorithms: ["HS256"] })).toThrow(
      /HMAC algorithm; it needs "secret"/,
    );
    // @ts-expect-error the types refuse it too
    expect(() => createVerifier({ ...base, algorithms: ["XS999"] })).toThrow(/unknown algorithm "XS999"/);
  });

  it("accepts HMAC only with a secret long enough, and never next to a key set", () => {
    const secret = "s".repeat(32);
    expect(() => createVerifier({ ...base, secret })).not.toThrow();
    expect(() => createVerifier({ ...base, secret: "short" })).toThrow(/at least 32 bytes/);
    expect(() => createVerifier({ ...base, secret, algorithms: ["HS512"] })).toThrow(/too short for HS512/);
    expect(() => createVerifier({ ...base, secret, algorithms: ["RS256"] })).toThrow(/only verifies HS256/);
    expect(() => createVerifier({ ...base, secret, jwksUri: "https://idp.example.com/jwks" })).toThrow(
      /has more than one key source \("secret", "jwks", "jwksUri"\/"metadataUrl"\); give it exactly one/,
    );
  });

  it("refuses plain http on a non-loopback host unless allowed explicitly", () => {
    expect(() => createVerifier({ ...base, issuer: "http://idp.example.com" })).toThrow(
      /plain http on a non-loopback host/,
    );
    expect(() => createVerifier({ ...base, jwksUri: "http://idp.example.com/jwks" })).toThrow(
      /"jwksUri".*plain http/,
    );
    expect(() =>
      createVerifier({ ...base, issuer: "http://idp.example.com", allowInsecureHttp: true }),
    ).not.toThrow();
    expect(() => createVerifier({ ...base, issuer: "http://127.0.0.1:8080/realms/x" })).not.toThrow();
    expect(() => createVerifier({ ...base, issuer: "http://localhost:8080" })).not.toThrow();
  });

  it("allows a non-URL issuer only when the key location is given", () => {
    expect(() => createVerifier({ ...base, issuer: "my-issuer" })).toThrow(/is not an absolute URL/);
    expect(() =>
      createVerifier({ ...base, issuer: "my-issuer", jwksUri: "https://idp.example.com/jwks" }),
    ).not.toThrow();
  });

  it("validates numbers with their range", () => {
    expect(() => createVerifier({ ...base, clockTolerance: -1 })).toThrow(
      '"clockTolerance" must be a number from 0 to 3600, got -1',
    );
    expect(() => createVerifier({ ...base, timeoutMs: 0 })).toThrow(/"timeoutMs" must be a number from 1/);
  });

  it("validates realm, scopeClaims, requiredClaims and nested option objects", () => {
    expect(() => createVerifier({ ...base, realm: 'bad\n"' })).toThrow(
      /"realm" must be a string of printable ASCII/,
    );
    expect(createVerifier({ ...base, realm: false }).realm).toBeUndefined();
    expect(() => createVerifier({ ...base, scopeClaims: [] })).toThrow(
      /"scopeClaims" must be a non-empty array/,
    );
    expect(() => createVerifier({ ...base, requiredClaims: { tid: { bogus: 1 } as never } })).toThrow(
      /"requiredClaims.tid" must be/,
    );
    expect(() => createVerifier({ ...base, tokenCache: { maxEntrys: 1 } as never })).toThrow(
      'resource-guard: unknown option "maxEntrys" in tokenCache; did you mean "maxEntries"?',
    );
    expect(() => createVerifier({ ...base, keyFreshness: { minMs: 10, maxMs: 5 } })).toThrow(
      /keyFreshness.maxMs/,
    );
  });

  it("refuses unknown keys inside issuers entries and duplicate issuers", () => {
    expect(() =>
      createVerifier({ audience: "a", issuers: [{ issuer: base.issuer, audiance: "x" } as never] }),
    ).toThrow('resource-guard: unknown option "audiance" in issuers[0]; did you mean "audience"?');
    expect(() =>
      createVerifier({ audience: "a", issuer: base.issuer, issuers: [{ issuer: base.issuer }] }),
    ).toThrow(/configured twice/);
  });

  it("requires a tenant allow-list for an issuer template", () => {
    const issuer = "https://login.microsoftonline.com/{tenantid}/v2.0";
    expect(() => createVerifier({ audience: "a", issuers: [{ issuer }] })).toThrow(/needs "tenants"/);
    expect(() =>
      createVerifier({ audience: "a", issuers: [{ issuer, tenants: ["t1", "t2"] }] }),
    ).not.toThrow();
    expect(() =>
      createVerifier({ audience: "a", issuers: [{ issuer: base.issuer, tenants: ["t1"] }] }),
    ).toThrow(/only allowed with an issuer template/);
  });

  it("validates the key layer's options: monotonicNow, maxRsaModulusBits, onError", () => {
    expect(() => createVerifier({ ...base, monotonicNow: 5 as never })).toThrow(
      new TypeError(
        'resource-guard: "monotonicNow" must be a function returning milliseconds on a clock that never steps (a test hook)',
      ),
    );
    expect(() => createVerifier({ ...base, monotonicNow: () => 0 })).not.toThrow();
    for (const bits of [2047, 16385, 4096.5, "8192"]) {
      expect(() => createVerifier({ ...base, maxRsaModulusBits: bits as never })).toThrow(
        new TypeError(
          `resource-guard: "maxRsaModulusBits" must be a whole number from 2048 to 16384, got ${String(bits)}`,
        ),
      );
    }
    expect(() => createVerifier({ ...base, maxRsaModulusBits: 16384 })).not.toThrow();
    expect(() => createVerifier({ ...base, onError: "log" as never })).toThrow(
      /"onError" must be a function/,
    );
  });

  it("counts a requiredClaims function as the other binding that audience: false needs", () => {
    expect(() =>
      createVerifier({ ...base, audience: false, requiredClaims: { token_use: (v) => v === "access" } }),
    ).not.toThrow();
  });
});
