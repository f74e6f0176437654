/**
 * The Fastify adapter's errorHandler() and getAuth() on Fastify 5 and 4, through the shared suite
 * (test/conformance/error-handler.ts), plus what is Fastify's own: without a fallback, other errors
 * reach Fastify's default handler; routes declared before the plugin are guarded too; and a second
 * registration in the same context tree fails with our message instead of FST_ERR_DEC_ALREADY_PRESENT.
 */
import resourceGuard, { errorHandler, getAuth } from "@resource-guard/fastify";
import type { FastifyPluginAsync } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, describeErrorHandler, ORIGIN } from "../../../test/conformance/error-handler.js";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type FastifyMajor, listen } from "./app.js";

const teapot = () => Object.assign(new Error("short and stout"), { statusCode: 418 });

for (const major of [5, 4] as FastifyMajor[]) {
  describeErrorHandler({
    name: `fastify ${major}`,
    async start(issuer) {
      const app = createApp(major);
      app.addHook("onRequest", async (_request, reply) => {
        reply.header("Access-Control-Allow-Origin", ORIGIN);
      });
      app.setErrorHandler(
        errorHandler((error, _request, reply) => {
          const { statusCode } = error as Error & { statusCode?: number };
          return reply.code(statusCode ?? 500).send({ own: error.message });
        }),
      );
      await app.register(resourceGuard, { issuer, audience: AUDIENCE });
      app.get("/unguarded", { config: { auth: false } }, async (request) => ({
        sub: getAuth(request).claims.sub,
      }));
      app.get("/me", async (request) => ({ sub: getAuth(request).claims.sub }));
      app.get("/orders", { preHandler: app.requireScopes("orders:read") }, async () => []);
      app.get("/teapot", async () => {
        throw teapot();
      });
      return listen(app);
    },
  });
}

describe.each([5, 4] as FastifyMajor[])("fastify %i", (major) => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(async () => {
    await idp.close();
  });
  const options = () => ({ issuer: idp.issuer, audience: AUDIENCE });

  it("without a fallback, hands other errors to Fastify's default handler", async () => {
    const app = createApp(major);
    app.setErrorHandler(errorHandler());
    await app.register(resourceGuard, options());
    app.get("/teapot", async () => {
      throw teapot();
    });
    const token = await idp.sign({ sub: "user-1", aud: AUDIENCE });
    const res = await app.inject({ url: "/teapot", headers: { authorization: `Bearer ${token}` } });
    expect({ status: res.statusCode, body: res.json() }).toEqual({
      status: 418,
      body: { statusCode: 418, error: "I'm a Teapot", message: "short and stout" },
    });
    const missing = await app.inject({ url: "/teapot" });
    expect({ status: missing.statusCode, body: missing.json() }).toEqual({
      status: 401,
      body: { error: "unauthorized", error_description: "Bearer authentication is required" },
    });
  });

  it("refuses a fallback that is not a function", () => {
    expect(() => errorHandler("nope" as never)).toThrow(
      new TypeError("resource-guard: errorHandler(fallback) needs a function (or nothing)"),
    );
  });

  it("guards routes declared before the plugin in the same context too", async () => {
    const app = createApp(major);
    app.get("/early", async () => "early");
    await app.register(resourceGuard, options());
    app.get("/late", async () => "late");
    app.get("/health", { config: { auth: false } }, async () => "ok");
    const early = await app.inject({ url: "/early" });
    expect({ status: early.statusCode, challenge: early.headers["www-authenticate"] }).toEqual({
      status: 401,
      challenge: 'Bearer realm="api"',
    });
    expect((await app.inject({ url: "/late" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/health" })).statusCode).toBe(200);
  });

  const twice =
    "resource-guard: register(resourceGuard) is already registered in this context or a parent context, whose hook already guards every route here; register it once per context tree (in sibling contexts for different options) and opt routes out with config: { auth: false }";

  it("refuses a second registration in a child context with a message that says what to do", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, options());
    const child: FastifyPluginAsync = async (scope) => {
      await scope.register(resourceGuard, { ...options(), audience: "https://other.example.com" });
    };
    await expect(app.register(child)).rejects.toThrow(new Error(twice));
  });

  it("refuses a second registration in the same context the same way", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, options());
    await expect(app.register(resourceGuard, options())).rejects.toThrow(new Error(twice));
  });

  it("still allows one registration in each of two sibling contexts", async () => {
    const app = createApp(major);
    for (const [prefix, audience] of [
      ["/a", AUDIENCE],
      ["/b", "https://other.example.com"],
    ] as const) {
      const area: FastifyPluginAsync = async (scope) => {
        await scope.register(resourceGuard, { issuer: idp.issuer, audience });
        scope.get("/me", async (request) => ({ sub: getAuth(request).claims.sub }));
      };
      await app.register(area, { prefix });
    }
    const token = await idp.sign({ sub: "user-1", aud: AUDIENCE });
    const headers = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: "/a/me", headers })).json()).toEqual({ sub: "user-1" });
    expect((await app.inject({ url: "/b/me", headers })).statusCode).toBe(401);
  });

  it("names request.auth when another plugin has decorated it", async () => {
    const app = createApp(major);
    app.decorateRequest("auth", null);
    await expect(app.register(resourceGuard, options())).rejects.toThrow(
      new Error(
        "resource-guard: register(resourceGuard) needs request.auth, which another plugin has already decorated",
      ),
    );
  });
});
