/**
 * The RFC 9728 protected resource metadata document on Hono: a middleware mounted before `bearerAuth`
 * that answers requests for the document's path with exactly what core's `metadataResponse` computes
 * (RFC 9728 §3.2: `GET`/`HEAD` the JSON document, `OPTIONS` a CORS preflight answer, 405 otherwise)
 * and passes every other request on. It is the only response this package writes itself.
 *
 * Hono hands middleware the full request URL even in a sub-app mounted with `app.route("/api", sub)`,
 * so the document is found at the host's root path wherever this middleware is mounted. Hono answers
 * `HEAD` by running the `GET` routes and dropping the body, keeping the headers, so the document's
 * `Content-Length` goes out as core gives it.
 */
import { metadataResponse, resolveVerifier, type VerifierOrOptions } from "@resource-guard/core";
import type { MiddlewareHandler } from "hono";

/**
 * Serves the verifier's protected resource metadata (RFC 9728) at `verifier.resourceMetadata.path`:
 * `GET`/`HEAD` get the JSON document (cacheable, `Access-Control-Allow-Origin: *`), `OPTIONS` a CORS
 * preflight answer (204), other methods 405; every other request goes on to `next()`. Mount it before
 * `bearerAuth`, with the same verifier, so the document needs no token. Needs the `resource` option.
 * @example
 * const verifier = createVerifier({ issuer, resource: "https://api.example.com/mcp" });
 * app.use(protectedResourceMetadata({ verifier }));
 * app.use(bearerAuth({ verifier }));
 */
export function protectedResourceMetadata(options: VerifierOrOptions): MiddlewareHandler {
  const verifier = resolveVerifier(options, "protectedResourceMetadata()");
  if (verifier.resourceMetadata === undefined)
    throw new TypeError(
      'resource-guard: protectedResourceMetadata() needs the "resource" option: the identifier clients use for this API, such as "https://api.example.com/mcp"',
    );
  // Not an async function: every request of the app passes through here.
  return (c, next) => {
    const raw = c.req.raw;
    // The absolute URL: core compares its path and query with the document's.
    const answer = metadataResponse(verifier, { method: raw.method, url: raw.url });
    if (answer === undefined) return next();
    return Promise.resolve(new Response(answer.body, { status: answer.status, headers: answer.headers }));
  };
}
