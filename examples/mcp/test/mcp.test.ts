/**
 * The MCP example end to end, with nothing stubbed: a real authorization server (oidc-provider 8.8.1 on
 * 127.0.0.1, client-credentials grant, RFC 8707 resource indicators, JWT access tokens whose `aud` is
 * the resource asked for), the example MCP server on 127.0.0.1, and the official MCP SDK client with
 * its client-credentials provider. The client is given the server's URL and its own credentials; it
 * finds the authorization server through the 401's `resource_metadata` and the RFC 9728 document, asks
 * for a token for this resource with the scope the 401 names, lists and calls the tools, and steps up
 * to `orders:write` when a tool answers 403 `insufficient_scope`. Raw requests then pin the exact
 * answers: a token for another resource is 401, a token without a tool's scope is 403 with `scope=`.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../../../test/interop/authorization-server.js";
import { createMcpApp } from "../src/app.js";

/** Clients, their secrets, and the scopes each asks for (the SDK's client-credentials provider sends its own `scope`). */
const WRITER = {
  id: "mcp-writer",
  secret: "writer-secret-not-for-production",
  scope: "orders:read orders:write",
};
const READER = { id: "mcp-reader", secret: "reader-secret-not-for-production", scope: "orders:read" };

let as: AuthorizationServer;
let server: Server;
/** The MCP server's resource identifier, which is also its URL. */
let resource: string;
/** Another API the same authorization server issues tokens for. */
let otherResource: string;

beforeAll(async () => {
  // The resource identifier holds the server's port, so the socket is bound before the app is built.
  server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  resource = `${origin}/mcp`;
  otherResource = `${origin}/other-api`;
  as = await startAuthorizationServer({
    resources: {
      [resource]: { scope: "orders:read orders:write" },
      [otherResource]: { scope: "orders:read orders:write" },
    },
    clients: {
      [WRITER.id]: { secret: WRITER.secret, auth: "client_secret_basic" },
      [READER.id]: { secret: READER.secret, auth: "client_secret_basic", scope: "orders:read" },
    },
  });
  server.on("request", createMcpApp({ issuer: as.issuer, resource }));
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await as?.close();
});

/** An SDK client for `client`, recording every HTTP request it makes. */
function sdkClient(client: { id: string; secret: string; scope: string }) {
  const requests: string[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    authProvider: new ClientCredentialsProvider({
      clientId: client.id,
      clientSecret: client.secret,
      scope: client.scope,
      // Pins where the credentials may go; the URL itself is still discovered from the MCP server.
      expectedIssuer: as.issuer,
    }),
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      requests.push(`${init?.method ?? "GET"} ${String(input)} ${response.status}`);
      return response;
    },
  });
  return { mcp: new Client({ name: "resource-guard-test", version: "1.0.0" }), transport, requests };
}

/** A token straight from the token endpoint (RFC 6749 §4.4, RFC 8707 `resource`). */
async function token(client: { id: string; secret: string }, target: string, scope: string) {
  const res = await fetch(as.tokenEndpoint, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: target, scope }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** POSTs one JSON-RPC request to the MCP endpoint as an MCP client would. */
function post(body: unknown, accessToken?: string) {
  return fetch(resource, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
    },
    body: JSON.stringify(body),
  });
}

const metadataUrl = () => resource.replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
/** The JSON a tool answered with (the tools here answer one text part holding JSON). */
function textOf(result: unknown): unknown {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  expect(content?.[0]?.type).toBe("text");
  return JSON.parse(content?.[0]?.text ?? "null");
}

describe("the official MCP SDK client, given only the server URL and its credentials", () => {
  it("discovers the authorization server, gets a token for this resource, lists and calls the tools", async () => {
    const { mcp, transport, requests } = sdkClient(WRITER);
    await mcp.connect(transport);
    try {
      // The discovery, in order: the 401, the RFC 9728 document it points at, the authorization
      // server's metadata, a token for this resource, and the same request again.
      const issuer = as.issuer;
      expect(requests.slice(0, 6)).toEqual([
        `POST ${resource} 401`,
        `GET ${metadataUrl()} 200`,
        // RFC 8414 first, then OpenID Connect discovery, which oidc-provider serves.
        `GET ${issuer}/.well-known/oauth-authorization-server 404`,
        `GET ${issuer}/.well-known/openid-configuration 200`,
        `POST ${as.tokenEndpoint} 200`,
        `POST ${resource} 200`,
      ]);

      const { tools } = await mcp.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(["create_order", "list_orders", "whoami"]);

      // The verified token reaches the tools as the SDK's AuthInfo.
      const me = textOf(await mcp.callTool({ name: "whoami" })) as Record<string, unknown>;
      expect(me).toEqual({
        clientId: WRITER.id,
        scopes: ["orders:read", "orders:write"],
        expiresAt: me.expiresAt,
        resource,
      });
      expect(me.expiresAt).toBeGreaterThan(Date.now() / 1000);

      expect(textOf(await mcp.callTool({ name: "list_orders" }))).toEqual([
        { id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" },
      ]);
      const created = await mcp.callTool({
        name: "create_order",
        arguments: { item: "filters", quantity: 3 },
      });
      expect(textOf(created)).toEqual({ id: "ord_1002", item: "filters", quantity: 3, createdBy: WRITER.id });
      expect(requests.filter((r) => r.endsWith(" 401") || r.endsWith(" 403"))).toEqual([
        `POST ${resource} 401`,
      ]);
    } finally {
      await mcp.close();
    }
  });

  it("gets 403 insufficient_scope for a tool whose scope its token lacks", async () => {
    const { mcp, transport, requests } = sdkClient(READER);
    await mcp.connect(transport);
    try {
      const me = textOf(await mcp.callTool({ name: "whoami" })) as { clientId: string; scopes: string[] };
      expect([me.clientId, me.scopes]).toEqual([READER.id, ["orders:read"]]);
      expect(textOf(await mcp.callTool({ name: "list_orders" }))).toContainEqual({
        id: "ord_1001",
        item: "espresso beans",
        quantity: 2,
        createdBy: "seed",
      });
      // The SDK answers the 403 by fetching a token again (its client-credentials provider asks for
      // the scope it was configured with), is refused again, and gives up.
      await expect(
        mcp.callTool({ name: "create_order", arguments: { item: "cups", quantity: 1 } }),
      ).rejects.toThrow("Server returned 403 after trying upscoping");
      expect(requests.filter((r) => r === `POST ${resource} 403`)).toHaveLength(2);
    } finally {
      await mcp.close();
    }
  });
});

describe("the exact answers", () => {
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  };
  const createOrder = {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "create_order", arguments: { item: "cups", quantity: 1 } },
  };

  it("serves the RFC 9728 document the client discovers", async () => {
    const res = await fetch(metadataUrl());
    expect([res.status, res.headers.get("access-control-allow-origin")]).toEqual([200, "*"]);
    expect(await res.json()).toEqual({
      resource,
      authorization_servers: [as.issuer],
      bearer_methods_supported: ["header"],
      scopes_supported: ["orders:read", "orders:write"],
      resource_name: "Orders (MCP)",
    });
  });

  it("answers no token with a 401 naming the document and the scope to ask for", async () => {
    const res = await post(initialize);
    expect([res.status, res.headers.get("www-authenticate")]).toEqual([
      401,
      `Bearer realm="api", scope="orders:read", resource_metadata="${metadataUrl()}"`,
    ]);
  });

  it("refuses a token for another resource with 401 invalid_token", async () => {
    const res = await post(initialize, await token(WRITER, otherResource, "orders:read"));
    expect([res.status, res.headers.get("www-authenticate")]).toEqual([
      401,
      `Bearer realm="api", error="invalid_token", error_description="The token's audience is not accepted", scope="orders:read", resource_metadata="${metadataUrl()}"`,
    ]);
    expect(await res.json()).toEqual({
      error: "invalid_token",
      error_description: "The token's audience is not accepted",
    });
  });

  it("refuses a tool call without the tool's scope with 403 insufficient_scope naming every scope it needs", async () => {
    const reader = await token(READER, resource, "orders:read");
    const res = await post(createOrder, reader);
    expect([res.status, res.headers.get("www-authenticate")]).toEqual([
      403,
      `Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write", resource_metadata="${metadataUrl()}"`,
    ]);
    expect(await res.json()).toEqual({
      error: "insufficient_scope",
      error_description: "The token lacks a scope this resource requires",
    });
  });

  it("answers GET and DELETE with 405: the server is stateless", async () => {
    const reader = await token(READER, resource, "orders:read");
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(resource, { method, headers: { authorization: `Bearer ${reader}` } });
      expect([res.status, res.headers.get("allow")]).toEqual([405, "POST"]);
    }
  });
});
