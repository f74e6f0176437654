/**
 * Runs the MCP server from environment variables, the way it would be deployed:
 *
 *   ISSUER     the authorization server's issuer identifier (required)
 *   RESOURCE   the URL clients use for this server, its resource identifier
 *              (default http://$HOST:<port>/mcp, for local use)
 *   PORT       default 3000; HOST default 127.0.0.1
 *
 * `pnpm --filter example-mcp start`, or `tsx examples/mcp/src/server.ts`.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createMcpApp } from "./app.js";

const { ISSUER, PORT = "3000", HOST = "127.0.0.1" } = process.env;
if (!ISSUER) {
  console.error("Set ISSUER (and optionally RESOURCE, PORT, HOST). See README.md, Protecting an MCP server.");
  process.exit(1);
}

// The default resource identifier holds the real port, so the socket is bound before the app is built.
const server = createServer();
server.listen(Number(PORT), HOST);
await once(server, "listening");
const { port } = server.address() as AddressInfo;
const resource = process.env.RESOURCE ?? `http://${HOST}:${port}/mcp`;
server.on("request", createMcpApp({ issuer: ISSUER, resource }));
console.log(`MCP server on http://${HOST}:${port}/mcp, resource ${resource}, issuer ${ISSUER}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
