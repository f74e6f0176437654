/**
 * The test-output filter for Express's error logging drops resource-guard's expected errors, as
 * Express 5 (the error) and Express 4 (its stack text) log them, and nothing else.
 */
import { InvalidTokenError, MissingCredentialsError } from "@resource-guard/core";
import { expect, it, vi } from "vitest";
import { quietExpectedErrors } from "./quiet-expected-errors.js";

it("drops resource-guard's errors and their stack text, and prints everything else", () => {
  const print = vi.fn();
  const original = console.error;
  console.error = print;
  try {
    quietExpectedErrors();
    const expected = new InvalidTokenError("expired", "api");
    console.error(expected);
    console.error(expected.stack);
    console.error(new MissingCredentialsError("api").stack);
    expect(print).not.toHaveBeenCalled();

    const own = new Error("the app broke");
    console.error(own);
    console.error(own.stack);
    console.error("InvalidTokenError: not ours", "and more");
    console.error("TypeError: x is not a function");
    expect(print.mock.calls).toEqual([
      [own],
      [own.stack],
      ["InvalidTokenError: not ours", "and more"],
      ["TypeError: x is not a function"],
    ]);
  } finally {
    console.error = original;
  }
});
