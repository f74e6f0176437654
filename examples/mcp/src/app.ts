/**
 * An MCP server (Streamable HTTP, the official SDK) behind resource-guard, the way the MCP
 * authorization spec asks: it publishes its RFC 9728 protected resource metadata, answers every request
 * without a valid token for this server with a 401 whose `WWW-Authenticate` points at that document
 * and names the scope to ask for, and refuses a tool call without the tool's scope with a 403
 * `insufficient_scope` naming every scope the call needs, so an unmodified MCP client finds the
 * authorization server, gets a token for this resource, and steps up when a tool needs more.
 *
 * It is a factory, so the tests build it against their own authorization server; server.ts runs it.
 */

import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { assertScopes, createVerifier, type VerifierOptions } from "@resource-guard/core";
import { bearerAuth, protectedResourceMetadata } from "@resource-guard/express";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { toAuthInfo } from "./auth-info.js";
import { createOrdersServer, type Order, TOOL_SCOPES } from "./orders-server.js";

/** Options: `issuer` and `resource` (the URL clients use for this server), or any verifier option. */
export type McpAppOptions = VerifierOptions & { issuer: string | readonly string[]; resource: string };

/** The scope every MCP request needs; tools may need more (TOOL_SCOPES). */
export const BASE_SCOPES = ["orders:read"] as const;

/**
 * Builds the MCP server's Express app; nothing listens until you call `app.listen()`.
 * @example
 * const app = createMcpApp({ issuer: "https://idp.example.com", resource: "https://mcp.example.com/mcp" });
 */
export function createMcpApp(options: McpAppOptions): Express {
  const { resource } = options;
  const verifier = createVerifier({
    ...options,
    resourceMetadata: { scopes_supported: ["orders:read", "orders:write"], resource_name: "Orders (MCP)" },
  });
  const orders: Order[] = [{ id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" }];

  const app = express();
  app.disable("x-powered-by");
  // RFC 9728: GET /.well-known/oauth-protected-resource/mcp, public, so clients can find the issuer.
  app.use(protectedResourceMetadata({ verifier }));
  // Every MCP request needs a token for this resource with the base scope; its 401 names the scope.
  app.all("/mcp", bearerAuth({ verifier, scopes: [...BASE_SCOPES] }));
  app.post("/mcp", express.json(), requireToolScopes, async (req, res) => {
    if (req.auth === undefined) throw new Error("bearerAuth did not run");
    const server = createOrdersServer(orders);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(withAuthInfo(req, toAuthInfo(req.auth, resource)), res, req.body);
  });
  // Stateless: no server-to-client stream (GET) and no session to end (DELETE).
  app.all("/mcp", (_req, res) => {
    res
      .status(405)
      .set("allow", "POST")
      .json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null });
  });
  app.use(answerWithJson);
  return app;
}

/**
 * Refuses a `tools/call` whose tool needs scopes the token lacks, before the SDK sees it: a 403
 * `insufficient_scope` whose `scope` lists every scope the call needs (MCP clients request exactly
 * that list when they step up, so it includes the base scope too).
 */
const requireToolScopes: RequestHandler = (req, _res, next) => {
  const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
  const needed = new Set<string>();
  for (const message of messages) {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
    if (method !== "tools/call" || typeof params?.name !== "string") continue;
    for (const scope of TOOL_SCOPES[params.name] ?? []) needed.add(scope);
  }
  if (needed.size > 0 && req.auth !== undefined) assertScopes(req.auth, [...needed]);
  next();
};

/**
 * The SDK's transport reads the caller from `req.auth` in its own AuthInfo shape; from here on the
 * request carries that (the transport is the last handler).
 */
function withAuthInfo(req: IncomingMessage, auth: AuthInfo): IncomingMessage & { auth: AuthInfo } {
  return Object.assign(req, { auth });
}

/** Answers errors as JSON with their status and headers (`WWW-Authenticate`, `Retry-After`). */
const answerWithJson: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = typeof err?.status === "number" && err.status >= 400 ? err.status : 500;
  if (err?.headers) res.set(err.headers);
  // Only client errors carry fixed, harmless messages; a 5xx says nothing about its cause.
  const exposed = status < 500;
  if (!exposed) console.error(err);
  res.status(status).json({
    error: exposed && typeof err.code === "string" ? err.code : (STATUS_CODES[status] ?? "error"),
    error_description: exposed ? err.message : undefined,
  });
};
