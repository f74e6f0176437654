/**
 * Sender-constrained tokens from a real authorization server: oidc-provider 8.8.1 with `features.dPoP`
 * binds a token to the client's DPoP key (RFC 9449 §5), and with `features.mTLS`
 * (`certificateBoundAccessTokens`) to the certificate the client presented at its HTTPS token endpoint
 * (RFC 8705 §3). A client then calls each example API (examples/express, koa, fastify, as a newcomer
 * copies them) with DPoP proofs over HTTP and with its certificate over HTTPS. Nothing is emulated:
 * tokens, proofs (jose) and certificates (@peculiar/x509) all come from independent code.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS, type RunningApi, startOrdersApi } from "../../examples/demo/src/start-api.js";
import { type Credentials, createPki, type Pki, rawRequest } from "../support/certificates.js";
import { createDPoPClient, type DPoPClient } from "../support/dpop.js";
import { type AuthorizationServer, startAuthorizationServer } from "./authorization-server.js";

const ORDERS = "https://orders.example.com";
const DPOP_CLIENT = { id: "dpop-client", secret: "dpop-client-secret-0123456789abcdef" };
const MTLS_CLIENT = { id: "mtls-client", secret: "mtls-client-secret-0123456789abcdef" };

let as: AuthorizationServer;
let pki: Pki;
let alice: Credentials;
let bob: Credentials;
let key: DPoPClient;

beforeAll(async () => {
  pki = await createPki();
  alice = await pki.client("alice");
  bob = await pki.client("bob");
  key = await createDPoPClient("ES256");
  as = await startAuthorizationServer({
    resources: { [ORDERS]: { scope: "orders:read orders:write" } },
    clients: {
      [DPOP_CLIENT.id]: { secret: DPOP_CLIENT.secret, auth: "client_secret_basic" },
      [MTLS_CLIENT.id]: { secret: MTLS_CLIENT.secret, auth: "client_secret_basic", certificateBound: true },
    },
    senderConstrained: { tls: pki.serverOptions() },
  });
});
afterAll(() => as?.close());

function basic(client: { id: string; secret: string }): string {
  // RFC 6749 §2.3.1: form-urlencode the credentials before base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString("base64")}`;
}

const form = new URLSearchParams({
  grant_type: "client_credentials",
  resource: ORDERS,
  scope: "orders:read orders:write",
});

/** A client-credentials token bound to the DPoP key (RFC 9449 §5: a proof at the token endpoint). */
async function dpopToken(): Promise<string> {
  const proof = await key.proof({ htm: "POST", htu: as.tokenEndpoint });
  const res = await rawRequest(as.tokenEndpoint, {
    method: "POST",
    headers: {
      authorization: basic(DPOP_CLIENT),
      "content-type": "application/x-www-form-urlencoded",
      dpop: proof,
    },
    body: form.toString(),
  });
  expect(res.status).toBe(200);
  const body = JSON.parse(res.body) as { access_token: string; token_type: string };
  expect(body.token_type).toBe("DPoP");
  return body.access_token;
}

/** A client-credentials token bound to alice's certificate (RFC 8705 §3), requested over mTLS. */
async function certificateToken(): Promise<string> {
  const res = await rawRequest(as.mtlsTokenEndpoint as string, {
    method: "POST",
    headers: { authorization: basic(MTLS_CLIENT), "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    ca: pki.ca,
    cert: alice,
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

const TLS_FRAMEWORKS = FRAMEWORKS;

describe.each(TLS_FRAMEWORKS)("the %s example API with tokens bound by oidc-provider", (framework) => {
  let dpopApi: RunningApi;
  let mtlsApi: RunningApi;

  beforeAll(async () => {
    const options = { issuer: as.issuer, audience: ORDERS };
    dpopApi = await startOrdersApi(framework, { ...options, dpop: { algorithms: ["ES256", "EdDSA"] } });
    mtlsApi = await startOrdersApi(
      framework,
      { ...options, mtls: { required: true } },
      0,
      pki.serverOptions(),
    );
  });
  afterAll(async () => {
    await dpopApi?.close();
    await mtlsApi?.close();
  });

  it("serves a DPoP-bound token with a fresh proof per request, and refuses it without one", async () => {
    const token = await dpopToken();
    expect(decodeJwt(token).cnf).toEqual({ jkt: key.jkt });
    const call = async (method: "GET" | "POST", proof: string | undefined, scheme = "DPoP") =>
      rawRequest(`${dpopApi.url}/orders`, {
        method,
        headers: {
          authorization: `${scheme} ${token}`,
          ...(proof ? { dpop: proof } : {}),
          ...(method === "POST" ? { "content-type": "application/json" } : {}),
        },
        ...(method === "POST" ? { body: JSON.stringify({ item: "filter papers", quantity: 3 }) } : {}),
      });

    const proof = await key.proof({ htu: `${dpopApi.url}/orders`, token });
    const listed = await call("GET", proof);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body)).toMatchObject({ client: DPOP_CLIENT.id });

    const created = await call("POST", await key.proof({ htm: "POST", htu: `${dpopApi.url}/orders`, token }));
    expect(created.status).toBe(201);

    const replayed = await call("GET", proof);
    expect(replayed.status).toBe(401);
    expect(replayed.headers["www-authenticate"]).toContain(
      'DPoP realm="api", algs="ES256 EdDSA", error="invalid_dpop_proof", error_description="The DPoP proof has been used before"',
    );
    const missing = await call("GET", undefined);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toEqual({
      error: "invalid_dpop_proof",
      error_description: "A DPoP proof is required",
    });
    const asBearer = await call("GET", await key.proof({ htu: `${dpopApi.url}/orders`, token }), "Bearer");
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers["www-authenticate"]).toContain('error="invalid_token"');
  });

  it("serves a certificate-bound token over mTLS only to the certificate it is bound to", async () => {
    const token = await certificateToken();
    expect(decodeJwt(token).cnf).toEqual({ "x5t#S256": alice.x5t });
    const call = (cert: Credentials | undefined) =>
      rawRequest(`${mtlsApi.url}/orders`, {
        headers: { authorization: `Bearer ${token}` },
        ca: pki.ca,
        ...(cert ? { cert } : {}),
      });
    const ok = await call(alice);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ client: MTLS_CLIENT.id });
    const other = await call(bob);
    expect(other.status).toBe(401);
    expect(JSON.parse(other.body)).toEqual({
      error: "invalid_token",
      error_description: "The token is bound to another client certificate",
    });
    const none = await call(undefined);
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The token is bound to a client certificate that was not presented"',
    );
  });

  it("with mtls.required, refuses an unbound token even with a certificate", async () => {
    const res = await rawRequest(as.tokenEndpoint, {
      method: "POST",
      headers: { authorization: basic(DPOP_CLIENT), "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const { access_token: token, token_type } = JSON.parse(res.body) as {
      access_token: string;
      token_type: string;
    };
    expect(token_type).toBe("Bearer");
    const refused = await rawRequest(`${mtlsApi.url}/orders`, {
      headers: { authorization: `Bearer ${token}` },
      ca: pki.ca,
      cert: alice,
    });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({
      error: "invalid_token",
      error_description: "The token must be bound to the sender",
    });
  });
});
