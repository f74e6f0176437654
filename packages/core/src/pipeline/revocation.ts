/**
 * The user's revocation hook (`isRevoked`), run on every request after the token and its binding were
 * verified, so it only ever sees verified tokens and is never skipped by the verified-token cache: a
 * revocation takes effect on the next request. `true` is 401 `invalid_token` ("revoked"); `false` lets
 * the request through; a hook that throws, rejects or answers anything else is 503 with `Retry-After`,
 * never a 401 (the token may be fine; the list is what failed) and never a pass.
 */
import { InvalidTokenError, ServiceUnavailableError } from "../errors/bearer-error.js";
import type { AuthResult } from "../types.js";

export type RevocationCheck = (auth: AuthResult) => boolean | Promise<boolean>;

const UNAVAILABLE = "The token's revocation status is unavailable; try again later";

function judge(auth: AuthResult, revoked: unknown): AuthResult {
  if (revoked === false) return auth;
  if (revoked === true) throw new InvalidTokenError("revoked", undefined);
  throw new ServiceUnavailableError(UNAVAILABLE, "revocation_check_invalid", 1);
}

function unavailable(cause: unknown): never {
  throw new ServiceUnavailableError(UNAVAILABLE, "revocation_check_failed", 1, cause);
}

/** Runs `isRevoked` for `auth`; synchronous when the hook is. */
export function checkRevocation(
  auth: AuthResult,
  isRevoked: RevocationCheck,
): AuthResult | Promise<AuthResult> {
  let answer: boolean | Promise<boolean>;
  try {
    answer = isRevoked(auth);
  } catch (error) {
    unavailable(error);
  }
  if (answer instanceof Promise) return answer.then((revoked) => judge(auth, revoked), unavailable);
  return judge(auth, answer);
}
