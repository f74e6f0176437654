/**
 * The presets as pure functions: the exact options each one builds for its vendor, how overrides are
 * placed, and the TypeErrors for the configuration mistakes each vendor invites. The emulator suites
 * in test/interop check that these options accept (and refuse) the vendors' real token shapes.
 */
import { describe, expect, it } from "vitest";
import { createVerifier } from "../src/create-verifier.js";
import { auth0, cognito, entra, keycloak, mergePresets, okta } from "../src/presets/index.js";

const TENANT = "4f1d7a2c-9a53-4f1b-8b3e-5c0d2e7a9b61";
const APP = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

describe("keycloak()", () => {
  it("builds the realm issuer, its certs URL and a Bearer typ rule", () => {
    expect(keycloak({ url: "https://auth.example.com/", realm: "acme", audience: "orders-api" })).toEqual({
      issuers: [
        {
          issuer: "https://auth.example.com/realms/acme",
          audience: ["orders-api"],
          jwksUri: "https://auth.example.com/realms/acme/protocol/openid-connect/certs",
          scopeClaims: ["scope"],
          requiredClaims: { typ: "Bearer" },
        },
      ],
    });
  });

  it("inserts the legacy /auth prefix and reads realm and client roles by explicit path", () => {
    const options = keycloak({
      url: "http://localhost:8080",
      realm: "acme",
      audience: ["orders.api"],
      legacyAuthPath: true,
      realmRoles: true,
      clientRoles: true,
    });
    expect(options.issuers[0]?.issuer).toBe("http://localhost:8080/auth/realms/acme");
    expect(options.issuers[0]?.scopeClaims).toEqual([
      "scope",
      ["realm_access", "roles"],
      ["resource_access", "orders.api", "roles"],
    ]);
    expect(
      keycloak({ url: "https://h/auth", realm: "r", audience: "a", clientRoles: ["x", "y"] }).issuers[0],
    ).toMatchObject({
      issuer: "https://h/auth/realms/r",
      scopeClaims: ["scope", ["resource_access", "x", "roles"], ["resource_access", "y", "roles"]],
    });
  });

  it('refuses "account" as the audience and says why', () => {
    expect(() => keycloak({ url: "https://h", realm: "r", audience: ["orders-api", "account"] })).toThrow(
      new TypeError(
        'resource-guard: keycloak(): "audience" must not be "account": Keycloak puts it into tokens for every client ' +
          "of the realm, so it would accept tokens meant for any client. Add an Audience mapper for this API's client " +
          "and use its client id",
      ),
    );
  });

  it("refuses an issuer URL passed as url, a missing audience and a doubled /auth", () => {
    expect(() => keycloak({ url: "https://h/realms/acme", realm: "acme", audience: "a" })).toThrow(
      'resource-guard: keycloak(): "url" is the server URL without "/realms/…"; pass the realm name as "realm"',
    );
    expect(() => keycloak({ url: "https://h", realm: "acme" } as never)).toThrow(
      'resource-guard: keycloak(): "audience" must be a non-empty string, e.g. "orders-api"',
    );
    expect(() =>
      keycloak({ url: "https://h/auth", realm: "r", audience: "a", legacyAuthPath: true }),
    ).toThrow(
      'resource-guard: keycloak(): "url" already ends with "/auth"; drop "legacyAuthPath" or the suffix',
    );
    expect(() => keycloak({ url: "ftp://h", realm: "r", audience: "a" })).toThrow(TypeError);
    expect(() => keycloak({ url: "https://h?x=1", realm: "r", audience: "a" })).toThrow(TypeError);
  });

  it("places issuer overrides in the entry, merges requiredClaims and keeps verifier options on top", () => {
    const options = keycloak({
      url: "https://h",
      realm: "r",
      audience: "a",
      clockTolerance: 30,
      timeoutMs: 1000,
      allowedClients: ["billing-service"],
      requiredClaims: { acr: "1" },
      typ: "JWT",
    });
    expect(options).toEqual({
      clockTolerance: 30,
      timeoutMs: 1000,
      issuers: [
        {
          issuer: "https://h/realms/r",
          audience: ["a"],
          jwksUri: "https://h/realms/r/protocol/openid-connect/certs",
          scopeClaims: ["scope"],
          requiredClaims: { typ: "Bearer", acr: "1" },
          allowedClients: ["billing-service"],
          typ: "JWT",
        },
      ],
    });
  });

  it("drops the key set when a secret is given (an issuer has one or the other)", () => {
    const entry = keycloak({
      url: "https://h",
      realm: "r",
      audience: "a",
      secret: "s".repeat(32),
      algorithms: ["HS256"],
    }).issuers[0];
    expect(entry).not.toHaveProperty("jwksUri");
    expect(entry).toMatchObject({ secret: "s".repeat(32), algorithms: ["HS256"] });
  });
});

describe("okta()", () => {
  it("builds the custom authorization server's keys URL, RS256 and scp", () => {
    expect(okta({ issuer: "https://acme.okta.com/oauth2/default", audience: "api://default" })).toEqual({
      issuers: [
        {
          issuer: "https://acme.okta.com/oauth2/default",
          audience: ["api://default"],
          jwksUri: "https://acme.okta.com/oauth2/default/v1/keys",
          algorithms: ["RS256"],
          scopeClaims: ["scp"],
        },
      ],
    });
  });

  it("builds one entry per issuer for dynamic issuer mode", () => {
    const options = okta({
      issuer: ["https://acme.okta.com/oauth2/aus1", "https://id.acme.com/oauth2/aus1"],
      audience: "api://orders",
    });
    expect(options.issuers.map((i) => i.jwksUri)).toEqual([
      "https://acme.okta.com/oauth2/aus1/v1/keys",
      "https://id.acme.com/oauth2/aus1/v1/keys",
    ]);
  });

  it("refuses a trailing slash, naming the issuer to use", () => {
    expect(() =>
      okta({ issuer: "https://acme.okta.com/oauth2/default/", audience: "api://default" }),
    ).toThrow(
      new TypeError(
        'resource-guard: okta(): Okta issuers have no trailing slash; use "https://acme.okta.com/oauth2/default"',
      ),
    );
  });

  it("refuses the org authorization server and says why", () => {
    for (const issuer of ["https://acme.okta.com", "https://acme.okta.com/"]) {
      expect(() => okta({ issuer, audience: "api://default" })).toThrow(
        `resource-guard: okta(): "${issuer}" is the org authorization server, whose access tokens only Okta may validate; ` +
          'use a custom authorization server, e.g. "https://acme.okta.com/oauth2/default"',
      );
    }
    expect(() => okta({ issuer: "https://acme.okta.com/oauth2", audience: "a" })).toThrow(
      /ending in "\/oauth2\/\{id\}"/,
    );
  });
});

describe("auth0()", () => {
  it("builds the issuer with its trailing slash and the jwks.json URL", () => {
    expect(auth0({ domain: "acme.us.auth0.com", audience: "https://api.example.com/orders" })).toEqual({
      issuers: [
        {
          issuer: "https://acme.us.auth0.com/",
          audience: ["https://api.example.com/orders"],
          jwksUri: "https://acme.us.auth0.com/.well-known/jwks.json",
          algorithms: ["RS256", "PS256"],
          scopeClaims: ["scope"],
        },
      ],
    });
  });

  it("reads permissions on request, lists custom domains and takes a base URL for emulators", () => {
    const options = auth0({
      domain: ["acme.us.auth0.com", "login.acme.com"],
      audience: "a",
      permissions: true,
    });
    expect(options.issuers.map((i) => [i.issuer, i.scopeClaims])).toEqual([
      ["https://acme.us.auth0.com/", ["scope", "permissions"]],
      ["https://login.acme.com/", ["scope", "permissions"]],
    ]);
    expect(auth0({ baseUrl: "http://127.0.0.1:4000/", audience: "a" }).issuers[0]).toMatchObject({
      issuer: "http://127.0.0.1:4000/",
      jwksUri: "http://127.0.0.1:4000/.well-known/jwks.json",
    });
  });

  it("verifies HS256 APIs with their secret instead of the key set", () => {
    const entry = auth0({ domain: "acme.us.auth0.com", audience: "a", secret: "x".repeat(32) }).issuers[0];
    expect(entry).toEqual({
      issuer: "https://acme.us.auth0.com/",
      audience: ["a"],
      algorithms: ["HS256"],
      scopeClaims: ["scope"],
      secret: "x".repeat(32),
    });
  });

  it("refuses a URL as domain, both or neither of domain and baseUrl, and tenant-wide audiences", () => {
    expect(() => auth0({ domain: "https://acme.us.auth0.com/", audience: "a" })).toThrow(
      new TypeError(
        'resource-guard: auth0(): "domain" is the host name only, e.g. "acme.us.auth0.com"; pass a full origin as "baseUrl" instead',
      ),
    );
    expect(() => auth0({ audience: "a" })).toThrow(
      'resource-guard: auth0(): pass exactly one of "domain" (e.g. "acme.us.auth0.com") and "baseUrl"',
    );
    expect(() => auth0({ domain: "a.auth0.com", baseUrl: "https://a.auth0.com", audience: "a" })).toThrow(
      /exactly one/,
    );
    expect(() =>
      auth0({ domain: "acme.us.auth0.com", audience: "https://acme.us.auth0.com/userinfo" }),
    ).toThrow(
      'resource-guard: auth0(): "audience" must be your API identifier, not "https://acme.us.auth0.com/userinfo": every token that asked for openid has it',
    );
    expect(() =>
      auth0({ domain: "acme.us.auth0.com", audience: "https://acme.us.auth0.com/api/v2/" }),
    ).toThrow(/not the Management API/);
    expect(() => auth0({ baseUrl: "https://a.example/tenant", audience: "a" })).toThrow(
      /origin without a path/,
    );
  });
});

describe("entra()", () => {
  it("builds a v1 and a v2 entry, each with its own key location, tid rule, scp and roles", () => {
    expect(entra({ tenantId: TENANT.toUpperCase(), audience: ["api://orders", APP] })).toEqual({
      issuers: [
        {
          issuer: `https://sts.windows.net/${TENANT}/`,
          jwksUri: "https://login.microsoftonline.com/common/discovery/keys",
          audience: ["api://orders", APP],
          algorithms: ["RS256"],
          scopeClaims: ["scp", "roles"],
          requiredClaims: { tid: TENANT },
        },
        {
          issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
          jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
          audience: ["api://orders", APP],
          algorithms: ["RS256"],
          scopeClaims: ["scp", "roles"],
          requiredClaims: { tid: TENANT },
        },
      ],
    });
  });

  it("builds only the versions asked for, under another authority", () => {
    const options = entra({
      tenantId: TENANT,
      audience: APP,
      versions: ["v2"],
      authority: "http://127.0.0.1:5000",
      v1Authority: "http://127.0.0.1:5001",
    });
    expect(options.issuers.map((i) => [i.issuer, i.jwksUri])).toEqual([
      [`http://127.0.0.1:5000/${TENANT}/v2.0`, `http://127.0.0.1:5000/${TENANT}/discovery/v2.0/keys`],
    ]);
  });

  it("builds {tenantid} templates with a tenant allow-list for multi-tenant APIs", () => {
    const options = entra({ tenantId: "organizations", tenants: [TENANT], audience: APP });
    expect(options.issuers.map((i) => [i.issuer, i.jwksUri, i.tenants, i.requiredClaims])).toEqual([
      [
        "https://sts.windows.net/{tenantid}/",
        "https://login.microsoftonline.com/common/discovery/keys",
        [TENANT],
        undefined,
      ],
      [
        "https://login.microsoftonline.com/{tenantid}/v2.0",
        "https://login.microsoftonline.com/{tenantid}/discovery/v2.0/keys",
        [TENANT],
        undefined,
      ],
    ]);
  });

  it("refuses tenant names, multi-tenant without tenants and unknown versions", () => {
    expect(() => entra({ tenantId: "contoso.onmicrosoft.com", audience: APP })).toThrow(
      new TypeError(
        'resource-guard: entra(): "tenantId" must be a Directory (tenant) ID GUID, because tokens name the tenant by GUID ' +
          'in "iss" and "tid"; find it under Entra ID > Overview',
      ),
    );
    expect(() => entra({ tenantId: "common", audience: APP })).toThrow(
      'resource-guard: entra(): "tenantId: common" accepts any tenant; list the accepted tenant GUIDs in "tenants"',
    );
    expect(() => entra({ tenantId: TENANT, tenants: [TENANT], audience: APP })).toThrow(
      /only for a multi-tenant API/,
    );
    expect(() => entra({ tenantId: TENANT, audience: APP, versions: ["v3" as "v1"] })).toThrow(
      'resource-guard: entra(): "versions" must list "v1" and/or "v2", e.g. ["v2"]',
    );
  });
});

describe("cognito()", () => {
  it("turns the audience check off and binds client_id and token_use instead", () => {
    expect(cognito({ userPoolId: "eu-west-1_AbCdEf123", clientId: "5r2v9kq1m3n8b7c6x4z0a1s2d3" })).toEqual({
      issuers: [
        {
          issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
          audience: false,
          jwksUri: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json",
          algorithms: ["RS256"],
          scopeClaims: ["scope"],
          requiredClaims: { token_use: "access", client_id: ["5r2v9kq1m3n8b7c6x4z0a1s2d3"] },
        },
      ],
    });
  });

  it("reads groups on request and takes another endpoint", () => {
    const entry = cognito({
      userPoolId: "us-east-1_X1",
      region: "us-east-1",
      clientId: ["a", "b"],
      groups: true,
      endpoint: "http://127.0.0.1:7000",
    }).issuers[0];
    expect(entry).toMatchObject({
      issuer: "http://127.0.0.1:7000/us-east-1_X1",
      scopeClaims: ["scope", "cognito:groups"],
      requiredClaims: { token_use: "access", client_id: ["a", "b"] },
    });
  });

  it("refuses an audience, a malformed pool id and a region that disagrees with it", () => {
    expect(() => cognito({ userPoolId: "eu-west-1_A", clientId: "c", audience: "c" } as never)).toThrow(
      new TypeError(
        'resource-guard: cognito(): takes no "audience": Cognito access tokens have no "aud" (only ID tokens do); name the app client(s) in "clientId"',
      ),
    );
    expect(() => cognito({ userPoolId: "AbCdEf123", clientId: "c" })).toThrow(
      'resource-guard: cognito(): "userPoolId" must look like "eu-west-1_AbCdEf123" (region, underscore, id)',
    );
    expect(() => cognito({ userPoolId: "eu-west-1_A", region: "us-east-1", clientId: "c" })).toThrow(
      'resource-guard: cognito(): "region" is "us-east-1" but the user pool "eu-west-1_A" lives in "eu-west-1"',
    );
    expect(() => cognito({ userPoolId: "eu-west-1_A", clientId: [] })).toThrow(
      /"clientId" must list at least one value/,
    );
  });
});

describe("mergePresets()", () => {
  it("concatenates issuers and keeps agreeing verifier options", () => {
    const merged = mergePresets(
      auth0({ domain: "acme.us.auth0.com", audience: "a", clockTolerance: 10 }),
      entra({ tenantId: TENANT, audience: APP, versions: ["v2"], clockTolerance: 10 }),
    );
    expect(merged.clockTolerance).toBe(10);
    expect(merged.issuers.map((i) => i.issuer)).toEqual([
      "https://acme.us.auth0.com/",
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
    ]);
  });

  it("refuses conflicting verifier options and the same issuer twice", () => {
    expect(() =>
      mergePresets(
        okta({ issuer: "https://a.okta.com/oauth2/default", audience: "x", timeoutMs: 1 }),
        okta({ issuer: "https://b.okta.com/oauth2/default", audience: "x", timeoutMs: 2 }),
      ),
    ).toThrow('resource-guard: mergePresets(): "timeoutMs" has different values in two presets; set it once');
    const preset = okta({ issuer: "https://a.okta.com/oauth2/default", audience: "x" });
    expect(() => mergePresets(preset, preset)).toThrow(
      'resource-guard: mergePresets(): the issuer "https://a.okta.com/oauth2/default" comes from two presets',
    );
  });
});

describe("preset output and createVerifier", () => {
  it("is accepted by createVerifier for every preset and variant", () => {
    const variants = [
      keycloak({
        url: "https://h",
        realm: "r",
        audience: "a",
        realmRoles: true,
        clientRoles: true,
        clockTolerance: 10,
      }),
      keycloak({
        url: "https://h",
        realm: "r",
        audience: "a",
        secret: "s".repeat(32),
        algorithms: ["HS256"],
      }),
      okta({
        issuer: ["https://a.okta.com/oauth2/default", "https://id.a.com/oauth2/default"],
        audience: "api://default",
      }),
      auth0({ domain: "acme.us.auth0.com", audience: "a", permissions: true, typ: "at+jwt" }),
      auth0({ domain: "acme.us.auth0.com", audience: "a", secret: "x".repeat(32) }),
      entra({ tenantId: TENANT, audience: [APP, "api://orders"], allowedClients: ["c"] }),
      entra({ tenantId: "organizations", tenants: [TENANT, APP], audience: APP }),
      cognito({ userPoolId: "eu-west-1_AbCdEf123", clientId: ["a", "b"], groups: true }),
      mergePresets(
        auth0({ domain: "a.auth0.com", audience: "x" }),
        okta({ issuer: "https://o.okta.com/oauth2/x", audience: "y" }),
      ),
    ];
    for (const options of variants) expect(typeof createVerifier(options).verify).toBe("function");
  });

  it("passes a misspelt override on to createVerifier, which refuses it", () => {
    expect(() =>
      createVerifier(
        okta({ issuer: "https://a.okta.com/oauth2/default", audience: "x", clockTolerence: 5 } as never),
      ),
    ).toThrow(/unknown option "clockTolerence"/);
  });
});
