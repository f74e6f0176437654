/**
 * The two machine clients the demo's authorization server knows, and the API they get tokens for.
 * They are the two shapes integrators bring: a back-office service that reads and writes orders and
 * authenticates with an HTTP Basic header, and a reporting job that only reads and sends its
 * credentials in the form body (RFC 6749 §2.3.1 allows both). The secrets are fixed so that the
 * curl commands in docs/demo.md can be pasted as they are; this server never leaves 127.0.0.1.
 */

/** The `aud` value of every token the demo issues, and the audience the example APIs require. */
export const ORDERS_API_AUDIENCE = "https://orders.example.com";

/** Every scope the orders API defines. */
export const ORDERS_API_SCOPES = ["orders:read", "orders:write"] as const;

/** A registered OAuth 2.0 client of the demo authorization server. */
export interface DemoClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scopes the client may ask for, space-delimited. */
  readonly scope: string;
  /** How the client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`). */
  readonly authMethod: "client_secret_basic" | "client_secret_post";
  /** Who this client stands for, for the transcript. */
  readonly label: string;
}

/** The read/write client: authenticates with `Authorization: Basic base64(client_id:client_secret)`. */
export const WRITER_CLIENT: DemoClient = {
  clientId: "orders-writer",
  clientSecret: "writer-demo-secret",
  scope: "orders:read orders:write",
  authMethod: "client_secret_basic",
  label: "the read/write client (orders-writer)",
};

/** The read-only client: sends `client_id` and `client_secret` in the form body. */
export const READER_CLIENT: DemoClient = {
  clientId: "orders-reader",
  clientSecret: "reader-demo-secret",
  scope: "orders:read",
  authMethod: "client_secret_post",
  label: "the read-only client (orders-reader)",
};

export const DEMO_CLIENTS: readonly DemoClient[] = [WRITER_CLIENT, READER_CLIENT];

/**
 * The orders API's own client, used with opaque tokens (`pnpm demo --opaque`): the API authenticates
 * with it at the introspection endpoint (RFC 7662 §2.1) to ask whether a token is active. It gets no
 * tokens itself.
 */
export const ORDERS_API_CLIENT = {
  clientId: "orders-api",
  clientSecret: "orders-api-demo-secret",
  authMethod: "client_secret_basic",
} as const;
