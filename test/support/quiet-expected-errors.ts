/**
 * Express's default error handler logs every error it answers unless the app's env is "test", and
 * the Express harnesses run in production mode so that no stack trace reaches a response body. The
 * suites send thousands of requests that are meant to be refused; printing each 401 and 403 with its
 * stack would bury the output that matters. This filter drops exactly those log calls: the error
 * object (Express 5) or its stack text (Express 4) of an error resource-guard threw. Every other
 * console.error call is printed as before.
 */
import * as core from "@resource-guard/core";

// Every error class core exports, so classes added later are recognised too.
const OWN_ERROR_NAMES = new Set(Object.keys(core).filter((name) => /^[A-Z]\w*Error$/.test(name)));

function isExpected(args: unknown[]): boolean {
  if (args.length !== 1) return false;
  const [logged] = args;
  if (core.toErrorResponse(logged) !== undefined) return true;
  if (typeof logged !== "string") return false;
  const name = /^(\w+): /.exec(logged)?.[1];
  return name !== undefined && OWN_ERROR_NAMES.has(name);
}

let installed = false;

/** Installs the filter once per test worker. */
export function quietExpectedErrors(): void {
  if (installed) return;
  installed = true;
  const print = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (!isExpected(args)) print(...args);
  };
}
