/**
 * Opaque access tokens and the RFC 7662 introspection endpoint that describes them. The endpoint
 * answers as §2 says: a POST of `application/x-www-form-urlencoded` with `token` (and an optional
 * `token_type_hint`), from an authenticated client; `{"active":true,…}` with the token's members, or
 * `{"active":false}` alone for a token that is unknown, expired, not yet valid or revoked (§2.2, so
 * nothing is revealed about why). Client authentication is RFC 6749 §2.3.1: `client_secret_basic` with
 * the id and secret form-urlencoded before base64, or `client_secret_post`, never both at once; a
 * failure is 401 `invalid_client` with a `Basic` challenge (RFC 6749 §5.2).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Claims } from "./mint.js";

export interface IntrospectionClient {
  clientId: string;
  clientSecret: string;
}

export interface IntrospectionRequest {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface EndpointAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface OpaqueOptions {
  /** Seconds from now until `exp`; negative for an expired token. Default: the issuer's lifetime. */
  expiresIn?: number;
  /** Seconds from now until `nbf`; without it there is no `nbf`. */
  notBefore?: number;
}

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// RFC 6749 §2.3.1 / Appendix B: form-urlencoding, where "+" is a space.
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

function invalidClient(): EndpointAnswer {
  return {
    status: 401,
    headers: { ...NO_STORE, "WWW-Authenticate": 'Basic realm="test-issuer"' },
    body: { error: "invalid_client", error_description: "Client authentication failed" },
  };
}

function invalidRequest(description: string): EndpointAnswer {
  return {
    status: 400,
    headers: NO_STORE,
    body: { error: "invalid_request", error_description: description },
  };
}

/** The opaque tokens an issuer has handed out, with the members introspection reports for each. */
export class OpaqueTokenStore {
  private readonly tokens = new Map<string, Claims>();
  private readonly revoked = new Set<string>();

  constructor(private readonly client: IntrospectionClient) {}

  issue(members: Claims): string {
    // 32 random bytes, base64url: no dots, so no verifier mistakes it for a JWT.
    const token = randomBytes(32).toString("base64url");
    this.tokens.set(token, members);
    return token;
  }

  revoke(token: string): void {
    if (this.tokens.has(token)) this.revoked.add(token);
  }

  private describe(token: string, nowSeconds: number): Claims {
    const members = this.tokens.get(token);
    if (members === undefined || this.revoked.has(token)) return { active: false };
    const { exp, nbf } = members;
    if (typeof exp === "number" && exp <= nowSeconds) return { active: false };
    if (typeof nbf === "number" && nbf > nowSeconds) return { active: false };
    return { active: true, ...members };
  }

  /** Answers one request to the introspection endpoint. */
  answer(request: IntrospectionRequest): EndpointAnswer {
    const type = (request.contentType ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded")
      return invalidRequest("The request body must be application/x-www-form-urlencoded");
    const form = new URLSearchParams(request.body);
    for (const name of ["token", "token_type_hint", "client_id", "client_secret"])
      if (form.getAll(name).length > 1) return invalidRequest("A parameter was sent more than once");

    const header = request.authorization?.trim() || undefined;
    const basic = header === undefined ? undefined : parseBasic(header);
    const posted = form.has("client_secret");
    if (header !== undefined && posted)
      return invalidRequest("More than one client authentication method was used");
    const id = basic ? basic.id : form.get("client_id");
    const secret = basic ? basic.secret : form.get("client_secret");
    if (
      id === null ||
      secret === null ||
      !safeEqual(id, this.client.clientId) ||
      !safeEqual(secret, this.client.clientSecret)
    )
      return invalidClient();

    const token = form.get("token");
    if (token === null || token === "") return invalidRequest("The token parameter is missing");
    return { status: 200, headers: NO_STORE, body: this.describe(token, Math.floor(Date.now() / 1000)) };
  }
}
