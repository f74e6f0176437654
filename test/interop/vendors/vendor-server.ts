/**
 * The HTTP part every vendor emulator shares: a server on 127.0.0.1 (port 0) answering a fixed
 * route table, counting requests by path, and parsing token requests (form or JSON bodies, client
 * credentials in a Basic header or in the body, RFC 6749 §2.3.1). Emulators only fill in routes.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless a string. */
  body?: unknown;
}

export interface RouteRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed form or JSON body (POST only). */
  params: Record<string, string>;
  /** The client from a Basic header or from `client_id`/`client_secret` in the body. */
  client: { id: string; secret: string | undefined; method: "basic" | "post" } | undefined;
}

export type Route = (request: RouteRequest) => Reply | Promise<Reply>;

function parseBody(contentType: string | undefined, raw: string): Record<string, string> {
  if (raw === "") return {};
  if (contentType?.startsWith("application/json")) {
    const json = JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function clientOf(
  headers: IncomingMessage["headers"],
  params: Record<string, string>,
): RouteRequest["client"] {
  const auth = headers.authorization;
  if (auth?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString();
    const colon = decoded.indexOf(":");
    // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
      method: "basic",
    };
  }
  if (params.client_id !== undefined)
    return { id: params.client_id, secret: params.client_secret, method: "post" };
  return undefined;
}

export class VendorServer {
  readonly server: Server;
  origin = "";
  readonly routes = new Map<string, Route>();
  readonly hits = new Map<string, number>();
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
      });
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests seen for `path`. */
  hitsOf(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const route = this.routes.get(path);
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = parseBody(req.headers["content-type"], Buffer.concat(chunks).toString());
    const reply = await route({
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      params,
      client: clientOf(req.headers, params),
    });
    const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? null);
    res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers }).end(body);
  }
}

/** The RFC 6749 §5.2 error reply for a failed token request. */
export function tokenError(error: string, status = 400): Reply {
  return { status, body: { error } };
}

/** Fetches a client-credentials token over HTTP, as a real client would. */
export async function requestToken(
  url: string,
  client: { id: string; secret: string },
  params: Record<string, string> = {},
  how: "basic" | "post" | "json" = "basic",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  const fields: Record<string, string> = { grant_type: "client_credentials", ...params };
  if (how === "basic") {
    const basic = `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
  } else {
    fields.client_id = client.id;
    fields.client_secret = client.secret;
  }
  let body: string;
  if (how === "json") {
    headers["content-type"] = "application/json";
    body = JSON.stringify(fields);
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(fields).toString();
  }
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
