/**
 * How a core failure leaves a Nest app. Nest's exception filters send the status and body of an
 * `HttpException` but never the headers of a thrown error, and a filter of this module would be
 * bypassed by an app's own global filter. So every header core attached (`WWW-Authenticate`, RFC 6750
 * §3; `Retry-After`, RFC 9110 §10.2.3; `DPoP-Nonce`) is set on the platform response first (Express
 * `res.header`, Fastify `reply.header`), and then an `HttpException` is thrown with the status and a
 * small JSON body: whichever filter answers, the headers go out. The core error is its `cause`.
 */
import { HttpException } from "@nestjs/common";

/** The parts of core's BearerError (an http-errors HttpError) this module reads. */
interface HttpErrorLike {
  status: number;
  message: string;
  code?: unknown;
  headers?: Record<string, string>;
}

/** Express's `res` and Fastify's `reply` both have `header(name, value)`; a bare Node response has setHeader. */
export interface PlatformResponse {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

// Checked by shape, not `instanceof`: an app may load both core's ESM and CJS builds.
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

// The body's `error` when core gives no RFC 6750 code (no credentials, 503, 500).
const ERROR_NAMES: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  500: "internal_server_error",
  503: "service_unavailable",
};

/** Sets `headers` on the platform response. */
export function setHeaders(response: PlatformResponse, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (typeof response.header === "function") response.header(name, value);
    else response.setHeader?.(name, value);
  }
}

/**
 * Puts a core failure's headers on `response` and returns the HttpException to throw; anything else
 * (a bug, a setup mistake) is returned unchanged, for Nest to answer as the 500 it is.
 */
export function toHttpException(err: unknown, response: PlatformResponse): unknown {
  if (!isHttpError(err)) return err;
  if (err.headers !== undefined) setHeaders(response, err.headers);
  // Core's messages are fixed texts from its tables: they never echo a token or an internal error.
  const body = {
    error: typeof err.code === "string" ? err.code : (ERROR_NAMES[err.status] ?? "error"),
    error_description: err.message,
  };
  return new HttpException(body, err.status, { cause: err });
}
