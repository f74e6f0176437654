/**
 * README.md "Protecting an MCP server", run as pasted: the code block is saved as an .mjs file here (so
 * its imports resolve as they do for a user), started with ISSUER, RESOURCE and PORT pointing at a real
 * authorization server (oidc-provider 8.8.1) and a port of its own, and driven by the official MCP SDK
 * client, which finds the authorization server through discovery alone.
 */
import { once } from "node:events";
import { createServer } from "node:net";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { blockOf, startQuickStart } from "../../../test/conformance/quick-start.js";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../../../test/interop/authorization-server.js";

const README = new URL("../../../README.md", import.meta.url);
const CLIENT = { id: "readme-client", secret: "readme-secret-not-for-production" };

let as: AuthorizationServer | undefined;
let app: { url: string; close(): Promise<void> } | undefined;
let resource: string;

/** A port the OS has just handed out and taken back (the server's URL must be known before it starts). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  // Another process may take the port between the probe and the start: try again, a bounded number of times.
  for (let attempt = 1; app === undefined; attempt++) {
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({
      resources: { [resource]: { scope: "orders:read" } },
      clients: { [CLIENT.id]: { secret: CLIENT.secret, auth: "client_secret_basic" } },
    });
    try {
      app = await startQuickStart(
        "mcp",
        new URL(".", import.meta.url),
        {
          ISSUER: as.issuer,
          RESOURCE: resource,
          PORT: String(port),
        },
        blockOf(README, "mcp"),
      );
    } catch (error) {
      await as.close();
      if (attempt === 3 || (error as { code?: string }).code !== "EADDRINUSE") throw error;
    }
  }
});

afterAll(async () => {
  await app?.close();
  await as?.close();
});

it("answers a request without a token with the challenge the README shows", async () => {
  const res = await fetch(resource, { method: "POST" });
  expect([res.status, res.headers.get("www-authenticate")]).toEqual([
    401,
    `Bearer realm="api", scope="orders:read", resource_metadata="${resource.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")}"`,
  ]);
});

it("lets the official MCP client connect by discovery and call the tool", async () => {
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    authProvider: new ClientCredentialsProvider({
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      scope: "orders:read",
      expectedIssuer: as?.issuer ?? "",
    }),
  });
  const mcp = new Client({ name: "readme-test", version: "1.0.0" });
  await mcp.connect(transport);
  try {
    const { tools } = await mcp.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["list_orders"]);
    const result = (await mcp.callTool({ name: "list_orders" })) as { content: { text: string }[] };
    expect(JSON.parse(result.content[0]?.text ?? "null")).toEqual({ client: CLIENT.id, orders: [{ id: 1 }] });
  } finally {
    await mcp.close();
  }
});
