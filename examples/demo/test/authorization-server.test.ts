/**
 * The demo's authorization server, checked from the outside like any OAuth 2.0 client would: its
 * discovery document, the shape of the access tokens it issues (RFC 9068), and the refusals a client
 * meets at the token endpoint (RFC 6749 §5.2, RFC 8707).
 */
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthorizationServer, startAuthorizationServer } from "../src/authorization-server.js";
import { type DemoClient, ORDERS_API_CLIENT, READER_CLIENT, WRITER_CLIENT } from "../src/clients.js";
import { send } from "../src/http-exchange.js";
import { buildTokenRequest, readTokenResponse } from "../src/token-request.js";

let as: AuthorizationServer;
beforeAll(async () => {
  as = await startAuthorizationServer({ accessTokenTtl: 120 });
});
afterAll(() => as.close());

const postForm = (form: Record<string, string>, headers: Record<string, string> = {}) =>
  send({
    method: "POST",
    url: as.tokenEndpoint,
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });

describe("the demo authorization server", () => {
  it("listens on 127.0.0.1 and publishes discovery with the client-credentials grant", async () => {
    expect(as.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = await send({ method: "GET", url: `${as.issuer}/.well-known/openid-configuration` });
    expect(discovery.status).toBe(200);
    expect(discovery.json).toMatchObject({
      issuer: as.issuer,
      jwks_uri: as.jwksUri,
      token_endpoint: as.tokenEndpoint,
      grant_types_supported: expect.arrayContaining(["client_credentials"]),
      token_endpoint_auth_methods_supported: expect.arrayContaining([
        "client_secret_basic",
        "client_secret_post",
      ]),
    });
    const jwks = await send({ method: "GET", url: as.jwksUri });
    expect(jwks.json).toEqual({
      keys: [expect.objectContaining({ kty: "RSA", kid: "demo-rs256", alg: "RS256" })],
    });
    expect(JSON.stringify(jwks.json)).not.toMatch(/"d":/);
  });

  it.each([
    [WRITER_CLIENT, "Basic header"],
    [READER_CLIENT, "form body"],
  ] as [DemoClient, string][])("issues an RFC 9068 JWT to %s (%s)", async (client) => {
    const exchange = await send(buildTokenRequest(as.tokenEndpoint, client, client.scope));
    expect(exchange.status).toBe(200);
    const grant = readTokenResponse(exchange)!;
    expect(grant).toMatchObject({ expiresIn: 120, scope: client.scope });
    expect(decodeProtectedHeader(grant.accessToken)).toEqual({
      alg: "RS256",
      typ: "at+jwt",
      kid: "demo-rs256",
    });
    const claims = decodeJwt(grant.accessToken);
    expect(claims).toMatchObject({
      iss: as.issuer,
      aud: as.audience,
      client_id: client.clientId,
      sub: client.clientId,
      scope: client.scope,
    });
    expect(claims.exp! - claims.iat!).toBe(120);
  });

  it("refuses a wrong client secret with 401 invalid_client", async () => {
    const exchange = await postForm({
      grant_type: "client_credentials",
      scope: "orders:read",
      client_id: READER_CLIENT.clientId,
      client_secret: "not-the-secret",
    });
    expect(exchange.status).toBe(401);
    expect(exchange.json).toMatchObject({ error: "invalid_client" });
  });

  it("refuses orders:write to the read-only client with 400 invalid_scope", async () => {
    const exchange = await postForm({
      grant_type: "client_credentials",
      scope: "orders:write",
      client_id: READER_CLIENT.clientId,
      client_secret: READER_CLIENT.clientSecret,
    });
    expect(exchange.status).toBe(400);
    expect(exchange.json).toMatchObject({ error: "invalid_scope", scope: "orders:write" });
  });

  it("refuses a token for any other resource with 400 invalid_target", async () => {
    const basic = Buffer.from(`${WRITER_CLIENT.clientId}:${WRITER_CLIENT.clientSecret}`).toString("base64");
    const exchange = await postForm(
      { grant_type: "client_credentials", scope: "orders:read", resource: "https://billing.example.com" },
      { Authorization: `Basic ${basic}` },
    );
    expect(exchange.status).toBe(400);
    expect(exchange.json).toMatchObject({ error: "invalid_target" });
  });

  it("signs with a key generated at start, so two servers never share one", async () => {
    const other = await startAuthorizationServer();
    try {
      const ours = (await send({ method: "GET", url: as.jwksUri })).json as { keys: { n: string }[] };
      const theirs = (await send({ method: "GET", url: other.jwksUri })).json as { keys: { n: string }[] };
      expect(ours.keys[0]!.n).not.toBe(theirs.keys[0]!.n);
    } finally {
      await other.close();
    }
  });
});

describe("the demo authorization server with opaque tokens", () => {
  let opaque: AuthorizationServer;
  beforeAll(async () => {
    opaque = await startAuthorizationServer({ accessTokenTtl: 120, accessTokenFormat: "opaque" });
  });
  afterAll(() => opaque.close());

  const introspect = (token: string, client: { clientId: string; clientSecret: string }) =>
    send({
      method: "POST",
      url: opaque.introspectionEndpoint,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
    });

  it("publishes introspection and revocation, issues opaque tokens, and answers only the API about them", async () => {
    const discovery = await send({ method: "GET", url: `${opaque.issuer}/.well-known/openid-configuration` });
    expect(discovery.json).toMatchObject({
      introspection_endpoint: opaque.introspectionEndpoint,
      revocation_endpoint: opaque.revocationEndpoint,
    });
    const grant = readTokenResponse(
      await send(buildTokenRequest(opaque.tokenEndpoint, WRITER_CLIENT, "orders:read")),
    );
    const token = grant?.accessToken ?? "";
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await introspect(token, ORDERS_API_CLIENT);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      active: true,
      client_id: WRITER_CLIENT.clientId,
      aud: opaque.audience,
      scope: "orders:read",
      iss: opaque.issuer,
      token_type: "Bearer",
    });
    // Another client learns nothing about the token.
    expect((await introspect(token, WRITER_CLIENT)).json).toEqual({ active: false });
  });
});
