/**
 * The one place where resource-guard's verified token becomes the MCP SDK's `AuthInfo`, the shape its
 * tools receive as `extra.authInfo`. Written out member by member, so the compiler checks every
 * field against the SDK's type (no cast): the token, the OAuth client it was issued to (RFC 9068
 * `client_id`), the scopes resource-guard read from it, its expiry, and the resource it is for.
 */

import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { AuthResult } from "@resource-guard/core";

/**
 * Maps a verified token to the SDK's AuthInfo. `resource` is the MCP server's resource identifier, the
 * token's audience (resource-guard has already checked `aud`).
 * @example const authInfo = toAuthInfo(req.auth, "https://mcp.example.com/mcp");
 */
export function toAuthInfo(auth: AuthResult, resource: string): AuthInfo {
  const { client_id: clientId, azp, exp, sub } = auth.claims;
  return {
    token: auth.token,
    // RFC 9068 §2.2 makes client_id required; some providers name the client in `azp` instead.
    clientId: typeof clientId === "string" ? clientId : typeof azp === "string" ? azp : "",
    scopes: [...auth.scopes],
    expiresAt: exp,
    resource: new URL(resource),
    extra: { issuer: auth.issuer, ...(sub === undefined ? {} : { subject: sub }) },
  };
}
