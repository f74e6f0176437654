/**
 * How the guard reads the request of either Nest platform (RFC 9449 `htu`, RFC 8705): on Express the
 * request is Express's own (`req.protocol`, `req.originalUrl`, the socket), on Fastify it is a
 * `FastifyRequest` (`request.protocol`, `request.host` or Fastify 4's `request.hostname`, which keep
 * the port, `request.url`, and the Node request as `request.raw`). Each platform's trust-proxy setting
 * decides whether forwarding headers are believed; core never reads them.
 */
import type { IncomingMessage } from "node:http";
import { type AuthenticateOptions, peerCertificateOf, type RequestLike } from "@resource-guard/core";

/** A request of either platform, as far as the guard reads it. */
export interface PlatformRequest extends RequestLike {
  /** Fastify: the Node request. */
  raw?: IncomingMessage;
  /** Express: the Node socket (the request is the Node request). */
  socket?: IncomingMessage["socket"];
  protocol?: string;
  host?: string;
  hostname?: string;
  originalUrl?: string;
  app?: { get(name: string): unknown };
}

function fastifyUrl(request: PlatformRequest): string | undefined {
  const host = request.host ?? request.hostname;
  return host ? `${request.protocol ?? "http"}://${host}${request.url ?? "/"}` : undefined;
}

/**
 * Express 5's rule for the host, applied for Express 4 as well (whose `req.host` drops the port):
 * X-Forwarded-Host only when `trust proxy` trusts the peer, else Host.
 */
function expressUrl(request: PlatformRequest): string | undefined {
  const headers = request.headers as Record<string, string | string[] | undefined>;
  const trust = request.app?.get("trust proxy fn") as
    | ((address: string | undefined, hop: number) => boolean)
    | undefined;
  let host = headers["x-forwarded-host"];
  if (typeof host === "string" && host !== "" && trust?.(request.socket?.remoteAddress, 0) === true) {
    const comma = host.indexOf(",");
    if (comma !== -1) host = host.slice(0, comma).trimEnd();
  } else host = headers.host;
  if (typeof host !== "string" || host === "") return undefined;
  return `${request.protocol ?? "http"}://${host}${request.originalUrl ?? request.url ?? "/"}`;
}

/** Readers for `verifier.authenticate`, built once: they run only when a check needs them. */
export const READERS: AuthenticateOptions<PlatformRequest> = Object.freeze({
  absoluteUrl: (request: PlatformRequest) =>
    request.raw !== undefined ? fastifyUrl(request) : expressUrl(request),
  clientCertificate: (request: PlatformRequest) => peerCertificateOf((request.raw ?? request).socket),
});
