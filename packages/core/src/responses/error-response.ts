/**
 * toErrorResponse(): the answer an API sends for an error resource-guard threw, shared by the
 * adapters' error handlers so the three frameworks answer with the same bytes. The status and the
 * headers (`WWW-Authenticate` per RFC 6750 §3, `Retry-After` on a 503, any other header the error
 * carries) are the error's own; the JSON body follows the shape RFC 6749 §5.2 gives OAuth error
 * responses, `{ error, error_description }`, because clients and gateways that read a body expect it.
 *
 * Only resource-guard's own errors get an answer here; anything else (the app's errors, a 500 from a
 * misconfigured guard) is `undefined`, so the caller passes it on to the app's own handling.
 */
import createError from "http-errors";
import { BearerError } from "../errors/bearer-error.js";

/** The JSON body of an error answer. */
export interface ErrorResponseBody {
  /**
   * The RFC 6750 code (`invalid_request`, `invalid_token`, `insufficient_scope`, …) when the error
   * has one; `temporarily_unavailable` (RFC 6749 §4.1.2.1) for a 503; `unauthorized` for a 401 that
   * carries no code because the request had no credentials at all (RFC 6750 §3.1).
   */
  error: string;
  /** The error's fixed description: never token data, claim values or internal error text. */
  error_description: string;
}

/** What to answer: status, every header of the error, and the body. */
export interface ErrorResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: ErrorResponseBody;
}

/**
 * True for errors resource-guard throws. `instanceof` covers this build; the shape check covers an
 * error from the other build (ESM and CJS each have their own class): an http-errors HttpError that
 * carries the non-enumerable string `reason` every BearerError has.
 */
function isOwnError(err: unknown): err is BearerError {
  if (err instanceof BearerError) return true;
  if (!createError.isHttpError(err)) return false;
  const reason = Object.getOwnPropertyDescriptor(err, "reason");
  return (
    reason !== undefined &&
    reason.enumerable === false &&
    typeof reason.value === "string" &&
    typeof err.headers === "object"
  );
}

/**
 * The answer for `err` when resource-guard threw it with a 4xx or 503 status; `undefined` for every
 * other error, which the caller passes on.
 * @example
 * const answer = toErrorResponse(err);
 * if (answer === undefined) return next(err);
 * res.status(answer.status).set(answer.headers).json(answer.body);
 */
export function toErrorResponse(err: unknown): ErrorResponse | undefined {
  if (!isOwnError(err)) return undefined;
  const { status } = err;
  if (status === 503) {
    return answer(err, "temporarily_unavailable");
  }
  if (status < 400 || status > 499) return undefined;
  return answer(err, err.code ?? "unauthorized");
}

function answer(err: BearerError, error: string): ErrorResponse {
  return {
    status: err.status,
    headers: { ...(err.headers ?? {}) },
    body: { error, error_description: err.message },
  };
}
