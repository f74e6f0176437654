/**
 * Stage 8 of 8: every failure leaves the verifier as a BearerError. Our own errors pass through; a
 * key-layer failure that escaped becomes 503 (never `invalid_token`: the fault is ours or the
 * provider's, not the client's). Anything else is an exception nobody expected (a bug, or a user
 * function that threw where no rule covers it): 500 InternalVerifierError with a fixed text, reported
 * through `onError`. Never `invalid_token`, which would send clients to fetch new tokens in a loop for
 * a fault that is ours.
 */
import { BearerError, InternalVerifierError, KeysUnavailableError } from "../errors/bearer-error.js";
import { KeyFetchError } from "../keys/fetch-json.js";
import type { InternalErrorEvent } from "../types.js";

/** Maps any thrown value to the BearerError to answer with; `onError` hears of unexpected ones. */
export function toBearerError(
  error: unknown,
  onError?: ((event: InternalErrorEvent) => void) | undefined,
): BearerError {
  if (error instanceof BearerError) return error;
  if (error instanceof KeyFetchError) return new KeysUnavailableError(error.reason, 1, error, error.detail);
  try {
    onError?.({ reason: "internal_error", error });
  } catch {
    // A reporting hook that throws must not change the answer.
  }
  // The exception's own text stays in `cause`: it may quote whatever input reached the failing code.
  return new InternalVerifierError("internal_error", error, "an unexpected exception inside verification");
}
