/**
 * What the NestJS adapter does beyond the conformance table, on both platforms (and, through the
 * nest11 project, on NestJS 11 too): headers that survive an app's own global exception filter, an
 * HttpException that `@Catch(HttpException)` catches, the guard per controller, forRootAsync with
 * ConfigService, class and method decorators together, `@Auth("claims")`, the verifier injectable
 * elsewhere, the form-body method, the absolute URL and client certificate handed to core (on the
 * verifier's asynchronous and synchronous paths), `@RouteScopes` (on a controller and a handler, with
 * optional credentials), the RFC 9728 document served by the module (forRootAsync, an app's own
 * filter, a global prefix, no HTTP server), and options checked at start-up.
 */
import "reflect-metadata";
import { request as httpsRequest } from "node:https";
import type { ExecutionContext } from "@nestjs/common";
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Post,
  UseGuards,
} from "@nestjs/common";
import { ConfigModule, ConfigService } from "@nestjs/config";
import { NestFactory } from "@nestjs/core";
import { createVerifier, type Verifier } from "@resource-guard/core";
import {
  Auth,
  type AuthResult,
  Public,
  RESOURCE_GUARD_VERIFIER,
  RequireAnyScope,
  RequireClaims,
  RequireScopes,
  ResourceGuard,
  ResourceGuardModule,
  RouteScopes,
} from "@resource-guard/nestjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseChallenges } from "../../../test/conformance/challenge-parser.js";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { makeTlsPairs } from "../../../test/support/tls.js";
import { type Platform, type StartOptions, startNest } from "./app.js";

const AUDIENCE = "https://orders.api.test";
let idp: TestIdp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  idp = await startTestIdp();
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await idp.close();
});

const sign = (claims: Record<string, unknown> = {}) => idp.sign({ sub: "user-1", aud: AUDIENCE, ...claims });
const options = () => ({ issuer: idp.issuer, audience: AUDIENCE });
const get = (url: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` } });

@Controller("orders")
@RequireScopes("orders:read")
class OrdersController {
  @Get()
  list(@Auth("claims") claims: AuthResult["claims"]) {
    return { sub: claims.sub };
  }

  @Post()
  @RequireScopes("orders:write")
  create(@Auth() auth: AuthResult) {
    return { sub: auth.claims.sub, scopes: auth.scopes };
  }

  @Get("acme")
  @RequireClaims((claims) => claims.tenant === "acme")
  @RequireAnyScope("orders:admin", "orders:audit")
  acme() {
    return { ok: true };
  }
}

@Controller("health")
@Public()
class HealthController {
  @Get()
  health(@Auth() auth: AuthResult | undefined) {
    return { ok: true, auth: auth ?? null };
  }
}

@Controller("me")
class MeController {
  @Get()
  me(@Auth() auth: AuthResult) {
    return { sub: auth.claims.sub };
  }

  @Post()
  post(@Auth() auth: AuthResult) {
    return { sub: auth.claims.sub };
  }
}

/** An app's own filter for everything: it writes its own body and knows nothing of our headers. */
@Catch()
class EverythingFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const body = { custom: true, status };
    // Express's res.status().json(), Fastify's reply.status().send().
    if (typeof response.json === "function") response.status(status).json(body);
    else response.status(status).send(body);
  }
}

/** A filter for HttpExceptions only: it finds the RFC 6750 code in the exception's cause. */
@Catch(HttpException)
class CodeFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse();
    const cause = exception.cause as { code?: string };
    const body = { code: cause.code ?? null, status: exception.getStatus() };
    if (typeof response.json === "function") response.status(exception.getStatus()).json(body);
    else response.status(exception.getStatus()).send(body);
  }
}

describe.each(["express", "fastify"] as Platform[])("nestjs on %s", (platform) => {
  async function start(metadata: Parameters<typeof startNest>[1], startOptions?: StartOptions) {
    const running = await startNest(platform, metadata, startOptions);
    closers.push(running.close);
    return running.url;
  }

  it("keeps WWW-Authenticate and Retry-After when the app's own global filter answers", async () => {
    const down = await startTestIdp();
    closers.push(() => down.close());
    down.fault = "status-500";
    const url = await start(
      { imports: [ResourceGuardModule.forRoot(options())], controllers: [OrdersController] },
      { configure: (app) => app.useGlobalFilters(new EverythingFilter()) },
    );
    const missing = await get(`${url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await missing.json()).toEqual({ custom: true, status: 401 });
    const forbidden = await get(`${url}/orders`, await sign({ scope: "profile" }));
    expect(forbidden.status).toBe(403);
    expect(parseChallenges(forbidden.headers.get("www-authenticate") ?? "")).toEqual([
      { scheme: "Bearer", params: { realm: "api", error: "insufficient_scope", scope: "orders:read" } },
    ]);

    const outage = await start(
      {
        imports: [ResourceGuardModule.forRoot({ issuer: down.issuer, audience: AUDIENCE })],
        controllers: [MeController],
      },
      { configure: (app) => app.useGlobalFilters(new EverythingFilter()) },
    );
    const unavailable = await get(`${outage}/me`, await down.sign({ sub: "user-1", aud: AUDIENCE }));
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
    expect(unavailable.headers.get("www-authenticate")).toBeNull();
    expect(await unavailable.json()).toEqual({ custom: true, status: 503 });
  });

  it("throws an HttpException of the app's own Nest, with the core error as its cause", async () => {
    const url = await start(
      { imports: [ResourceGuardModule.forRoot(options())], controllers: [OrdersController] },
      { configure: (app) => app.useGlobalFilters(new CodeFilter()) },
    );
    const forbidden = await get(`${url}/orders`, await sign({ scope: "profile" }));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ code: "insufficient_scope", status: 403 });
    expect(forbidden.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="api", error="insufficient_scope"/,
    );
    const bad = await get(`${url}/orders`, "not.a.jwt");
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ code: "invalid_token", status: 401 });
  });

  it("applies a controller's scopes together with a handler's, and claim rules", async () => {
    const url = await start({
      imports: [ResourceGuardModule.forRoot(options())],
      controllers: [OrdersController],
    });
    const post = (token: string) =>
      fetch(`${url}/orders`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect((await post(await sign({ scope: "orders:write" }))).status).toBe(403);
    const both = await post(await sign({ scope: "orders:read orders:write" }));
    expect(both.status).toBe(201);
    expect(await both.json()).toEqual({ sub: "user-1", scopes: ["orders:read", "orders:write"] });
    const list = await get(`${url}/orders`, await sign({ scope: "orders:read" }));
    expect(await list.json()).toEqual({ sub: "user-1" });

    const acme = (claims: Record<string, unknown>) => sign(claims).then((t) => get(`${url}/orders/acme`, t));
    expect((await acme({ scope: "orders:read orders:audit", tenant: "acme" })).status).toBe(200);
    const otherTenant = await acme({ scope: "orders:read orders:audit", tenant: "other" });
    expect(otherTenant.status).toBe(401);
    expect(otherTenant.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token", error_description="A required claim is missing or not accepted"',
    );
    expect(await otherTenant.json()).toEqual({
      error: "invalid_token",
      error_description: "A required claim is missing or not accepted",
    });
    expect((await acme({ scope: "orders:read", tenant: "acme" })).status).toBe(403);
  });

  it("opens a @Public() controller without looking at credentials", async () => {
    const url = await start({
      imports: [ResourceGuardModule.forRoot(options())],
      controllers: [HealthController, MeController],
    });
    expect(await (await get(`${url}/health`, "garbage")).json()).toEqual({ ok: true, auth: null });
    expect((await get(`${url}/me`)).status).toBe(401);
  });

  it("guards only the controllers that ask, with globalGuard: false and @UseGuards", async () => {
    @Controller("guarded")
    @UseGuards(ResourceGuard)
    class GuardedController {
      @Get()
      me(@Auth() auth: AuthResult) {
        return { sub: auth.claims.sub };
      }
    }
    @Controller("open")
    class OpenController {
      @Get()
      open(@Auth() auth: AuthResult | undefined) {
        return { auth: auth ?? null };
      }
    }
    const url = await start({
      imports: [ResourceGuardModule.forRoot({ ...options(), globalGuard: false })],
      controllers: [GuardedController, OpenController],
    });
    expect(await (await get(`${url}/open`)).json()).toEqual({ auth: null });
    const missing = await get(`${url}/guarded`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await (await get(`${url}/guarded`, await sign())).json()).toEqual({ sub: "user-1" });
  });

  it("builds the verifier with forRootAsync from ConfigService, and provides it for injection", async () => {
    @Injectable()
    class TokenService {
      constructor(@Inject(RESOURCE_GUARD_VERIFIER) readonly verifier: Verifier) {}
    }
    @Controller("verify")
    class VerifyController {
      constructor(@Inject(TokenService) private readonly tokens: TokenService) {}
      @Get()
      @Public()
      async verify(@Auth() auth: AuthResult | undefined) {
        return { auth: auth ?? null, verifier: typeof this.tokens.verifier.verify };
      }
    }
    const url = await start({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ISSUER: idp.issuer, AUDIENCE })] }),
        ResourceGuardModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            issuer: config.getOrThrow<string>("ISSUER"),
            audience: config.getOrThrow<string>("AUDIENCE"),
          }),
        }),
      ],
      controllers: [MeController, VerifyController],
      providers: [TokenService],
    });
    expect(await (await get(`${url}/verify`)).json()).toEqual({ auth: null, verifier: "function" });
    expect(await (await get(`${url}/me`, await sign())).json()).toEqual({ sub: "user-1" });
    expect((await get(`${url}/me`)).status).toBe(401);
  });

  it("fails the app's start with the TypeError of a bad option from forRootAsync", async () => {
    await expect(
      startNest(platform, {
        imports: [
          ResourceGuardModule.forRootAsync({
            useFactory: async () => ({ issuer: idp.issuer, audience: AUDIENCE, clockTolerence: 5 }) as never,
          }),
        ],
        controllers: [MeController],
      }),
    ).rejects.toThrow(TypeError);
  });

  it("takes a form-body token when allowFormBodyToken is on (the platform parses the body first)", async () => {
    const url = await start({
      imports: [ResourceGuardModule.forRoot({ ...options(), allowFormBodyToken: true })],
      controllers: [MeController],
    });
    const res = await fetch(`${url}/me`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${await sign()}`,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ sub: "user-1" });
  });

  it("hands core the absolute URL with the port and the global prefix, under the platform's proxy trust", async () => {
    const real = createVerifier(options());
    const urls: unknown[] = [];
    const verifier: Verifier = {
      ...real,
      authenticateMaybeSync: (request, readers) => {
        urls.push(readers?.absoluteUrl?.(request));
        return real.authenticateMaybeSync(request, readers);
      },
    };
    const start2 = (trust: boolean) =>
      start(
        { imports: [ResourceGuardModule.forRoot({ verifier })], controllers: [MeController] },
        {
          trustProxy: trust,
          configure: (app) => {
            app.setGlobalPrefix("api");
            if (trust && platform === "express")
              (app as unknown as { set(name: string, value: unknown): void }).set("trust proxy", true);
          },
        },
      );
    const token = await sign();
    const forwarded = { "x-forwarded-host": "api.example.com", "x-forwarded-proto": "https" };
    const plain = await start2(false);
    expect((await get(`${plain}/api/me?x=1`, token, forwarded)).status).toBe(200);
    expect(urls.pop()).toBe(`${plain}/api/me?x=1`);
    const trusted = await start2(true);
    expect((await get(`${trusted}/api/me?x=1`, token, forwarded)).status).toBe(200);
    expect(urls.pop()).toBe("https://api.example.com/api/me?x=1");
  });

  it("sets the headers core returns with a result (a fresh DPoP-Nonce) on the response", async () => {
    const real = createVerifier(options());
    // The real verifier, its result given response headers as DPoP nonces would (RFC 9449 §8.2),
    // on its asynchronous path (a first sight) and its synchronous one (a cached token) alike.
    const withNonce = (auth: AuthResult) => ({ ...auth, responseHeaders: { "DPoP-Nonce": "n-1" } });
    const paths: string[] = [];
    const verifier: Verifier = {
      ...real,
      authenticateMaybeSync: (request, readers) => {
        const result = real.authenticateMaybeSync(request, readers);
        paths.push(result instanceof Promise ? "async" : "sync");
        return result instanceof Promise ? result.then(withNonce) : withNonce(result);
      },
    };
    const url = await start({
      imports: [ResourceGuardModule.forRoot({ verifier })],
      controllers: [MeController],
    });
    const token = await sign();
    for (let i = 0; i < 3; i++) {
      const res = await get(`${url}/me`, token);
      expect(res.status).toBe(200);
      expect(res.headers.get("dpop-nonce")).toBe("n-1");
      expect(await res.json()).toEqual({ sub: "user-1" });
    }
    // The first sight verifies asynchronously; by the third the verifier answers from its cache.
    expect([paths[0], paths[2]]).toEqual(["async", "sync"]);
  });

  it("hands core the client certificate of the TLS connection", async () => {
    const { server, client } = makeTlsPairs();
    const real = createVerifier(options());
    const certificates: unknown[] = [];
    const verifier: Verifier = {
      ...real,
      authenticateMaybeSync: (request, readers) => {
        certificates.push(readers?.clientCertificate?.(request));
        return real.authenticateMaybeSync(request, readers);
      },
    };
    const url = await start(
      { imports: [ResourceGuardModule.forRoot({ verifier })], controllers: [MeController] },
      { https: { key: server.key, cert: server.cert, requestCert: true, rejectUnauthorized: false } },
    );
    const token = await sign();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        `${url}/me`,
        {
          headers: { authorization: `Bearer ${token}` },
          key: client.key,
          cert: client.cert,
          rejectUnauthorized: false,
          agent: false,
        },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.once("error", reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(certificates).toHaveLength(1);
    expect(Buffer.from(certificates[0] as Uint8Array).equals(client.der)).toBe(true);
  });
});

/** An MCP-like controller: scopes for every handler, and more for one. */
@Controller("mcp")
@RouteScopes("mcp:tools")
class McpController {
  @Get()
  list(@Auth("scopes") scopes: AuthResult["scopes"]) {
    return { scopes };
  }

  @Post()
  @RouteScopes(["mcp:write"])
  call(@Auth("scopes") scopes: AuthResult["scopes"]) {
    return { scopes };
  }
}

@Controller("maybe")
class MaybeController {
  @Get()
  maybe(@Auth() auth: AuthResult | undefined) {
    return { sub: auth?.claims.sub ?? null };
  }

  @Get("scoped")
  @RouteScopes("orders:read")
  scoped(@Auth() auth: AuthResult) {
    return { sub: auth.claims.sub };
  }
}

const RESOURCE = "https://orders.api.test/mcp";
const DOCUMENT_PATH = "/.well-known/oauth-protected-resource/mcp";
const DOCUMENT_URL = `https://orders.api.test${DOCUMENT_PATH}`;

describe.each(["express", "fastify"] as Platform[])("nestjs route scopes and RFC 9728 on %s", (platform) => {
  async function start(metadata: Parameters<typeof startNest>[1], startOptions?: StartOptions) {
    const running = await startNest(platform, metadata, startOptions);
    closers.push(running.close);
    return running.url;
  }
  const post = (url: string, token?: string) =>
    fetch(url, { method: "POST", headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const challenge = (res: Response) => parseChallenges(res.headers.get("www-authenticate") ?? "");

  it("names a controller's and a handler's @RouteScopes in 401s, 400s and 403s", async () => {
    const url = await start({
      imports: [ResourceGuardModule.forRoot(options())],
      controllers: [McpController],
    });
    const none = await get(`${url}/mcp`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api", scope="mcp:tools"');
    expect(await none.json()).toEqual({
      error: "unauthorized",
      error_description: "Bearer authentication is required",
    });
    const noneBoth = await post(`${url}/mcp`);
    expect(noneBoth.headers.get("www-authenticate")).toBe('Bearer realm="api", scope="mcp:tools mcp:write"');
    const expired = await post(
      `${url}/mcp`,
      await sign({ iat: Math.floor(Date.now() / 1000) - 600, exp: 1 }),
    );
    expect(expired.status).toBe(401);
    expect(challenge(expired)).toEqual([
      {
        scheme: "Bearer",
        params: {
          realm: "api",
          error: "invalid_token",
          error_description: "The token has expired",
          scope: "mcp:tools mcp:write",
        },
      },
    ]);
    const malformed = await get(`${url}/mcp`, "abc$def");
    expect(malformed.status).toBe(400);
    expect(challenge(malformed)[0]?.params).toMatchObject({ error: "invalid_request", scope: "mcp:tools" });
    const toolsOnly = await sign({ scope: "mcp:tools" });
    expect(await (await get(`${url}/mcp`, toolsOnly)).json()).toEqual({ scopes: ["mcp:tools"] });
    const forbidden = await post(`${url}/mcp`, toolsOnly);
    expect(forbidden.status).toBe(403);
    expect(challenge(forbidden)).toEqual([
      {
        scheme: "Bearer",
        params: {
          realm: "api",
          error: "insufficient_scope",
          scope: "mcp:tools mcp:write",
        },
      },
    ]);
    const both = await post(`${url}/mcp`, await sign({ scope: "mcp:write mcp:tools" }));
    expect(both.status).toBe(201);
    expect(await both.json()).toEqual({ scopes: ["mcp:write", "mcp:tools"] });
  });

  it("requires a token on a @RouteScopes route even with credentialsRequired: false", async () => {
    const url = await start({
      imports: [ResourceGuardModule.forRoot({ ...options(), credentialsRequired: false })],
      controllers: [MaybeController],
    });
    expect(await (await get(`${url}/maybe`)).json()).toEqual({ sub: null });
    expect(await (await get(`${url}/maybe`, await sign())).json()).toEqual({ sub: "user-1" });
    const none = await get(`${url}/maybe/scoped`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api", scope="orders:read"');
    const bad = await get(`${url}/maybe/scoped`, "not.a.jwt");
    expect(bad.status).toBe(401);
    expect(challenge(bad)[0]?.params).toMatchObject({ error: "invalid_token", scope: "orders:read" });
    const scoped = await get(`${url}/maybe/scoped`, await sign({ scope: "orders:read" }));
    expect(await scoped.json()).toEqual({ sub: "user-1" });
  });

  it("answers 500 for a handler that is both @Public() and @RouteScopes, never letting it through", async () => {
    @Controller("mixed")
    class MixedController {
      @Get()
      @Public()
      @RouteScopes("orders:read")
      mixed() {
        return { ok: true };
      }
    }
    const url = await start({
      imports: [ResourceGuardModule.forRoot(options())],
      controllers: [MixedController],
    });
    const res = await get(`${url}/mixed`, await sign({ scope: "orders:read" }));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: "Internal server error" });
  });

  /** The document as core computes it for these options, and the headers it goes out with. */
  async function expectDocument(res: Response, verifierOptions: Record<string, unknown>) {
    const metadata = createVerifier(verifierOptions as never).resourceMetadata;
    const body = JSON.stringify(metadata?.document);
    expect(res.status).toBe(200);
    expect(JSON.parse(body)).toEqual({
      resource: RESOURCE,
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ["header"],
    });
    expect(await res.text()).toBe(body);
    expect({
      type: res.headers.get("content-type"),
      length: res.headers.get("content-length"),
      cache: res.headers.get("cache-control"),
      cors: res.headers.get("access-control-allow-origin"),
      nosniff: res.headers.get("x-content-type-options"),
      etag: res.headers.get("etag"),
      challenge: res.headers.get("www-authenticate"),
    }).toEqual({
      type: "application/json",
      length: String(Buffer.byteLength(body)),
      cache: "public, max-age=3600",
      cors: "*",
      nosniff: "nosniff",
      etag: null,
      challenge: null,
    });
  }

  it("serves the RFC 9728 document with forRootAsync, whatever the app's own global filter", async () => {
    const resourceOptions = { issuer: idp.issuer, resource: RESOURCE };
    const url = await start(
      {
        imports: [
          ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ISSUER: idp.issuer })] }),
          ResourceGuardModule.forRootAsync({
            imports: [ConfigModule],
            inject: [ConfigService],
            useFactory: (config: ConfigService) => ({
              issuer: config.getOrThrow<string>("ISSUER"),
              resource: RESOURCE,
            }),
          }),
        ],
        controllers: [MeController],
      },
      { configure: (app) => app.useGlobalFilters(new EverythingFilter()) },
    );
    await expectDocument(await get(`${url}${DOCUMENT_PATH}`, "not-even-a-token"), resourceOptions);
    const head = await fetch(`${url}${DOCUMENT_PATH}`, { method: "HEAD" });
    expect([head.status, await head.text(), head.headers.get("content-length")]).toEqual([
      200,
      "",
      (await (await get(`${url}${DOCUMENT_PATH}`)).text()).length.toString(),
    ]);
    const notAllowed = await post(`${url}${DOCUMENT_PATH}`);
    expect([notAllowed.status, notAllowed.headers.get("allow"), await notAllowed.text()]).toEqual([
      405,
      "GET, HEAD, OPTIONS",
      "Method Not Allowed",
    ]);
    // Another path is the app's: its own filter answers the guard's 401 and Nest's 404.
    const me = await get(`${url}/me`);
    expect(me.status).toBe(401);
    expect(me.headers.get("www-authenticate")).toBe(
      `Bearer realm="api", resource_metadata="${DOCUMENT_URL}"`,
    );
    const trailing = await get(`${url}${DOCUMENT_PATH}/`);
    expect([trailing.status, await trailing.json()]).toEqual([404, { custom: true, status: 404 }]);
    const otherQuery = await get(`${url}${DOCUMENT_PATH}?x=1`);
    expect(otherQuery.status).toBe(200);
  });

  it("keeps the document at the host's root path under a global prefix", async () => {
    const resourceOptions = { issuer: idp.issuer, resource: RESOURCE };
    const url = await start(
      { imports: [ResourceGuardModule.forRoot(resourceOptions)], controllers: [MeController] },
      { configure: (app) => app.setGlobalPrefix("api") },
    );
    await expectDocument(await get(`${url}${DOCUMENT_PATH}`), resourceOptions);
    expect((await get(`${url}/api${DOCUMENT_PATH}`)).status).toBe(404);
    const me = await get(`${url}/api/me`, await idp.sign({ sub: "user-1", aud: RESOURCE }));
    expect(await me.json()).toEqual({ sub: "user-1" });
  });

  it("leaves the path to the app's own controller when it declares one", async () => {
    @Controller()
    class OwnDocumentController {
      @Get(DOCUMENT_PATH)
      @Public()
      own() {
        return { own: true };
      }
    }
    const url = await start({
      imports: [ResourceGuardModule.forRoot({ issuer: idp.issuer, resource: RESOURCE })],
      controllers: [OwnDocumentController],
    });
    expect(await (await get(`${url}${DOCUMENT_PATH}`)).json()).toEqual({ own: true });
  });

  it("serves no document without resource: the path is Nest's 404", async () => {
    const url = await start({
      imports: [ResourceGuardModule.forRoot(options())],
      controllers: [MeController],
    });
    const res = await get(`${url}${DOCUMENT_PATH}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("www-authenticate")).toBeNull();
  });
});

describe("the module without an HTTP server", () => {
  it("starts as a standalone application context with resource set, serving nothing", async () => {
    class StandaloneModule {}
    Module({ imports: [ResourceGuardModule.forRoot({ issuer: idp.issuer, resource: RESOURCE })] })(
      StandaloneModule,
    );
    const context = await NestFactory.createApplicationContext(StandaloneModule, { logger: false });
    closers.push(() => context.close());
    const verifier = context.get<Verifier>(RESOURCE_GUARD_VERIFIER);
    expect(verifier.resourceMetadata?.path).toBe(DOCUMENT_PATH);
  });
});

describe("the guard outside HTTP", () => {
  it("refuses a context it cannot read rather than letting it through", () => {
    const guard = new ResourceGuard(createVerifier(options()));
    class Handlers {
      handle() {}
    }
    const context = {
      getType: () => "rpc",
      getHandler: () => Handlers.prototype.handle,
      getClass: () => Handlers,
    } as unknown as ExecutionContext;
    expect(() => guard.canActivate(context)).toThrow(
      'resource-guard: ResourceGuard reads HTTP requests only (got a "rpc" context); mark the handler @Public() or bind the guard per HTTP controller',
    );
  });
});

describe("construction-time checks", () => {
  it("builds the verifier in forRoot, so a bad option throws there", () => {
    expect(() =>
      ResourceGuardModule.forRoot({
        issuer: "https://idp.test",
        audience: AUDIENCE,
        clockTolerence: 5,
      } as never),
    ).toThrow(TypeError);
    expect(() => ResourceGuardModule.forRoot({ ...options(), globalGuard: "yes" } as never)).toThrow(
      'resource-guard: ResourceGuardModule.forRoot() "globalGuard" must be a boolean',
    );
    expect(() => ResourceGuardModule.forRoot(undefined as never)).toThrow(TypeError);
    expect(() => ResourceGuardModule.forRootAsync({} as never)).toThrow(
      "resource-guard: ResourceGuardModule.forRootAsync() needs a useFactory function",
    );
  });

  it("refuses { verifier } mixed with verifier options", () => {
    const verifier = createVerifier(options());
    expect(() => ResourceGuardModule.forRoot({ verifier, audience: AUDIENCE } as never)).toThrow(
      "resource-guard: ResourceGuardModule.forRoot() takes either { verifier } or verifier options, not both (got audience too)",
    );
    expect(ResourceGuardModule.forRoot({ verifier, globalGuard: false }).global).toBe(true);
  });

  it("validates @RouteScopes where the controller is declared", () => {
    expect(() => RouteScopes()).toThrow(
      'resource-guard: requireScopes() needs at least one scope, e.g. requireScopes("orders:read")',
    );
    expect(() => RouteScopes([])).toThrow(TypeError);
    expect(() => RouteScopes("orders:read orders:write")).toThrow(
      'resource-guard: requireScopes() got "orders:read orders:write"; a scope is one non-empty word without spaces, quotes or backslashes',
    );
    expect(() => RouteScopes(7 as never)).toThrow(TypeError);
  });

  it("validates scope lists where the controller is declared", () => {
    expect(() => RequireScopes()).toThrow(TypeError);
    expect(() => RequireScopes([])).toThrow(TypeError);
    expect(() => RequireScopes("orders:read orders:write")).toThrow(TypeError);
    expect(() => RequireAnyScope()).toThrow(/requireAnyScope\(\)/);
    expect(() => RequireClaims("tenant" as never)).toThrow(
      "resource-guard: requireClaims() needs a predicate function",
    );
  });
});
