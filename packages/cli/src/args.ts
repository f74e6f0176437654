/**
 * Argument parsing on node:util's parseArgs, strict: an unknown option or a missing value is a usage
 * error (exit code 2) that says what to type instead, never a guess.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

/** The command line was used wrongly: exit code 2, with the command's usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT = { ok: 0, failed: 1, usage: 2, network: 3 } as const;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every command takes. */
export const COMMON_OPTIONS: Options = {
  json: { type: "boolean" },
  "no-color": { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
};

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    // parseArgs' messages name the option; keep their first sentence only.
    const message = error instanceof Error ? error.message.split(". ")[0] : String(error);
    throw new UsageError(message as string);
  }
}

export function timeoutOf(values: Parsed["values"]): number {
  const raw = values.timeout;
  if (raw === undefined) return 5000;
  const ms = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(ms) || ms <= 0)
    throw new UsageError("--timeout takes a whole number of milliseconds, e.g. --timeout 10000");
  return ms;
}

export function stringOf(values: Parsed["values"], name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** A repeatable option, each value also split on spaces (`--scope "a b" --scope c`). */
export function listOf(values: Parsed["values"], name: string, split = false): string[] {
  const value = values[name];
  const list = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return split ? list.flatMap((item) => item.split(" ")).filter((item) => item !== "") : list;
}

/** An absolute http(s) URL, or a usage error naming the option. */
export function urlOf(value: string, option: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new UsageError(`${option} must be an absolute http(s) URL, e.g. https://idp.example.com`);
  return value;
}
