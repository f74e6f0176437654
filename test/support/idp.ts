/**
 * A real identity provider stand-in for tests: an HTTP server on 127.0.0.1 that serves a discovery
 * document and a JWKS, counts every request, can be told to misbehave in the ways real providers do,
 * and signs tokens with its keys. Tests talk to it over real sockets; nothing in the verifier is mocked.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export type Alg =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

/** How the server misbehaves for discovery and JWKS requests (null: it behaves). */
export type Fault =
  | null
  | "status-500"
  | "status-404"
  | "hang" // accepts the request and never answers
  | "reset" // sends headers and half a body, then destroys the socket
  | "truncated" // a body shorter than its JSON
  | "not-json"
  | "huge" // a multi-megabyte JWKS
  | "redirect-loop"
  | "redirect-other-host"
  | "status-410"
  | "status-429" // with `retryAfter` when set
  | "status-503" // with `retryAfter` when set
  | "close-kept-alive" // a request on a kept-alive socket gets the socket closed, unanswered
  | "close-unanswered"; // every request gets its socket closed, unanswered

export interface TestKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface TestIdpOptions {
  /** Path of the issuer under the server origin, e.g. "/realms/acme". Default "". */
  issuerPath?: string;
  /** Which metadata document is served. Default "openid". */
  discovery?: "openid" | "oauth-suffix" | "oauth-insertion" | "none";
  /** Algorithms of the initial keys, one key each. Default ["RS256"]. */
  algs?: Alg[];
  /** Cache-Control header sent with the JWKS; undefined sends none. */
  cacheControl?: string;
  /** The `issuer` the metadata claims; default the real issuer. */
  metadataIssuer?: string;
  /** Extra JWKs served verbatim next to the real keys (broken ones, `use: enc`…). */
  extraJwks?: JWK[];
  /** Milliseconds to wait before answering each discovery/JWKS request. */
  delayMs?: number;
  /** An `Age` header sent with the JWKS (RFC 9111 §5.1). */
  age?: string;
}

/** One request as the server saw it. */
export interface LoggedRequest {
  path: string;
  /** `clock()` when the request arrived. */
  at: number;
  /** Whether it came on a connection that had carried a request before (keep-alive). */
  reusedConnection: boolean;
}

const ALG_PARAMS: Record<Alg, { crv?: string }> = {
  RS256: {},
  RS384: {},
  RS512: {},
  PS256: {},
  PS384: {},
  PS512: {},
  ES256: {},
  ES384: {},
  ES512: {},
  EdDSA: { crv: "Ed25519" },
};

let kidCounter = 0;

/** Makes a signing key with a fresh kid; its public JWK carries `alg`, `use` and `kid`. */
export async function makeKey(alg: Alg, kid = `key-${++kidCounter}-${alg}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...ALG_PARAMS[alg] });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

export class TestIdp {
  readonly server: Server;
  origin = "";
  keys: TestKey[] = [];
  fault: Fault = null;
  /** Requests seen, by path. */
  readonly hits = new Map<string, number>();
  /** Every request, in order of arrival. */
  readonly log: LoggedRequest[] = [];
  /** The clock the log is stamped with. */
  clock: () => number = Date.now;
  /** Sent as `Retry-After` with the status-429 and status-503 faults (seconds or an HTTP-date). */
  retryAfter: string | undefined;
  /** TCP connections accepted so far. */
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly requestsOnSocket = new WeakMap<Socket, number>();

  constructor(readonly options: TestIdpOptions = {}) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  get issuer(): string {
    return this.origin + (this.options.issuerPath ?? "");
  }
  get jwksPath(): string {
    return `${this.options.issuerPath ?? ""}/jwks`;
  }
  get jwksUri(): string {
    return this.origin + this.jwksPath;
  }
  get metadataPath(): string {
    const path = this.options.issuerPath ?? "";
    switch (this.options.discovery ?? "openid") {
      case "openid":
        return `${path}/.well-known/openid-configuration`;
      case "oauth-suffix":
        return `${path}/.well-known/oauth-authorization-server`;
      case "oauth-insertion":
        return `/.well-known/oauth-authorization-server${path}`;
      case "none":
        return "/no-metadata";
      default:
        throw new TypeError(`unknown discovery mode ${String(this.options.discovery)}`);
    }
  }
  /** JWKS requests so far. */
  get jwksHits(): number {
    return this.hits.get(this.jwksPath) ?? 0;
  }
  /** Requests for the served metadata document so far. */
  get metadataHits(): number {
    return this.hits.get(this.metadataPath) ?? 0;
  }
  /** Every request so far. */
  get totalHits(): number {
    let n = 0;
    for (const v of this.hits.values()) n += v;
    return n;
  }

  async start(): Promise<this> {
    for (const alg of this.options.algs ?? ["RS256"]) this.keys.push(await makeKey(alg));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a key (published at once) and returns it. */
  async addKey(alg: Alg = "RS256", kid?: string): Promise<TestKey> {
    const key = await makeKey(alg, kid);
    this.keys.push(key);
    return key;
  }

  /** Replaces every key with one new key of `alg`, as a provider does on rotation. */
  async rotate(alg: Alg = "RS256"): Promise<TestKey> {
    const key = await makeKey(alg);
    this.keys = [key];
    return key;
  }

  /**
   * Signs `claims` with a key (default the first). Defaults: `iss` = this issuer, `iat` = now,
   * `exp` = now + 300. Pass `undefined` for a claim to leave it out.
   */
  async sign(
    claims: JWTPayload = {},
    opts: { key?: TestKey; header?: Record<string, unknown>; nowSeconds?: number } = {},
  ): Promise<string> {
    const key = opts.key ?? this.keys[0];
    if (!key) throw new Error("TestIdp has no key");
    const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
    const payload: JWTPayload = { iss: this.issuer, iat: now, exp: now + 300, ...claims };
    for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...opts.header })
      .sign(key.privateKey);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [...this.keys.map((k) => k.publicJwk), ...(this.options.extraJwks ?? [])] };
  }

  private count(path: string): void {
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    this.count(path);
    const seen = this.requestsOnSocket.get(req.socket) ?? 0;
    this.requestsOnSocket.set(req.socket, seen + 1);
    this.log.push({ path, at: this.clock(), reusedConnection: seen > 0 });
    if ((this.fault === "close-kept-alive" && seen > 0) || this.fault === "close-unanswered") {
      // As a provider (or a proxy in front of it) does when it drops an idle connection just as
      // the client reuses it: the request is read, then the socket is closed without a byte.
      req.socket.destroy();
      return;
    }
    const delay = this.options.delayMs ?? 0;
    if (delay > 0) setTimeout(() => this.answer(path, res), delay);
    else this.answer(path, res);
  }

  private answer(path: string, res: ServerResponse): void {
    let body: unknown;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (path === this.metadataPath) {
      body = {
        issuer: this.options.metadataIssuer ?? this.issuer,
        jwks_uri: this.jwksUri,
        token_endpoint: `${this.issuer}/token`,
      };
    } else if (path === this.jwksPath) {
      body = this.jwks();
      if (this.options.cacheControl !== undefined) headers["cache-control"] = this.options.cacheControl;
      if (this.options.age !== undefined) headers.age = this.options.age;
    } else {
      res.writeHead(404, headers).end('{"error":"not_found"}');
      return;
    }
    this.respond(res, headers, JSON.stringify(body), path);
  }

  private respond(res: ServerResponse, headers: Record<string, string>, json: string, path: string): void {
    switch (this.fault) {
      case null:
      case "close-kept-alive":
      case "close-unanswered":
        res.writeHead(200, headers).end(json);
        return;
      case "status-410":
        res.writeHead(410, headers).end('{"error":"gone"}');
        return;
      case "status-429":
      case "status-503": {
        const extra = this.retryAfter === undefined ? {} : { "retry-after": this.retryAfter };
        res
          .writeHead(this.fault === "status-429" ? 429 : 503, { ...headers, ...extra })
          .end('{"error":"slow_down"}');
        return;
      }
      case "status-500":
        res.writeHead(500, headers).end('{"error":"server_error"}');
        return;
      case "status-404":
        res.writeHead(404, headers).end('{"error":"not_found"}');
        return;
      case "hang":
        return;
      case "reset":
        res.writeHead(200, { ...headers, "content-length": String(json.length) });
        res.write(json.slice(0, Math.floor(json.length / 2)));
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      case "truncated":
        res.writeHead(200, headers).end(json.slice(0, Math.floor(json.length / 2)));
        return;
      case "not-json":
        res
          .writeHead(200, { "content-type": "text/html" })
          .end("<html><body>Service Unavailable</body></html>");
        return;
      case "huge": {
        const filler = JSON.stringify({ kty: "RSA", kid: "x", n: "A".repeat(4096), e: "AQAB" });
        res.writeHead(200, headers).end(`{"keys":[${Array(1500).fill(filler).join(",")}]}`);
        return;
      }
      case "redirect-loop":
        res.writeHead(302, { location: path }).end();
        return;
      case "redirect-other-host":
        res.writeHead(302, { location: `http://localhost.invalid${path}` }).end();
        return;
    }
  }
}

/** Starts a TestIdp; remember to `close()` it. */
export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  return new TestIdp(options).start();
}

/**
 * A 16384-bit RSA signing key, generated once with OpenSSL and committed (generating one takes minutes):
 * the largest modulus `maxRsaModulusBits` can allow. Test material only; it protects nothing.
 */
export async function load16384BitKey(): Promise<TestKey> {
  const { readFile } = await import("node:fs/promises");
  const { importJWK } = await import("jose");
  const path = new URL("./fixtures/rsa-16384.private.jwk.json", import.meta.url);
  const jwk = JSON.parse(await readFile(path, "utf8")) as JWK;
  const privateKey = (await importJWK(jwk, "RS256")) as CryptoKey;
  const { kty, n, e, kid, alg, use } = jwk;
  return { kid: kid as string, alg: "RS256", privateKey, publicJwk: { kty, n, e, kid, alg, use } };
}
