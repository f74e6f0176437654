/**
 * The bench's RFC 7662 introspection endpoint: an HTTP server on 127.0.0.1 that answers `active: true`
 * (with the bench audience and scopes) for the opaque tokens it issued and `active: false` for any
 * other, and counts every request. The bench reads the count to show how many calls reached "the
 * provider"; what it measures is the verifier, not this server.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AUDIENCE } from "./fixtures.js";

export interface BenchIntrospectionEndpoint {
  readonly url: string;
  /** Requests answered so far. */
  readonly calls: number;
  /** Issues `count` new opaque tokens (43 base64url characters, like oidc-provider's). */
  issue(count: number): string[];
  close(): Promise<void>;
}

/**
 * Starts the endpoint. `issuer` goes into every active answer; `nowMs` is the clock its `exp` is
 * computed from (the bench may simulate time).
 * @example const endpoint = await startIntrospectionEndpoint(issuer, Date.now);
 */
export async function startIntrospectionEndpoint(
  issuer: string,
  nowMs: () => number = Date.now,
): Promise<BenchIntrospectionEndpoint> {
  const issued = new Set<string>();
  let calls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      calls++;
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get("token") ?? "";
      const now = Math.floor(nowMs() / 1000);
      const answer = issued.has(token)
        ? {
            active: true,
            iss: issuer,
            aud: AUDIENCE,
            client_id: "bench-client",
            scope: "orders:read orders:write",
            iat: now,
            exp: now + 3600,
          }
        : { active: false };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token/introspection`,
    get calls() {
      return calls;
    },
    issue(count) {
      return Array.from({ length: count }, () => {
        const token = randomBytes(32).toString("base64url").slice(0, 43);
        issued.add(token);
        return token;
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
