/**
 * Opaque tokens and the RFC 7662 introspection endpoint, asked over HTTP as a resource server would:
 * client authentication per RFC 6749 §2.3.1 (Basic with form-urlencoded credentials, or the form
 * body, never both), `active: false` alone for every token that is not usable, and exact answers to
 * malformed requests.
 */
import { createTestIssuer, type TestIssuer } from "@resource-guard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLIENT = { clientId: "orders api:1", clientSecret: "s3cr+t/=%" };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = "application/x-www-form-urlencoded";
// RFC 6749 §2.3.1: each part form-urlencoded, then joined with ":" and base64-encoded.
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${form({ a: id }).slice(2)}:${form({ a: secret }).slice(2)}`).toString("base64")}`;

describe("introspection", () => {
  let idp: TestIssuer;
  let endpoint: string;
  const ask = async (body: string, headers: Record<string, string> = {}) => {
    const all = {
      "content-type": FORM,
      authorization: basic(CLIENT.clientId, CLIENT.clientSecret),
      ...headers,
    };
    // An empty value means: send no such header.
    const sent = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== ""));
    const response = await fetch(endpoint, { method: "POST", headers: sent, body });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    idp = await createTestIssuer({ audience: "orders-api", introspection: CLIENT, algorithms: ["ES256"] });
    endpoint = idp.introspection?.endpoint as string;
  });
  afterAll(async () => {
    await idp.close();
  });

  it("announces its endpoint in the metadata", async () => {
    expect(idp.introspection).toEqual({ endpoint: `${idp.issuer}/introspect`, ...CLIENT });
    expect(await (await fetch(idp.metadataUrl)).json()).toEqual({
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      introspection_endpoint: endpoint,
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    });
  });

  it("describes an active opaque token with its members, no-store", async () => {
    const token = idp.issueOpaque({ scope: "orders:read", sub: "alice" });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await ask(form({ token, token_type_hint: "access_token" }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.body).toEqual({
      active: true,
      iss: idp.issuer,
      sub: "alice",
      aud: "orders-api",
      client_id: "test-client",
      token_type: "Bearer",
      iat: expect.any(Number),
      exp: (answer.body.iat as number) + 3600,
      scope: "orders:read",
    });
    expect(idp.requests.introspection).toBeGreaterThan(0);
  });

  it("accepts client_secret_post as well", async () => {
    const token = idp.issueOpaque();
    const answer = await ask(
      form({ token, ...{ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret } }),
      {
        authorization: "",
      },
    );
    expect([answer.status, answer.body.active]).toEqual([200, true]);
  });

  it("answers active false, and nothing else, for unknown, expired, not yet valid and revoked tokens", async () => {
    const revoked = idp.issueOpaque();
    idp.revoke(revoked);
    for (const token of [
      "never-issued",
      idp.issueOpaque({}, { expiresIn: -1 }),
      idp.issueOpaque({}, { notBefore: 60 }),
      revoked,
    ]) {
      const answer = await ask(form({ token }));
      expect([answer.status, answer.body]).toEqual([200, { active: false }]);
    }
  });

  it("refuses a client with the wrong secret, or none, with 401 invalid_client and a Basic challenge", async () => {
    const token = idp.issueOpaque();
    for (const authorization of [basic(CLIENT.clientId, "wrong"), basic("other", CLIENT.clientSecret), ""]) {
      const answer = await ask(form({ token }), { authorization });
      expect([answer.status, answer.headers.get("www-authenticate"), answer.body]).toEqual([
        401,
        'Basic realm="test-issuer"',
        { error: "invalid_client", error_description: "Client authentication failed" },
      ]);
    }
  });

  it("answers 400 invalid_request to a malformed request", async () => {
    const token = idp.issueOpaque();
    const cases: [string, Record<string, string>, string][] = [
      [form({}), {}, "The token parameter is missing"],
      [`${form({ token })}&token=${token}`, {}, "A parameter was sent more than once"],
      [
        form({ token, client_secret: CLIENT.clientSecret }),
        {},
        "More than one client authentication method was used",
      ],
      [
        JSON.stringify({ token }),
        { "content-type": "application/json" },
        "The request body must be application/x-www-form-urlencoded",
      ],
    ];
    for (const [body, headers, description] of cases) {
      const answer = await ask(body, headers);
      expect([answer.status, answer.body]).toEqual([
        400,
        { error: "invalid_request", error_description: description },
      ]);
    }
    const get = await fetch(endpoint);
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
  });
});
