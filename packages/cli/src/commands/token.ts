/**
 * `resource-guard token`: the client-credentials grant (RFC 6749 §4.4) for trying an API. The client
 * authenticates with `client_secret_basic` (id and secret form-urlencoded before base64, RFC 6749
 * §2.3.1) or `client_secret_post`; `scope`, Auth0's `audience` and RFC 8707 `resource` are passed on.
 * Only the access token goes to stdout, so `TOKEN=$(resource-guard token …)` works; the rest goes to
 * stderr. Exit code 1 when the provider refuses (RFC 6749 §5.2), 3 when it cannot be reached or
 * answers something that is not a token response.
 */
import { EXIT, listOf, type Parsed, parse, stringOf, timeoutOf, UsageError, urlOf } from "../args.js";
import { duration } from "../format.js";
import { NetworkError, request } from "../http.js";
import type { Terminal } from "../terminal.js";
import { requireMetadata } from "./metadata.js";

export const TOKEN_USAGE = `Usage: resource-guard token (--issuer <url> | --token-endpoint <url>) --client-id <id> --client-secret <secret>
                            [--scope <scope>]... [--audience <aud>] [--resource <uri>]... [--auth basic|post]

Gets an access token by the client-credentials grant and prints it on stdout (details go to stderr),
so TOKEN=$(resource-guard token ...) works. The token endpoint is discovered from the issuer's
metadata unless --token-endpoint is given. The secret may come from RESOURCE_GUARD_CLIENT_SECRET
instead of the command line (which shells keep in their history).

Options:
  --issuer <url>            discover the token endpoint from this issuer
  --token-endpoint <url>    use this token endpoint
  --client-id <id>          the client's id
  --client-secret <secret>  the client's secret (or RESOURCE_GUARD_CLIENT_SECRET)
  --scope <scope>           scopes to request (repeatable, or space-separated)
  --audience <aud>          the "audience" parameter (Auth0 and others)
  --resource <uri>          RFC 8707 resource indicator (repeatable)
  --auth basic|post         client authentication: HTTP Basic (default) or form body
  --json, --no-color, --timeout <ms>

Exit codes: 0 a token was printed, 1 the provider refused, 2 usage error, 3 network or provider error.`;

const OPTIONS = {
  issuer: { type: "string" },
  "token-endpoint": { type: "string" },
  "client-id": { type: "string" },
  "client-secret": { type: "string" },
  scope: { type: "string", multiple: true },
  audience: { type: "string" },
  resource: { type: "string", multiple: true },
  auth: { type: "string" },
} as const;

// application/x-www-form-urlencoded serialisation of one value (RFC 6749 Appendix B).
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

async function endpointOf(values: Parsed["values"], terminal: Terminal, timeoutMs: number): Promise<string> {
  const given = stringOf(values, "token-endpoint");
  if (given !== undefined) return urlOf(given, "--token-endpoint");
  const issuer = stringOf(values, "issuer");
  if (issuer === undefined)
    throw new UsageError("give --issuer (to discover the token endpoint) or --token-endpoint");
  const metadata = await requireMetadata(urlOf(issuer, "--issuer"), terminal, timeoutMs);
  const endpoint = metadata.document.token_endpoint;
  if (typeof endpoint !== "string" || !URL.canParse(endpoint))
    throw new NetworkError(`${metadata.url} has no token_endpoint; pass --token-endpoint`);
  return endpoint;
}

export async function token(args: string[], terminal: Terminal): Promise<number> {
  const { values, positionals }: Parsed = parse(args, OPTIONS);
  if (values.help) {
    terminal.out(TOKEN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const timeoutMs = timeoutOf(values);
  const clientId = stringOf(values, "client-id");
  const secret = stringOf(values, "client-secret") ?? terminal.env.RESOURCE_GUARD_CLIENT_SECRET;
  if (!clientId) throw new UsageError("--client-id is required");
  if (!secret) throw new UsageError("--client-secret (or RESOURCE_GUARD_CLIENT_SECRET) is required");
  const auth = stringOf(values, "auth") ?? "basic";
  if (auth !== "basic" && auth !== "post") throw new UsageError('--auth is "basic" or "post"');

  const endpoint = await endpointOf(values, terminal, timeoutMs);
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  const scopes = listOf(values, "scope", true);
  if (scopes.length > 0) form.set("scope", scopes.join(" "));
  const audience = stringOf(values, "audience");
  if (audience !== undefined) form.set("audience", audience);
  for (const resource of listOf(values, "resource")) form.append("resource", resource);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (auth === "basic")
    headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString("base64")}`;
  else {
    form.set("client_id", clientId);
    form.set("client_secret", secret);
  }

  const answer = await terminal.during(
    `requesting a token from ${endpoint}`,
    request(endpoint, { method: "POST", headers, body: form.toString(), timeoutMs }),
  );
  const body = (answer.json ?? {}) as Record<string, unknown>;
  if (answer.status === 200 && typeof body.access_token === "string" && body.access_token !== "") {
    if (values.json) terminal.out(JSON.stringify(body, null, 2));
    else {
      terminal.out(body.access_token);
      const details = [
        typeof body.token_type === "string" ? `token_type ${body.token_type}` : undefined,
        typeof body.expires_in === "number" ? `expires in ${duration(body.expires_in)}` : undefined,
        typeof body.scope === "string" ? `scope "${body.scope}"` : undefined,
      ].filter((detail) => detail !== undefined);
      terminal.err(`got a token from ${endpoint}${details.length > 0 ? ` (${details.join(", ")})` : ""}`);
    }
    return EXIT.ok;
  }
  if ((answer.status === 400 || answer.status === 401) && typeof body.error === "string") {
    const description = typeof body.error_description === "string" ? `: ${body.error_description}` : "";
    if (values.json) terminal.out(JSON.stringify(body, null, 2));
    terminal.err(
      `resource-guard token: refused by ${endpoint} (HTTP ${answer.status}) ${body.error}${description}`,
      "fail",
    );
    return EXIT.failed;
  }
  throw new NetworkError(
    answer.status === 200
      ? `${endpoint} answered 200 without an access_token`
      : `${endpoint} answered HTTP ${answer.status}${answer.json === undefined ? " (not JSON)" : ""}`,
  );
}
