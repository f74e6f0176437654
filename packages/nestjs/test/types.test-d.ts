/**
 * Type tests: `@Auth()` decorates a handler parameter typed as the AuthResult (or, with a member
 * name, as that member), the scope decorators (`@RouteScopes` too) fit controllers and handlers, and
 * the module's options are checked by the types as by the code.
 */

import { type CanActivate, Controller, type DynamicModule, Get, Inject, UseGuards } from "@nestjs/common";
import type { AuthResult } from "@resource-guard/core";
import {
  Auth,
  Public,
  RESOURCE_GUARD_VERIFIER,
  RequireAnyScope,
  RequireClaims,
  RequireScopes,
  ResourceGuard,
  ResourceGuardModule,
  RouteScopes,
  type Verifier,
} from "@resource-guard/nestjs";
import { describe, expectTypeOf, it } from "vitest";

const options = { issuer: "https://idp.example.com", audience: "https://api.example.com" };

describe("nestjs types", () => {
  it("types @Auth() and its member form as parameter decorators", () => {
    expectTypeOf(Auth()).toEqualTypeOf<ParameterDecorator>();
    expectTypeOf(Auth).parameter(0).toEqualTypeOf<keyof AuthResult | undefined>();
    Auth("claims");
    Auth("scopes");
    // @ts-expect-error only members of AuthResult
    Auth("user");

    @Controller("orders")
    @RouteScopes("orders:read")
    @RequireScopes("orders:read")
    @UseGuards(ResourceGuard)
    class OrdersController {
      @Get()
      @RequireAnyScope(["orders:read", "orders:admin"])
      @RequireClaims((claims) => claims.sub !== undefined)
      list(@Auth() auth: AuthResult, @Auth("scopes") scopes: AuthResult["scopes"]) {
        expectTypeOf(auth.claims.sub).toEqualTypeOf<string | undefined>();
        return scopes;
      }

      @Get("write")
      @RouteScopes(["orders:write"])
      write() {}

      @Get("health")
      @Public()
      health() {}
    }
    expectTypeOf(OrdersController).toBeConstructibleWith();
  });

  it("types the module, the guard and the verifier token", () => {
    expectTypeOf(ResourceGuardModule.forRoot(options)).toEqualTypeOf<DynamicModule>();
    ResourceGuardModule.forRoot({ ...options, globalGuard: false });
    // @ts-expect-error unknown verifier options are refused by the types too
    ResourceGuardModule.forRoot({ ...options, clockTolerence: 5 });
    // @ts-expect-error globalGuard is a boolean
    ResourceGuardModule.forRoot({ ...options, globalGuard: "no" });
    ResourceGuardModule.forRootAsync({
      inject: ["CONFIG"],
      useFactory: async (config: { issuer: string }) => ({ issuer: config.issuer, audience: "a" }),
    });
    expectTypeOf<ResourceGuard>().toExtend<CanActivate>();

    class Service {
      constructor(@Inject(RESOURCE_GUARD_VERIFIER) readonly verifier: Verifier) {}
    }
    expectTypeOf<Service["verifier"]["authenticate"]>().toBeFunction();
  });

  it("types the arguments of the scope decorators", () => {
    RequireScopes("a", "b");
    RequireScopes(["a", "b"]);
    // @ts-expect-error a scope is a string
    RequireScopes(1);
    expectTypeOf(RouteScopes("a", ["b"])).toEqualTypeOf<ClassDecorator & MethodDecorator>();
    // @ts-expect-error a scope is a string
    RouteScopes(1);
    // @ts-expect-error the predicate receives claims and returns a boolean
    RequireClaims((claims: string) => claims);
  });
});
