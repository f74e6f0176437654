/**
 * The guard of the NestJS adapter, usable globally (`APP_GUARD`, which `ResourceGuardModule`
 * registers by default) or per controller (`@UseGuards(ResourceGuard)`). It holds no verification
 * logic: it hands the platform request to the core verifier (with the route's `@RouteScopes`, so its
 * 401s name them), stores the result as `request.auth`, then runs the route guards that
 * `@RouteScopes`, `@RequireScopes`, `@RequireAnyScope` and `@RequireClaims` attached to the controller
 * and the handler. `@Public()` handlers and controllers pass untouched.
 */

import { type CanActivate, type ExecutionContext, Inject, Injectable, Optional } from "@nestjs/common";
import {
  type AuthResult,
  type ChallengeContext,
  isCorsPreflight,
  markAnonymous,
  type RequestLike,
  type RouteGuard,
  type Verifier,
} from "@resource-guard/core";
import { type PlatformResponse, setHeaders, toHttpException } from "./http-exception.js";
import { type PlatformRequest, READERS } from "./request.js";
import { createRoutePlans } from "./route-plan.js";

/**
 * The injection token of the verifier `ResourceGuardModule` builds: inject it to verify tokens
 * elsewhere (`@Inject(RESOURCE_GUARD_VERIFIER) verifier: Verifier`).
 */
export const RESOURCE_GUARD_VERIFIER: unique symbol = Symbol.for("@resource-guard/nestjs:verifier");

/** The injection token of the guard's settings, provided by `ResourceGuardModule`. */
export const RESOURCE_GUARD_SETTINGS: unique symbol = Symbol.for("@resource-guard/nestjs:settings");

/** What the guard reads besides the verifier. */
export interface ResourceGuardSettings {
  readonly credentialsRequired: boolean;
}

const NO_AUTH = "request.auth; the guard did not authenticate this request";

type GuardedRequest = PlatformRequest & { auth?: AuthResult };

/**
 * Authenticates every request of the handlers it guards and applies their scope and claim rules.
 * A token the verifier has cached is checked synchronously and the guard answers `true` at once;
 * only a token that needs work (a key fetch, a first verification) makes it return a promise.
 * @example
 * @UseGuards(ResourceGuard)
 * @Controller("orders")
 * export class OrdersController { … }
 */
export class ResourceGuard implements CanActivate {
  private readonly planOf: ReturnType<typeof createRoutePlans>;

  constructor(
    private readonly verifier: Verifier,
    settings: ResourceGuardSettings = { credentialsRequired: true },
  ) {
    this.planOf = createRoutePlans(
      settings.credentialsRequired ? READERS : Object.freeze({ ...READERS, credentialsRequired: false }),
    );
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const plan = this.planOf(context.getClass(), context.getHandler());
    if (plan.open) return true;
    if (context.getType() !== "http")
      // Failing closed: a transport this guard cannot read must not pass unauthenticated.
      throw new Error(
        `resource-guard: ResourceGuard reads HTTP requests only (got a "${context.getType()}" context); mark the handler @Public() or bind the guard per HTTP controller`,
      );
    const http = context.switchToHttp();
    const request = http.getRequest<GuardedRequest>();
    const response = http.getResponse<PlatformResponse>();
    // A CORS preflight carries no credentials: it goes on to the app's CORS handling unchallenged.
    if (isCorsPreflight(request as unknown as RequestLike)) return true;
    let result: AuthResult | Promise<AuthResult>;
    try {
      result = this.verifier.authenticateMaybeSync(request, plan.readers);
    } catch (err) {
      throw toHttpException(err, response);
    }
    if (result instanceof Promise)
      return result.then(
        (auth) => this.accept(request, response, auth, plan.guards),
        (err: unknown) => {
          throw toHttpException(err, response);
        },
      );
    return this.accept(request, response, result, plan.guards);
  }

  /** Stores the result (or marks the request anonymous) and runs the route guards. */
  private accept(
    request: GuardedRequest,
    response: PlatformResponse,
    auth: AuthResult | undefined,
    guards: readonly RouteGuard[],
  ): true {
    try {
      let anonymous: ChallengeContext | undefined;
      if (auth === undefined) {
        // Marked for code that reads the request later; the route guards answer 401 with its challenge.
        anonymous = this.verifier.challenge;
        markAnonymous(request, anonymous);
      } else {
        request.auth = auth;
        if (auth.responseHeaders !== undefined) setHeaders(response, auth.responseHeaders);
      }
      for (const guard of guards) guard.check(auth, NO_AUTH, anonymous);
    } catch (err) {
      throw toHttpException(err, response);
    }
    return true;
  }
}

// Applied as functions rather than decorator syntax, so the build needs no decorator transform and
// no emitted metadata: the one dependency is named by its token.
Inject(RESOURCE_GUARD_VERIFIER)(ResourceGuard, undefined, 0);
Optional()(ResourceGuard, undefined, 1);
Inject(RESOURCE_GUARD_SETTINGS)(ResourceGuard, undefined, 1);
Injectable()(ResourceGuard);
