/**
 * The guard of the NestJS adapter, usable globally (`APP_GUARD`, which `ResourceGuardModule`
 * registers by default) or per controller (`@UseGuards(ResourceGuard)`). It holds no verification
 * logic: it hands the platform request to the core verifier, stores the result as `request.auth`,
 * then runs the route guards that `@RequireScopes`, `@RequireAnyScope` and `@RequireClaims` attached
 * to the controller and the handler. `@Public()` handlers and controllers pass untouched.
 */

import { type CanActivate, type ExecutionContext, Inject, Injectable, Optional } from "@nestjs/common";
import {
  type AuthResult,
  anonymousContextOf,
  type ChallengeContext,
  isCorsPreflight,
  markAnonymous,
  type RequestLike,
  type RouteGuard,
  type Verifier,
} from "@resource-guard/core";
import { type PlatformResponse, setHeaders, toHttpException } from "./http-exception.js";
import { guardsOf, isPublic } from "./metadata.js";
import { type PlatformRequest, READERS } from "./request.js";

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

function check(
  guards: readonly RouteGuard[] | undefined,
  auth: AuthResult | undefined,
  anonymous: ChallengeContext | undefined,
): void {
  if (guards !== undefined) for (const guard of guards) guard.check(auth, NO_AUTH, anonymous);
}

/**
 * Authenticates every request of the handlers it guards and applies their scope and claim rules.
 * @example
 * @UseGuards(ResourceGuard)
 * @Controller("orders")
 * export class OrdersController { … }
 */
export class ResourceGuard implements CanActivate {
  private readonly readers: typeof READERS;

  constructor(
    private readonly verifier: Verifier,
    settings: ResourceGuardSettings = { credentialsRequired: true },
  ) {
    this.readers = settings.credentialsRequired ? READERS : { ...READERS, credentialsRequired: false };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    const controller = context.getClass();
    if (isPublic(handler) || isPublic(controller)) return true;
    if (context.getType() !== "http")
      // Failing closed: a transport this guard cannot read must not pass unauthenticated.
      throw new Error(
        `resource-guard: ResourceGuard reads HTTP requests only (got a "${context.getType()}" context); mark the handler @Public() or bind the guard per HTTP controller`,
      );
    const http = context.switchToHttp();
    const request = http.getRequest<PlatformRequest & { auth?: AuthResult }>();
    const response = http.getResponse<PlatformResponse>();
    // A CORS preflight carries no credentials: it goes on to the app's CORS handling unchallenged.
    if (isCorsPreflight(request as unknown as RequestLike)) return true;
    try {
      const auth: AuthResult | undefined = await this.verifier.authenticate(request, this.readers);
      if (auth === undefined) markAnonymous(request, this.verifier.challenge);
      else {
        request.auth = auth;
        if (auth.responseHeaders !== undefined) setHeaders(response, auth.responseHeaders);
      }
      const anonymous = anonymousContextOf(request);
      check(guardsOf(controller), auth, anonymous);
      check(guardsOf(handler), auth, anonymous);
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
