/**
 * The MCP server itself: three tools over an in-memory order book, built with the official SDK. It
 * knows nothing about HTTP or tokens beyond what the SDK hands every tool: `extra.authInfo`, the
 * caller's verified token as mapped in auth-info.ts. `create_order` needs the `orders:write` scope;
 * app.ts refuses a call without it before the request reaches the SDK (an HTTP 403 the client can
 * step up from), and the tool checks again, so it stays safe wherever it is mounted.
 */

import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

export interface Order {
  id: string;
  item: string;
  quantity: number;
  /** The OAuth client that created it. */
  createdBy: string;
}

/** The scopes each tool needs; app.ts checks them at the HTTP layer from this table. */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = {
  list_orders: ["orders:read"],
  create_order: ["orders:read", "orders:write"],
  whoami: [],
};

function json(value: unknown): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }] };
}

function lacks(authInfo: AuthInfo | undefined, tool: string): boolean {
  return (TOOL_SCOPES[tool] ?? []).some((scope) => !authInfo?.scopes.includes(scope));
}

/**
 * Builds an MCP server over `orders` (shared by every request; the server object is per request, as the
 * SDK's stateless Streamable HTTP transport expects).
 * @example const server = createOrdersServer(orders); await server.connect(transport);
 */
export function createOrdersServer(orders: Order[]): McpServer {
  const server = new McpServer({ name: "orders", version: "1.0.0" });

  server.registerTool(
    "list_orders",
    { description: "List every order (needs orders:read)" },
    async ({ authInfo }) => (lacks(authInfo, "list_orders") ? refusal("list_orders") : json(orders)),
  );

  server.registerTool(
    "create_order",
    {
      description: "Create an order (needs orders:write)",
      inputSchema: { item: z.string().min(1), quantity: z.number().int().positive() },
    },
    async ({ item, quantity }, { authInfo }) => {
      if (authInfo === undefined || lacks(authInfo, "create_order")) return refusal("create_order");
      const order: Order = {
        id: `ord_${1001 + orders.length}`,
        item,
        quantity,
        createdBy: authInfo.clientId,
      };
      orders.push(order);
      return json(order);
    },
  );

  server.registerTool(
    "whoami",
    { description: "Show the caller as the server sees it" },
    async ({ authInfo }) =>
      json({
        clientId: authInfo?.clientId,
        scopes: authInfo?.scopes,
        expiresAt: authInfo?.expiresAt,
        resource: authInfo?.resource?.href,
      }),
  );

  return server;
}

function refusal(tool: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `${tool} needs the scopes ${(TOOL_SCOPES[tool] ?? []).join(" ")}` }],
  };
}
