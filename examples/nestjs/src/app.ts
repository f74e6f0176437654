/**
 * The orders API on NestJS (Express platform): the same resource server as the other examples, built
 * with @resource-guard/nestjs. `ResourceGuardModule` guards every route (its global guard);
 * `GET /health` opts out with `@Public()`, `GET /orders` needs `orders:read` and `POST /orders` needs
 * `orders:write`. A factory, so the demo and the tests build it in-process; `server.ts` runs it from
 * environment variables.
 */
import "reflect-metadata";
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Module,
  type NestApplicationOptions,
  Post,
} from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import type { VerifierOptions } from "@resource-guard/core";
import { Auth, type AuthResult, Public, RequireScopes, ResourceGuardModule } from "@resource-guard/nestjs";

/** Options of the orders API: any `createVerifier` option (`issuer`, `audience`, `jwksUri`…). */
export type OrdersApiOptions = VerifierOptions;

interface Order {
  id: string;
  item: string;
  quantity: number;
  createdBy: string | undefined;
}

@Controller()
class OrdersController {
  private readonly orders: Order[] = [
    { id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" },
  ];

  @Get("health")
  @Public()
  health() {
    return { status: "ok" };
  }

  @Get("orders")
  @RequireScopes("orders:read")
  list(@Auth() auth: AuthResult) {
    return { orders: this.orders, client: auth.claims.client_id };
  }

  // The body is parsed before guards run (Nest's platform does it), but only used once the token
  // and its scope have been accepted.
  @Post("orders")
  @RequireScopes("orders:write")
  create(@Auth() auth: AuthResult, @Body() body: unknown) {
    const { item, quantity } = (body ?? {}) as { item?: unknown; quantity?: unknown };
    if (
      typeof item !== "string" ||
      item.length === 0 ||
      !Number.isInteger(quantity) ||
      Number(quantity) < 1
    ) {
      throw new BadRequestException({
        error: "invalid_order",
        error_description: "item and a positive quantity are required",
      });
    }
    const order: Order = {
      id: `ord_${1001 + this.orders.length}`,
      item,
      quantity: Number(quantity),
      createdBy: auth.claims.client_id,
    };
    this.orders.push(order);
    return order;
  }
}

/** How the app is served: over HTTPS with these node:tls options (client certificates for RFC 8705). */
export interface ServeOptions {
  https?: NestApplicationOptions["httpsOptions"];
}

/**
 * Builds the orders API. Auth failures answer with their status, headers (`WWW-Authenticate`,
 * `Retry-After`) and `{ error, error_description }`. Nothing listens until you call `app.listen()`.
 *
 * @example
 * const app = await createApp({ issuer: "http://127.0.0.1:4000", audience: "https://orders.example.com" });
 * await app.listen(3000, "127.0.0.1");
 * // over HTTPS, asking for client certificates:
 * // createApp(options, { https: { key, cert, requestCert: true, rejectUnauthorized: false } })
 */
export async function createApp(
  options: OrdersApiOptions,
  serve: ServeOptions = {},
): Promise<NestExpressApplication> {
  class AppModule {}
  Module({ imports: [ResourceGuardModule.forRoot(options)], controllers: [OrdersController] })(AppModule);
  return NestFactory.create<NestExpressApplication>(AppModule, {
    // No request logging: a rejected token is not news. Errors of Nest itself are still logged.
    logger: ["error", "warn"],
    forceCloseConnections: true,
    ...(serve.https ? { httpsOptions: serve.https } : {}),
  });
}
