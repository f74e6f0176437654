/**
 * What the conformance suite needs from an app under test. Every adapter (and core itself, through a
 * plain node:http server) builds the same small app, described by `ROUTES`, and the suite drives it
 * over real HTTP. Only the body of an error response is framework-specific (each framework's default
 * error handler writes its own shape), so a harness says how its error bodies look.
 */
import type { VerifierOptions } from "@resource-guard/core";

/**
 * The app every harness serves. Protected routes answer 200 with `{ route, sub, scopes }` from the
 * verified token; `/health` is public (opted out) and answers `{ route: "/health", authenticated }`.
 * One verifier serves every route of an app. When its options set `resource` (RFC 9728), the app also
 * serves the protected resource metadata document, before authentication, as each framework's users
 * are told to: Express and Koa `protectedResourceMetadata`, Fastify's plugin on its own.
 */
export const ROUTES = {
  /** Public: never authenticates, whatever credentials are sent. */
  health: "/health",
  /** Any valid token. */
  me: "/me",
  /** All of `orders:read`. */
  orders: "/orders",
  /** All of `orders:read orders:write`. */
  both: "/both",
  /** Any of `orders:read orders:admin`. */
  any: "/any",
  /**
   * All of `orders:read`, declared with the route's own authentication (Express and Koa
   * `bearerAuth({ verifier, scopes })`, Fastify `config: { scopes }`, core `authenticate(req, { scopes })`),
   * so its 401s carry `scope` too.
   */
  scoped: "/scoped",
} as const;

export const ORDERS_SCOPES = ["orders:read"] as const;
export const BOTH_SCOPES = ["orders:read", "orders:write"] as const;
export const ANY_SCOPES = ["orders:read", "orders:admin"] as const;

/** The JSON a protected route answers with. */
export interface EchoBody {
  route: string;
  sub: string | undefined;
  scopes: readonly string[];
}

/** What an error response must carry; the harness checks the body shape its framework produces. */
export interface ExpectedError {
  status: number;
  /** The error's fixed `message`. */
  message: string;
  code: string | undefined;
}

export interface RunningApp {
  /** Origin of the app, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

/**
 * HTTPS server options for the mTLS rows (RFC 8705): the server asks every client for a certificate and
 * leaves the chain unchecked (the binding is what counts, RFC 8705 §2.2), so a token bound to a
 * self-signed certificate works too.
 */
export interface TlsServerOptions {
  key: string;
  cert: string;
  ca: string;
  requestCert: true;
  rejectUnauthorized: false;
}

export interface Harness {
  /** Shown in test names, e.g. `"express 4"`. */
  name: string;
  /**
   * Starts the app of `ROUTES` on 127.0.0.1, port 0, with one verifier built from `options`, serving
   * the metadata document too when `options.resource` is set; over HTTPS when `tls` is given (the adapter then hands core the connection's client certificate).
   */
  start(options: VerifierOptions, tls?: TlsServerOptions): Promise<RunningApp>;
  /**
   * Why this harness cannot serve HTTPS with client certificates (Bun.serve and Deno.serve hand
   * handlers no peer certificate), when it cannot: the mTLS rows over HTTPS are then skipped under that
   * reason (the DPoP rows and the Client-Cert header row still run).
   */
  noClientCertificates?: string;
  /**
   * True where authentication runs after routing (NestJS guards): a path that matches no route is
   * then 404 without a challenge, whatever the credentials. Default false: middleware and hooks
   * authenticate before routing.
   */
  routesBeforeAuthentication?: boolean;
  /** Asserts (with vitest `expect`) that an error response body has this framework's shape. */
  expectErrorBody(body: string, contentType: string | null, expected: ExpectedError): void;
}

/** The reason phrase of a status, as http-errors and the frameworks write it. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  405: "Method Not Allowed",
  500: "Internal Server Error",
  503: "Service Unavailable",
};
