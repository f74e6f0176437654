/**
 * The HTTP answer for a request to the protected resource metadata document (RFC 9728 §3.2), computed
 * once here so that every adapter (Express, Koa, Fastify, Hono, NestJS, a plain node:http server) only
 * writes status, headers and body and answers byte for byte alike.
 *
 * - `GET` and `HEAD` on the document's path: 200, `application/json`, cacheable by anyone for an hour
 *   (the document changes only when the configuration does), and `Access-Control-Allow-Origin: *`,
 *   since browser-based and MCP clients fetch it cross-origin and it holds nothing private.
 * - `OPTIONS` there: 204 with the CORS preflight answer (MCP clients send `MCP-Protocol-Version`).
 * - any other method there: 405 with `Allow`.
 * - any other path: undefined, so the request goes on to the application.
 *
 * When the resource identifier has a query, the document's URL carries it and only a request with that
 * exact query is answered; otherwise the query is ignored.
 */
import type { ProtectedResourceMetadata, Verifier } from "../types.js";

/** What to send; `body` is null when there is none to write (HEAD, 204). */
export interface MetadataResponse {
  readonly status: 200 | 204 | 405;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

/** The parts of a request the answer depends on; a Fetch `Request`, a node request or a plain object. */
export interface MetadataRequest {
  readonly method?: string | undefined;
  /** The request target (`/.well-known/…?…`, including any mount prefix) or an absolute URL. */
  readonly url?: string | undefined;
}

const ALLOW = "GET, HEAD, OPTIONS";
const CORS = { "access-control-allow-origin": "*" } as const;

interface Prepared {
  readonly path: string;
  readonly query: string;
  readonly get: MetadataResponse;
  readonly head: MetadataResponse;
  readonly options: MetadataResponse;
  readonly notAllowed: MetadataResponse;
}

// Keyed by the verifier's frozen metadata object: the answers are serialised once per verifier.
const prepared = new WeakMap<ProtectedResourceMetadata, Prepared>();

function prepare(metadata: ProtectedResourceMetadata): Prepared {
  let answers = prepared.get(metadata);
  if (answers !== undefined) return answers;
  const body = JSON.stringify(metadata.document);
  const documentHeaders = Object.freeze({
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    // Shared caches may keep it: it is public and the same for every client.
    "cache-control": "public, max-age=3600",
    "x-content-type-options": "nosniff",
    ...CORS,
  });
  const notAllowedBody = "Method Not Allowed";
  answers = {
    path: metadata.path,
    query: new URL(metadata.url).search,
    get: Object.freeze({ status: 200, headers: documentHeaders, body }),
    head: Object.freeze({ status: 200, headers: documentHeaders, body: null }),
    options: Object.freeze({
      status: 204,
      headers: Object.freeze({
        allow: ALLOW,
        ...CORS,
        "access-control-allow-methods": ALLOW,
        // Any request header: the document is public and no credentials are involved.
        "access-control-allow-headers": "*",
        "access-control-max-age": "86400",
      }),
      body: null,
    }),
    notAllowed: Object.freeze({
      status: 405,
      headers: Object.freeze({
        allow: ALLOW,
        "content-type": "text/plain; charset=utf-8",
        "content-length": String(notAllowedBody.length),
        ...CORS,
      }),
      body: notAllowedBody,
    }),
  };
  prepared.set(metadata, answers);
  return answers;
}

/** The path and query of a request target or an absolute URL; undefined when it is neither. */
function splitTarget(url: string): { path: string; query: string } | undefined {
  if (!url.startsWith("/")) {
    // An absolute URL, as a Fetch API request has.
    try {
      const parsed = new URL(url);
      return { path: parsed.pathname, query: parsed.search };
    } catch {
      return undefined;
    }
  }
  const hash = url.indexOf("#");
  const target = hash === -1 ? url : url.slice(0, hash);
  const question = target.indexOf("?");
  return question === -1
    ? { path: target, query: "" }
    : { path: target.slice(0, question), query: target.slice(question) };
}

/**
 * The answer for `request` when it asks for the verifier's metadata document; undefined when it is
 * for something else (or the verifier has no `resource`), so the caller passes it on.
 * @example
 * const answer = metadataResponse(verifier, req); // { method, url }
 * if (answer) res.writeHead(answer.status, answer.headers).end(answer.body ?? undefined);
 */
export function metadataResponse(
  verifier: Pick<Verifier, "resourceMetadata">,
  request: MetadataRequest,
): MetadataResponse | undefined {
  const metadata = verifier.resourceMetadata;
  const { url } = request;
  // Cheap test first: every request of an app passes through here.
  if (metadata === undefined || typeof url !== "string" || !url.includes(metadata.path)) return undefined;
  const answers = prepare(metadata);
  const target = splitTarget(url);
  if (target?.path !== answers.path || (answers.query !== "" && target.query !== answers.query))
    return undefined;
  // A caller that gives no method is asking for the document.
  switch (request.method?.toUpperCase() ?? "GET") {
    case "GET":
      return answers.get;
    case "HEAD":
      return answers.head;
    case "OPTIONS":
      return answers.options;
    default:
      return answers.notAllowed;
  }
}
