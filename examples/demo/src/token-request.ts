/**
 * The integrator's side of the client-credentials grant (RFC 6749 §4.4): building the token request
 * with either form of client authentication that RFC 6749 §2.3.1 defines, and reading the token
 * response (§5.1). Written the way a service calling an API would do it, with no OAuth library, so
 * the transcript shows every byte that matters.
 */
import type { DemoClient } from "./clients.js";
import type { Exchange, OutgoingRequest } from "./http-exchange.js";

export interface TokenGrant {
  accessToken: string;
  /** Seconds the token lives, as the authorization server said (`expires_in`). */
  expiresIn: number;
  scope: string | undefined;
  /** When the response arrived, in milliseconds since the epoch. */
  receivedAt: number;
}

function clientAuthentication(
  client: DemoClient,
  form: URLSearchParams,
  headers: Record<string, string>,
): void {
  if (client.authMethod === "client_secret_basic") {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined and base64-encoded.
    const pair = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  } else {
    form.set("client_id", client.clientId);
    form.set("client_secret", client.clientSecret);
  }
}

/**
 * Builds a token request for `client`, authenticated the way the client is registered:
 * `client_secret_basic` sends `Authorization: Basic base64(client_id:client_secret)`,
 * `client_secret_post` sends `client_id` and `client_secret` in the form body.
 *
 * @example
 * const exchange = await send(buildTokenRequest(as.tokenEndpoint, WRITER_CLIENT, "orders:read"));
 */
export function buildTokenRequest(tokenEndpoint: string, client: DemoClient, scope: string): OutgoingRequest {
  const form = new URLSearchParams({ grant_type: "client_credentials", scope });
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  clientAuthentication(client, form, headers);
  return { method: "POST", url: tokenEndpoint, headers, body: form.toString() };
}

/**
 * Builds an RFC 7009 revocation request for one of `client`'s own access tokens, authenticated as
 * the token request was.
 *
 * @example
 * const exchange = await send(buildRevocationRequest(as.revocationEndpoint, READER_CLIENT, token));
 */
export function buildRevocationRequest(
  revocationEndpoint: string,
  client: DemoClient,
  token: string,
): OutgoingRequest {
  const form = new URLSearchParams({ token, token_type_hint: "access_token" });
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  clientAuthentication(client, form, headers);
  return { method: "POST", url: revocationEndpoint, headers, body: form.toString() };
}

/**
 * Reads a successful token response (RFC 6749 §5.1), or returns undefined when the exchange is not
 * one: a client must not guess at a token from an error answer.
 */
export function readTokenResponse(exchange: Exchange): TokenGrant | undefined {
  const body = exchange.json as Record<string, unknown> | undefined;
  if (exchange.status !== 200 || !body) return undefined;
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, scope } = body;
  if (
    typeof accessToken !== "string" ||
    typeof tokenType !== "string" ||
    tokenType.toLowerCase() !== "bearer"
  ) {
    return undefined;
  }
  return {
    accessToken,
    expiresIn: typeof expiresIn === "number" ? expiresIn : 0,
    scope: typeof scope === "string" ? scope : undefined,
    receivedAt: Date.now(),
  };
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
