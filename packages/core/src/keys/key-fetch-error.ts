/**
 * KeyFetchError: why signing keys could not be had. `reason` is a machine code (`jwks_timeout`,
 * `jwks_http_status`, `discovery_issuer_mismatch`, `backoff`…) that logs and metrics can group by;
 * `detail` is the sentence for an operator (it names URLs and statuses, so it never reaches a client).
 * The verifier turns it into a 503 KeysUnavailableError carrying the same reason and detail.
 */

export interface KeyFetchErrorInit {
  /** The URL whose fetch failed (a metadata location, the JWKS). */
  url?: string | undefined;
  /** How long the provider asked us to wait (`Retry-After`), in ms. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class KeyFetchError extends Error {
  readonly url: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    /** A machine code such as `jwks_timeout`. */
    readonly reason: string,
    /** Operator-facing text; never sent to clients. */
    readonly detail: string,
    init: KeyFetchErrorInit = {},
  ) {
    super(detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "KeyFetchError";
    this.url = init.url;
    this.retryAfterMs = init.retryAfterMs;
  }
}
