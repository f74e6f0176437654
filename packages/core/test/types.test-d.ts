/**
 * Type tests for createVerifier's options: what the verifier requires at start-up is required by the
 * types too (an issuer, and an audience for every issuer), and `algorithms` is a literal union, so a
 * typo fails to compile instead of at start-up.
 */
import {
  auth0,
  createVerifier,
  type JwsAlgorithm,
  keycloak,
  mergePresets,
  okta,
  type VerifierOptions,
} from "@resource-guard/core";
import { describe, expectTypeOf, it } from "vitest";

const issuer = "https://idp.example.com";
const audience = "https://api.example.com";

describe("createVerifier option types", () => {
  it("requires an issuer and an audience", () => {
    createVerifier({ issuer, audience });
    createVerifier({ issuer: [issuer, "https://other.example.com"], audience: [audience] });
    createVerifier({ issuer, audience: false, allowedClients: ["svc"] });
    // @ts-expect-error no audience
    createVerifier({ issuer });
    // @ts-expect-error no issuer
    createVerifier({ audience });
    // @ts-expect-error an environment variable may be undefined: check it first
    createVerifier({ issuer: process.env.ISSUER, audience });
  });

  it("takes the audience of issuers entries, from the top level or from every entry", () => {
    createVerifier({ issuers: [{ issuer, audience }] });
    createVerifier({ issuers: [{ issuer }, { issuer: "https://b.example.com" }], audience });
    createVerifier({ issuer, issuers: [{ issuer: "https://b.example.com", audience }], audience });
    // @ts-expect-error an entry without an audience, and none at the top level
    createVerifier({ issuers: [{ issuer, audience }, { issuer: "https://b.example.com" }] });
  });

  it("accepts the presets as they are, and merged", () => {
    const options = mergePresets(
      okta({ issuer: `${issuer}/oauth2/default`, audience }),
      keycloak({ url: issuer, realm: "acme", audience: "orders-api" }),
    );
    expectTypeOf(options).toMatchTypeOf<VerifierOptions>();
    createVerifier(options);
    createVerifier({ ...auth0({ domain: "acme.us.auth0.com", audience }), clockTolerance: 10 });
  });

  it("types algorithms as the names the verifier knows", () => {
    createVerifier({ issuer, audience, algorithms: ["RS256", "ES256", "EdDSA", "Ed25519", "PS512"] });
    createVerifier({ issuer, audience, algorithms: ["HS256"], secret: "s".repeat(32) });
    // @ts-expect-error a typo
    createVerifier({ issuer, audience, algorithms: ["RS265"] });
    // @ts-expect-error never "none"
    createVerifier({ issuer, audience, algorithms: ["none"] });
    expectTypeOf<"RS256">().toMatchTypeOf<JwsAlgorithm>();
    expectTypeOf<string>().not.toMatchTypeOf<JwsAlgorithm>();
  });

  it("refuses unknown option names", () => {
    // @ts-expect-error a typo of clockTolerance
    createVerifier({ issuer, audience, clockTolerence: 5 });
  });
});
