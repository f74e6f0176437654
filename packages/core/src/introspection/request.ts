/**
 * One introspection request (RFC 7662 §2.1): a POST of `token` and `token_type_hint=access_token`,
 * form-encoded, authenticated as this API's client (RFC 6749 §2.3.1: a Basic header whose id and
 * secret are form-urlencoded before base64, or `client_id`/`client_secret` in the body). Bounded in
 * time (body included) and size; redirects are not followed, since they would carry the credentials
 * and the token elsewhere.
 *
 * Anything but a 2xx JSON object with a boolean `active` is a failed request, never an answer about
 * the token (RFC 7662 §2.2, §4): the caller answers 503, not 401, so clients do not respond to a
 * provider outage by fetching new tokens. A 429 or 503 carries the provider's `Retry-After`.
 */
import { hasDuplicateMembers } from "../pipeline/decode.js";
import type { FetchLike } from "../types.js";

/** A failed introspection request; `reason` is operator text and never holds the token. */
export class IntrospectionRequestError extends Error {
  /** The provider's `Retry-After` in ms, when it sent one (429, 503). */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status of a non-2xx answer. */
  readonly status: number | undefined;

  constructor(
    readonly reason: string,
    details: { retryAfterMs?: number | undefined; status?: number; cause?: unknown } = {},
  ) {
    super(reason, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "IntrospectionRequestError";
    this.retryAfterMs = details.retryAfterMs;
    this.status = details.status;
  }
}

export interface IntrospectionClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: "client_secret_basic" | "client_secret_post";
}

export interface RequestSettings {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly now: () => number;
}

/** A provider's answer: the parsed response object and its size in bytes. */
export interface IntrospectionResponse {
  readonly members: Readonly<Record<string, unknown>>;
  readonly bytes: number;
}

/** RFC 6749 Appendix B: the application/x-www-form-urlencoded form of one value. */
function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/** The `Authorization` header value for client_secret_basic (RFC 6749 §2.3.1). */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  return `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
}

/** RFC 9110 §10.2.3: `Retry-After` is delay-seconds or an HTTP-date. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

async function readBody(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new IntrospectionRequestError(`response of ${declared} bytes exceeds maxResponseBytes (${limit})`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new IntrospectionRequestError(`response exceeds maxResponseBytes (${limit})`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * Builds the request sender for one client. `send(endpoint, token)` resolves to the provider's answer
 * or rejects with IntrospectionRequestError.
 * @example
 * const send = createIntrospectionRequest(client, settings);
 * const { members } = await send("https://idp.example.com/introspect", token);
 */
export function createIntrospectionRequest(
  client: IntrospectionClient,
  settings: RequestSettings,
): (endpoint: string, token: string) => Promise<IntrospectionResponse> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
  };
  if (client.authMethod === "client_secret_basic")
    headers.authorization = basicCredentials(client.clientId, client.clientSecret);

  return async (endpoint, token) => {
    const form = new URLSearchParams({ token, token_type_hint: "access_token" });
    if (client.authMethod === "client_secret_post") {
      form.set("client_id", client.clientId);
      form.set("client_secret", client.clientSecret);
    }
    const signal = AbortSignal.timeout(settings.timeoutMs);
    let text: string;
    try {
      const response = await settings.fetch(endpoint, {
        method: "POST",
        headers,
        body: form.toString(),
        redirect: "manual",
        signal,
      });
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => undefined);
        const retryAfter =
          response.status === 429 || response.status === 503
            ? parseRetryAfter(response.headers.get("retry-after"), settings.now())
            : undefined;
        throw new IntrospectionRequestError(`${endpoint} answered HTTP ${response.status}`, {
          retryAfterMs: retryAfter,
          status: response.status,
        });
      }
      text = await readBody(response, settings.maxResponseBytes);
    } catch (error) {
      if (error instanceof IntrospectionRequestError) throw error;
      if (signal.aborted)
        throw new IntrospectionRequestError(`${endpoint} did not answer within ${settings.timeoutMs} ms`, {
          cause: error,
        });
      throw new IntrospectionRequestError(`request to ${endpoint} failed`, { cause: error });
    }
    let members: unknown;
    try {
      members = JSON.parse(text);
    } catch {
      throw new IntrospectionRequestError(`${endpoint} did not answer with JSON`);
    }
    if (members === null || typeof members !== "object" || Array.isArray(members))
      throw new IntrospectionRequestError(`${endpoint} did not answer with a JSON object`);
    // As for a JWT (RFC 8259 §4): a repeated member could be read differently by another parser.
    if (hasDuplicateMembers(text))
      throw new IntrospectionRequestError(`${endpoint} answered with a repeated JSON member`);
    // RFC 7662 §2.2: `active` is REQUIRED and boolean; anything else is a broken answer, not "inactive".
    if (typeof (members as { active?: unknown }).active !== "boolean")
      throw new IntrospectionRequestError(`${endpoint} answered without a boolean "active"`);
    return { members: members as Record<string, unknown>, bytes: Buffer.byteLength(text) };
  };
}
