/**
 * How the scenario names an answer: in the terms a client acts on (the status, and on 401/403 the
 * challenge's error code with its description or the scope it asks for), so that a step's
 * expectation and the answer it got are written the same way and compared as plain text.
 */
import { challengeError, type Exchange } from "./http-exchange.js";
import type { TokenGrant } from "./token-request.js";

/** Describes a successful token response: `200 Bearer token, scope "…"`. */
export function describeTokenGrant(status: number, scope: string | undefined): string {
  return `${status} Bearer token, scope "${scope ?? ""}"`;
}

/** Describes a token endpoint answer: the grant, or the status and the OAuth error code. */
export function describeTokenAnswer(answer: Exchange, grant: TokenGrant | undefined): string {
  if (grant) return describeTokenGrant(answer.status, grant.scope);
  const error = (answer.json as { error?: unknown } | undefined)?.error;
  return `${answer.status} ${typeof error === "string" ? error : "without a token"}`;
}

/**
 * Describes an API answer by what a client acts on: the status and, on 401/403, the challenge's
 * error code with its description (invalid_token) or the scope it asks for (insufficient_scope).
 *
 * @example
 * describeApiAnswer(await send({ method: "GET", url })); // '401 invalid_token "The token has expired"'
 */
export function describeApiAnswer(answer: Exchange): string {
  const challenge = answer.headers.get("www-authenticate");
  if (answer.status !== 401 && answer.status !== 403) return String(answer.status);
  if (challenge === null) return `${answer.status} without WWW-Authenticate`;
  const error = challengeError(answer);
  if (error === undefined) return `${answer.status} Bearer challenge without error`;
  const param = (name: string) => new RegExp(`(?:^|[\\s,])${name}="([^"]*)"`).exec(challenge)?.[1];
  if (error === "insufficient_scope") return `${answer.status} ${error} scope="${param("scope") ?? ""}"`;
  return `${answer.status} ${error} "${param("error_description") ?? ""}"`;
}
