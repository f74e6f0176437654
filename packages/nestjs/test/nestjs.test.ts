/**
 * What the NestJS adapter does beyond the conformance table, on both platforms (and, through the
 * nest11 project, on NestJS 11 too): headers that survive an app's own global exception filter, an
 * HttpException that `@Catch(HttpException)` catches, the guard per controller, forRootAsync with
 * ConfigService, class and method decorators together, `@Auth("claims")`, the verifier injectable
 * elsewhere, the form-body method, the absolute URL and client certificate handed to core, and
 * options checked at start-up.
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
  Post,
  UseGuards,
} from "@nestjs/common";
import { ConfigModule, ConfigService } from "@nestjs/config";
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
