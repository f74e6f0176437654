/**
 * How a core failure leaves a Hono app: as an `HTTPException` whose response is already complete,
 * so Hono's default error handler (and `app.onError` handlers that return `err.getResponse()`) send
 * the status, every header core attached (`WWW-Authenticate` per RFC 6750 §3, `Retry-After` per
 * RFC 9110 §10.2.3 on a 503, `DPoP-Nonce`) and a small JSON body naming the RFC 6750 error code.
 * The core error stays reachable as `err.cause` (with its `code`, `headers` and non-exposed `reason`).
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The parts of core's BearerError (an http-errors HttpError) this module reads. */
interface HttpErrorLike {
  status: number;
  message: string;
  code?: unknown;
  headers?: Record<string, string>;
}

/**
 * True for core's errors and any http-errors HttpError. Checked by shape, not `instanceof`: an app
 * may load both core's ESM and CJS builds, and the two classes then differ.
 */
function isHttpError(err: unknown): err is HttpErrorLike {
  const status = (err as HttpErrorLike | null)?.status;
  return (
    err instanceof Error &&
    typeof status === "number" &&
    Number.isInteger(status) &&
    status >= 400 &&
    status < 600
  );
}

// The body's `error` when core gives no RFC 6750 code (no credentials, 503, 500). A table rather than
// node:http's STATUS_CODES, so the adapter needs nothing of Node beyond what core needs.
const ERROR_NAMES: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  500: "internal_server_error",
  503: "service_unavailable",
};

/**
 * Turns a core failure into the HTTPException to throw; anything else (a bug, a setup mistake) is
 * returned unchanged so Hono answers it as the 500 it is.
 * @example
 * try { await verifier.authenticate(c.req.raw) } catch (err) { throw toHTTPException(err) }
 */
export function toHTTPException(err: unknown): unknown {
  if (!isHttpError(err)) return err;
  const headers = new Headers(err.headers);
  headers.set("content-type", "application/json");
  // Core's messages are fixed texts from its tables: they never echo a token or an internal error.
  const body = JSON.stringify({
    error: typeof err.code === "string" ? err.code : (ERROR_NAMES[err.status] ?? "error"),
    error_description: err.message,
  });
  const status = err.status as ContentfulStatusCode;
  return new HTTPException(status, {
    res: new Response(body, { status, headers }),
    message: err.message,
    cause: err,
  });
}
