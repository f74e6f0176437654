/**
 * Runs the Hono orders API on Node (@hono/node-server) from environment variables, the way it would
 * be deployed; the same variables as the Express, Koa and Fastify examples:
 *
 *   ISSUER        the authorization server's issuer identifier (required)
 *   AUDIENCE      the `aud` value tokens must carry for this API (required)
 *   JWKS_URI      where the signing keys are; discovered from ISSUER when unset
 *   PORT          default 3000; HOST default 127.0.0.1
 *   DPOP          `1` accepts DPoP-bound tokens (RFC 9449) besides bearer tokens; `required`: only those
 *   MTLS          `1` accepts certificate-bound tokens (RFC 8705); `required`: only those
 *   TLS_KEY, TLS_CERT, TLS_CA   PEM files: serve HTTPS and ask clients for a certificate
 *   CLIENT_CERT_HEADER          behind a TLS-terminating proxy: the header it puts the client
 *                               certificate in (RFC 9440 `Client-Cert`); it must strip that header
 *                               from what clients send
 *   INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET
 *                 this API's client at the authorization server: set them to accept opaque tokens,
 *                 which are then introspected (RFC 7662); INTROSPECTION_ENDPOINT when not discovered
 *
 * There is no TRUST_PROXY: Hono has no `trust proxy` setting. @hono/node-server builds the request URL
 * (which DPoP's `htu` is compared with) from the Host header and the connection's own scheme, and never
 * reads X-Forwarded-Proto or X-Forwarded-Host. Behind a proxy, have it pass the client's Host on, and
 * terminate TLS here (TLS_KEY/TLS_CERT) when clients send DPoP proofs for an https URL.
 *
 * `pnpm --filter example-hono start`, or `tsx examples/hono/src/server.ts`.
 */
import type { Server } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { tlsFromEnv, verifierOptionsFromEnv } from "../../shared/environment.js";
import { createApp } from "./app.js";

const { PORT = "3000", HOST = "127.0.0.1" } = process.env;
const options = verifierOptionsFromEnv();

const app = createApp(options);
const tls = tlsFromEnv();
const scheme = tls ? "https" : "http";
const ready = (info: AddressInfo) => {
  console.log(
    `orders API (Hono) on ${scheme}://${HOST}:${info.port}, issuer ${options.issuer}, audience ${options.audience}`,
  );
};
const listen = { fetch: app.fetch, port: Number(PORT), hostname: HOST };
// The HTTPS server hands core the connection's client certificate (c.env.incoming.socket).
const server = (
  tls ? serve({ ...listen, createServer, serverOptions: tls }, ready) : serve(listen, ready)
) as Server;
// serve() has started listening; a failed listen (port in use…) is emitted on the server.
server.on("error", (error: Error) => {
  console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}`);
  process.exit(1);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
