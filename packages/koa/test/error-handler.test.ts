/**
 * The Koa adapter's errorHandler() and getAuth(), on Koa 2 and 3, through the shared suite
 * (test/conformance/error-handler.ts). The CORS header is set before the error handler runs, which
 * Koa's own ctx.onerror would remove.
 */
import Router from "@koa/router";
import { bearerAuth, errorHandler, getAuth, requireScopes } from "@resource-guard/koa";
import { AUDIENCE, describeErrorHandler, ORIGIN } from "../../../test/conformance/error-handler.js";
import { createApp, type KoaMajor, listen } from "./app.js";

for (const major of [3, 2] as KoaMajor[]) {
  describeErrorHandler({
    name: `koa ${major}`,
    async start(issuer) {
      const app = createApp(major);
      // The app's own outer handler, for every error errorHandler() passes on.
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          const { status, message } = err as Error & { status?: number };
          ctx.status = status ?? 500;
          ctx.body = { own: message };
        }
      });
      app.use(async (ctx, next) => {
        ctx.set("Access-Control-Allow-Origin", ORIGIN);
        await next();
      });
      app.use(errorHandler());
      const open = new Router();
      open.get("/unguarded", (ctx) => {
        ctx.body = { sub: getAuth(ctx).claims.sub };
      });
      const api = new Router();
      api.get("/me", (ctx) => {
        ctx.body = { sub: getAuth(ctx).claims.sub };
      });
      api.get("/orders", requireScopes("orders:read"), (ctx) => {
        ctx.body = [];
      });
      api.get("/teapot", () => {
        throw Object.assign(new Error("short and stout"), { status: 418 });
      });
      app.use(open.routes());
      app.use(bearerAuth({ issuer, audience: AUDIENCE }));
      app.use(api.routes());
      return listen(app);
    },
  });
}
