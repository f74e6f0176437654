/**
 * What the test issuer serves over HTTP: its metadata at every location a verifier looks (OpenID
 * Connect Discovery 1.0 §4, and RFC 8414 §3 in both the suffix and the path-insertion form), its JWK
 * Set with a `Cache-Control: max-age` (RFC 9111 §5.2.2.1) so freshness logic is exercised, and the RFC
 * 7662 introspection endpoint when opaque tokens are on. Anything else is a JSON 404.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EndpointAnswer, OpaqueTokenStore } from "./introspection.js";
import type { KeyRing } from "./key-ring.js";

export interface RouteSettings {
  origin: string;
  path: string;
  cacheMaxAge: number | null;
  metadata: Record<string, unknown>;
  ring: KeyRing;
  opaque: OpaqueTokenStore | undefined;
}

export interface RequestCounts {
  discovery: number;
  jwks: number;
  introspection: number;
}

const MAX_BODY_BYTES = 64 * 1024;

export function endpoints(origin: string, path: string) {
  return {
    issuer: origin + path,
    jwksUri: `${origin}${path}/jwks`,
    metadataUrl: `${origin}${path}/.well-known/openid-configuration`,
    introspectionEndpoint: `${origin}${path}/introspect`,
  };
}

function metadataPaths(path: string): Set<string> {
  const paths = new Set([
    `${path}/.well-known/openid-configuration`,
    `${path}/.well-known/oauth-authorization-server`,
  ]);
  if (path !== "") paths.add(`/.well-known/oauth-authorization-server${path}`);
  return paths;
}

function send(res: ServerResponse, answer: EndpointAnswer, head: boolean): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(head ? undefined : text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Builds the request handler; `counts` is incremented per endpoint answered. */
export function createRoutes(settings: RouteSettings, counts: RequestCounts) {
  const { origin, path, ring, opaque } = settings;
  const urls = endpoints(origin, path);
  const metadata = metadataPaths(path);
  const jwksPath = `${path}/jwks`;
  const introspectPath = `${path}/introspect`;

  function document(): Record<string, unknown> {
    return {
      issuer: urls.issuer,
      jwks_uri: urls.jwksUri,
      ...(opaque
        ? {
            introspection_endpoint: urls.introspectionEndpoint,
            introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          }
        : {}),
      ...settings.metadata,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? "/", origin).pathname;
    const method = req.method ?? "GET";
    const read = method === "GET" || method === "HEAD";
    const notAllowed = (allow: string): EndpointAnswer => ({
      status: 405,
      headers: { Allow: allow },
      body: { error: "method_not_allowed" },
    });

    if (metadata.has(pathname)) {
      if (!read) return send(res, notAllowed("GET, HEAD"), false);
      counts.discovery += 1;
      return send(res, { status: 200, headers: {}, body: document() }, method === "HEAD");
    }
    if (pathname === jwksPath) {
      if (!read) return send(res, notAllowed("GET, HEAD"), false);
      counts.jwks += 1;
      const headers: Record<string, string> =
        settings.cacheMaxAge === null ? {} : { "Cache-Control": `public, max-age=${settings.cacheMaxAge}` };
      return send(res, { status: 200, headers, body: ring.jwks }, method === "HEAD");
    }
    if (opaque && pathname === introspectPath) {
      if (method !== "POST") return send(res, notAllowed("POST"), false);
      counts.introspection += 1;
      const body = await readBody(req);
      if (body === undefined)
        return send(res, { status: 413, headers: {}, body: { error: "invalid_request" } }, false);
      const answer = opaque.answer({
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
      });
      return send(res, answer, false);
    }
    return send(res, { status: 404, headers: {}, body: { error: "not_found" } }, method === "HEAD");
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, headers: {}, body: { error: "server_error" } }, false);
      else res.destroy();
    });
  };
}
