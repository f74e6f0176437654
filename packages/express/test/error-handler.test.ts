/**
 * The Express adapter's errorHandler() and getAuth(), on Express 4 and 5, through the shared suite
 * (test/conformance/error-handler.ts).
 */
import { bearerAuth, errorHandler, getAuth, requireScopes } from "@resource-guard/express";
import type { NextFunction, Request, Response } from "express";
import { AUDIENCE, describeErrorHandler, ORIGIN } from "../../../test/conformance/error-handler.js";
import { createApp, type ExpressMajor, listen } from "./app.js";

for (const major of [5, 4] as ExpressMajor[]) {
  describeErrorHandler({
    name: `express ${major}`,
    async start(issuer) {
      const app = createApp(major);
      app.use((_req, res, next) => {
        res.set("Access-Control-Allow-Origin", ORIGIN);
        next();
      });
      app.get("/unguarded", (req, res) => {
        res.json({ sub: getAuth(req).claims.sub });
      });
      app.use(bearerAuth({ issuer, audience: AUDIENCE }));
      app.get("/me", (req, res) => {
        res.json({ sub: getAuth(req).claims.sub });
      });
      app.get("/orders", requireScopes("orders:read"), (_req, res) => {
        res.json([]);
      });
      app.get("/teapot", () => {
        throw Object.assign(new Error("short and stout"), { status: 418 });
      });
      app.use(errorHandler());
      app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(err.status ?? 500).json({ own: err.message });
      });
      return listen(app);
    },
  });
}
