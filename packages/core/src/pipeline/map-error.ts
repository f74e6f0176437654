/**
 * Stage 8 of 8: every failure leaves the verifier as a BearerError. Our own errors pass through; a
 * key-layer failure that escaped becomes 503 (never `invalid_token`: the fault is ours or the
 * provider's, not the client's); anything else that a hostile token managed to trigger becomes a 401
 * with the cause kept for logs, so no input can produce a 500.
 */
import { BearerError, InvalidTokenError, KeysUnavailableError } from "../errors/bearer-error.js";
import { KeyFetchError } from "../keys/fetch-json.js";

/** Maps any thrown value to the BearerError to answer with. */
export function toBearerError(error: unknown, realm: string | undefined): BearerError {
  if (error instanceof BearerError) return error;
  if (error instanceof KeyFetchError) return new KeysUnavailableError(error.reason, 1, error);
  return new InvalidTokenError("malformed", realm, error);
}
