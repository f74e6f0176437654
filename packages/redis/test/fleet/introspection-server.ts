/**
 * A token introspection endpoint (RFC 7662) on 127.0.0.1 that counts its calls, so the fleet tests can
 * show a token introspected once for the whole fleet. It authenticates the resource server with HTTP
 * Basic (RFC 6749 §2.3.1: id and secret form-urlencoded, then base64), reads the form body's `token`,
 * and answers `{ active: false }` for a token it did not issue (RFC 7662 §2.2).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface IntrospectionServer {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How many introspection requests were answered, per token. */
  calls(token: string): number;
  /** Issues an opaque token whose introspection answers `claims` with `active: true`. */
  issue(token: string, claims: Record<string, unknown>): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startIntrospectionServer(): Promise<IntrospectionServer> {
  const clientId = "orders-api";
  const clientSecret = "fleet secret/with+reserved&characters";
  // RFC 6749 §2.3.1: each part is form-urlencoded before base64, so `+` and `%20` both mean a space.
  const formDecode = (part: string) => decodeURIComponent(part.replaceAll("+", " "));
  const authenticated = (header: string | undefined): boolean => {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
    if (!match) return false;
    const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    try {
      return (
        formDecode(decoded.slice(0, colon)) === clientId &&
        formDecode(decoded.slice(colon + 1)) === clientSecret
      );
    } catch {
      return false;
    }
  };
  const issued = new Map<string, Record<string, unknown>>();
  const counts = new Map<string, number>();

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
      res.end(JSON.stringify(value));
    };
    if (req.method !== "POST" || req.url !== "/introspect") return json(404, { error: "not_found" });
    if (!authenticated(req.headers.authorization)) {
      return json(401, { error: "invalid_client" }, { "www-authenticate": 'Basic realm="introspection"' });
    }
    const token = new URLSearchParams(body).get("token");
    if (!token) return json(400, { error: "invalid_request" });
    counts.set(token, (counts.get(token) ?? 0) + 1);
    const claims = issued.get(token);
    json(200, claims ? { active: true, ...claims } : { active: false });
  };

  const server = createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}/introspect`,
    clientId,
    clientSecret,
    calls: (token) => counts.get(token) ?? 0,
    issue: (token, claims) => {
      issued.set(token, claims);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
