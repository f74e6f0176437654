/**
 * `resource-guard token` against a real authorization server (oidc-provider 8.8.1, as the interop
 * suite starts it): the client-credentials grant with Basic and form-body client authentication
 * (credentials with characters that must be form-urlencoded), resource indicators and scopes; what
 * goes to stdout and stderr; exit codes for refusals, unreachable servers and wrong usage.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createVerifier } from "@resource-guard/core";
import { createTestIssuer } from "@resource-guard/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../../../test/interop/authorization-server.js";
import { removeBundle, runCli } from "./run-cli.js";

const RESOURCE = "https://api.example.com/orders";
const BASIC = { id: "orders:cli basic", secret: "s3cr+t/=% with spaces" };
const POST = { id: "orders-cli-post", secret: "another-secret" };
let as: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: { [RESOURCE]: { scope: "orders:read orders:write", ttl: 300 } },
    clients: {
      [BASIC.id]: { secret: BASIC.secret, auth: "client_secret_basic" },
      [POST.id]: { secret: POST.secret, auth: "client_secret_post" },
    },
  });
});
afterAll(async () => {
  await as.close();
  removeBundle();
});

const grant = (client: { id: string; secret: string }, ...more: string[]) => [
  "token",
  "--issuer",
  as.issuer,
  "--client-id",
  client.id,
  "--client-secret",
  client.secret,
  "--resource",
  RESOURCE,
  ...more,
];

describe("resource-guard token", () => {
  it("gets a token with Basic credentials: only the token on stdout, details on stderr", async () => {
    const run = await runCli(grant(BASIC, "--scope", "orders:read"));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `got a token from ${as.tokenEndpoint} (token_type Bearer, expires in 5 min, scope "orders:read")\n`,
    );
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = run.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({
      iss: as.issuer,
      aud: RESOURCE,
      scope: "orders:read",
      client_id: BASIC.id,
    });
    // What it printed is what an API accepts, and what `inspect` accepts.
    const auth = await createVerifier({ issuer: as.issuer, audience: RESOURCE }).verify(token);
    expect(auth.scopes).toEqual(["orders:read"]);
    const inspected = await runCli([
      "inspect",
      token,
      "--issuer",
      as.issuer,
      "--audience",
      RESOURCE,
      "--scope",
      "orders:read",
    ]);
    expect([inspected.code, inspected.stdout.split("\n").at(-2)]).toEqual([0, "Result  accepted"]);
  });

  it("gets a token with form-body credentials, from a given token endpoint, secret from the environment", async () => {
    const run = await runCli(
      [
        "token",
        "--token-endpoint",
        as.tokenEndpoint,
        "--client-id",
        POST.id,
        "--auth",
        "post",
        "--resource",
        RESOURCE,
        "--scope",
        "orders:read orders:write",
      ],
      { env: { RESOURCE_GUARD_CLIENT_SECRET: POST.secret } },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `got a token from ${as.tokenEndpoint} (token_type Bearer, expires in 5 min, scope "orders:read orders:write")\n`,
    );
    expect(decodeJwt(run.stdout.trim()).client_id).toBe(POST.id);
  });

  it("prints the provider's token response with --json", async () => {
    const run = await runCli(grant(BASIC, "--json"));
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const body = JSON.parse(run.stdout);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expires_in: 300,
      token_type: "Bearer",
    });
  });

  it("exits 1 with the provider's error when it refuses the client", async () => {
    const run = await runCli(grant({ id: BASIC.id, secret: "wrong" }));
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `resource-guard token: refused by ${as.tokenEndpoint} (HTTP 401) invalid_client: client authentication failed\n`,
    });
    const post = await runCli(grant({ id: POST.id, secret: "wrong" }, "--auth", "post"));
    expect([post.code, post.stderr]).toEqual([
      1,
      `resource-guard token: refused by ${as.tokenEndpoint} (HTTP 401) invalid_client: client authentication failed\n`,
    ]);
  });

  it("exits 3 when the token endpoint cannot be reached, or the issuer has none", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(
      await runCli(["token", "--token-endpoint", endpoint, "--client-id", "a", "--client-secret", "b"]),
    ).toEqual({
      code: 3,
      stdout: "",
      stderr: `resource-guard token: ${endpoint} could not be reached (ECONNREFUSED)\n`,
    });
    const idp = await createTestIssuer({ algorithms: ["ES256"] });
    try {
      expect(
        await runCli(["token", "--issuer", idp.issuer, "--client-id", "a", "--client-secret", "b"]),
      ).toEqual({
        code: 3,
        stdout: "",
        stderr: `resource-guard token: ${idp.metadataUrl} has no token_endpoint; pass --token-endpoint\n`,
      });
    } finally {
      await idp.close();
    }
  });

  it("exits 2 when used wrongly", async () => {
    for (const [args, message] of [
      [
        ["token", "--client-id", "a", "--client-secret", "b"],
        "give --issuer (to discover the token endpoint) or --token-endpoint",
      ],
      [["token", "--issuer", as.issuer, "--client-secret", "b"], "--client-id is required"],
      [
        ["token", "--issuer", as.issuer, "--client-id", "a"],
        "--client-secret (or RESOURCE_GUARD_CLIENT_SECRET) is required",
      ],
      [
        ["token", "--issuer", as.issuer, "--client-id", "a", "--client-secret", "b", "--auth", "jwt"],
        '--auth is "basic" or "post"',
      ],
    ] as const) {
      const run = await runCli([...args]);
      expect([run.code, run.stdout, run.stderr.split("\n")[0]]).toEqual([
        2,
        "",
        `resource-guard token: ${message}`,
      ]);
    }
  });
});
