/**
 * `resource-guard discover` against real local issuers (the test kit, with quirks switched on), with
 * its whole output and exit code asserted: a healthy issuer, one with every kind of key problem, one
 * whose metadata names another issuer, one without caching headers, and ones that cannot be reached.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestIssuer, type TestIssuer } from "@resource-guard/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { removeBundle, runCli } from "./run-cli.js";

afterAll(removeBundle);

const issuers: TestIssuer[] = [];
async function start(options: Parameters<typeof createTestIssuer>[0]): Promise<TestIssuer> {
  const idp = await createTestIssuer(options);
  issuers.push(idp);
  return idp;
}
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((idp) => idp.close()));
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("resource-guard discover", () => {
  it("shows a healthy issuer's metadata, keys and caching, exit 0", async () => {
    const idp = await start({ introspection: true });
    const run = await runCli(["discover", idp.issuer]);
    expect(run).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        `Issuer    ${idp.issuer}`,
        `Metadata  ${idp.metadataUrl} (OpenID Connect Discovery)`,
        `  issuer                  ${idp.issuer}`,
        `  jwks_uri                ${idp.jwksUri}`,
        `  introspection_endpoint  ${idp.issuer}/introspect`,
        `JWKS      ${idp.jwksUri}`,
        "  Cache-Control  public, max-age=300 (keys refreshed every 5 min)",
        "  kid      kty  alg    use  size",
        "  rs256-1  RSA  RS256  sig  2048 bits",
        "  es256-1  EC   ES256  sig  P-256",
        "  eddsa-1  OKP  EdDSA  sig  Ed25519",
        "",
        "No problems found.",
        "",
      ].join("\n"),
    });
  });

  it("answers in JSON with --json", async () => {
    const idp = await start({ algorithms: ["ES256"], alg: "ES256", cacheMaxAge: 7 * 86_400 });
    const run = await runCli(["discover", idp.issuer, "--json"]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(JSON.parse(run.stdout)).toEqual({
      issuer: idp.issuer,
      metadata: {
        url: idp.metadataUrl,
        kind: "openid",
        document: { issuer: idp.issuer, jwks_uri: idp.jwksUri },
      },
      attempts: [],
      jwks: {
        url: idp.jwksUri,
        status: 200,
        cacheControl: "public, max-age=604800",
        maxAge: 604_800,
        refreshSeconds: 86_400,
        keys: [
          {
            kid: "es256-1",
            kty: "EC",
            alg: "ES256",
            use: "sig",
            size: "P-256",
            hasPrivateMembers: false,
          },
        ],
      },
      problems: [],
      exitCode: 0,
    });
  });

  it("finds every key problem and a metadata document naming another issuer, exit 1", async () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });
    const leaked = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const idp = await start({
      algorithms: ["EdDSA"],
      alg: "EdDSA",
      cacheMaxAge: null,
      extraJwks: [
        { ...weak, kid: "weak" },
        { ...leaked, kid: "leaked", alg: "ES256", use: "sig" },
        { kty: "oct", k: "c2VjcmV0", alg: "HS256", use: "sig", kid: "eddsa-1" },
      ],
      metadata: { issuer: "https://elsewhere.example" },
    });
    const run = await runCli(["discover", idp.issuer]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(
      [
        `Issuer    ${idp.issuer}`,
        `Metadata  ${idp.metadataUrl} (OpenID Connect Discovery)`,
        `  issuer    https://elsewhere.example`,
        `  jwks_uri  ${idp.jwksUri}`,
        `JWKS      ${idp.jwksUri}`,
        "  Cache-Control  none (keys refreshed every 10 min)",
        "  kid      kty  alg    use  size",
        "  eddsa-1  OKP  EdDSA  sig  Ed25519",
        "  weak     RSA  -      -    1024 bits",
        "  leaked   EC   ES256  sig  P-256",
        "  eddsa-1  oct  HS256  sig  -",
        "",
        "Problems",
        `  error    issuer-mismatch   the metadata names the issuer "https://elsewhere.example", not "${idp.issuer}"; resource-guard refuses metadata for another issuer (RFC 8414 §3.3)`,
        '  error    weak-rsa          key "weak" is RSA with 1024 bits; RFC 7518 §3.3 requires 2048 or more',
        '  warning  no-alg            key "weak" has no "alg"; any algorithm of its type is then tried with it (set "algorithms" to the ones your provider uses)',
        '  warning  no-use            key "weak" has no "use"; it is assumed to be a signing key',
        '  error    private-key       key "leaked" publishes secret material; a public key set must hold public keys only (replace that key now)',
        '  error    symmetric-key     key "eddsa-1" publishes secret material; a public key set must hold public keys only (replace that key now)',
        '  warning  duplicate-kid     the kid "eddsa-1" is used twice',
        "  warning  no-cache-control  the JWKS has no Cache-Control; resource-guard then refreshes the keys every 10 min",
        "",
      ].join("\n"),
    );
  });

  it("says when the issuer differs from the metadata's only by a trailing slash", async () => {
    const idp = await start({ algorithms: ["ES256"], alg: "ES256" });
    const run = await runCli(["discover", `${idp.issuer}/`]);
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n").slice(-3)).toEqual([
      "Problems",
      `  error  issuer-mismatch  the metadata names the issuer "${idp.issuer}", which differs from "${idp.issuer}/" only by a trailing slash; issuers match exactly, so configure "${idp.issuer}" (the value tokens carry in "iss")`,
      "",
    ]);
  });

  it("exits 3 when the issuer cannot be reached", async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    expect(await runCli(["discover", issuer])).toEqual({
      code: 3,
      stdout: "",
      stderr: `resource-guard discover: ${issuer}/.well-known/openid-configuration could not be reached (ECONNREFUSED)\n`,
    });
  });

  it("exits 3, listing where it looked, when no metadata is found", async () => {
    const idp = await start({ algorithms: ["ES256"], alg: "ES256", path: "/realms/a" });
    const origin = new URL(idp.issuer).origin;
    const run = await runCli(["discover", `${origin}/realms/b`]);
    expect(run).toEqual({
      code: 3,
      stderr: "",
      stdout: [
        `Issuer    ${origin}/realms/b`,
        "",
        "Problems",
        `  error  no-metadata  no metadata found for ${origin}/realms/b`,
        `  tried ${origin}/realms/b/.well-known/openid-configuration: HTTP 404`,
        `  tried ${origin}/.well-known/oauth-authorization-server/realms/b: HTTP 404`,
        `  tried ${origin}/realms/b/.well-known/oauth-authorization-server: HTTP 404`,
        "",
      ].join("\n"),
    });
  });

  it("exits 3 when the jwks_uri answers an error or something that is not a JWK Set", async () => {
    for (const [path, problem] of [
      ["/nope", "  error  jwks-status  the JWKS answered HTTP 404"],
      [
        "/.well-known/openid-configuration",
        '  error  not-a-jwk-set  the JWKS is not a JWK Set (no "keys" array)',
      ],
    ]) {
      const idp = await start({ algorithms: ["ES256"], metadata: (issuer) => ({ jwks_uri: issuer + path }) });
      const run = await runCli(["discover", idp.issuer]);
      expect([run.code, run.stderr]).toEqual([3, ""]);
      expect(run.stdout.split("\n").slice(-5)).toEqual([
        "  Cache-Control  none (keys refreshed every 10 min)",
        "",
        "Problems",
        problem,
        "",
      ]);
    }
  });
});
