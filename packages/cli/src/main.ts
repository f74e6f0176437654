/**
 * The command dispatcher: picks the command, maps what went wrong to the documented exit codes
 * (0 ok, 1 a check failed or the token was refused, 2 usage error, 3 network or provider error),
 * and prints errors to stderr as one line that says what to do.
 */
import { EXIT, UsageError } from "./args.js";
import { DISCOVER_USAGE, discover } from "./commands/discover.js";
import { INSPECT_USAGE, inspect } from "./commands/inspect.js";
import { TOKEN_USAGE, token } from "./commands/token.js";
import { NetworkError } from "./http.js";
import { type Streams, Terminal } from "./terminal.js";

export const USAGE = `Usage: resource-guard <command> [options]

Commands:
  inspect <token>     decode a token and run every check of @resource-guard/core against its issuer
  discover <issuer>   show an issuer's metadata, its keys and their caching, and what is wrong with them
  token               get an access token by the client-credentials grant

Options of every command:
  --json              machine-readable output on stdout
  --no-color          no colours (NO_COLOR=1 does the same)
  --timeout <ms>      for each network request (default 5000)
  -h, --help          help for the command

Exit codes: 0 ok, 1 a check failed or the token was refused, 2 usage error, 3 network or provider error.
Run "resource-guard <command> --help" for a command's options.`;

const COMMANDS: Record<
  string,
  {
    run: (args: string[], terminal: Terminal, stdin: NodeJS.ReadableStream) => Promise<number>;
    usage: string;
  }
> = {
  inspect: { run: inspect, usage: INSPECT_USAGE },
  discover: { run: discover, usage: DISCOVER_USAGE },
  token: { run: token, usage: TOKEN_USAGE },
};

// Set by the build (tsup's `define`) from package.json.
declare const RESOURCE_GUARD_CLI_VERSION: string;

function version(): string {
  return typeof RESOURCE_GUARD_CLI_VERSION === "string" ? RESOURCE_GUARD_CLI_VERSION : "0.0.0-dev";
}

export async function main(
  argv: string[],
  streams: Streams & { stdin: NodeJS.ReadableStream },
): Promise<number> {
  const terminal = new Terminal(streams, { noColor: argv.includes("--no-color") });
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    (name === undefined ? (line: string) => terminal.err(line) : (line: string) => terminal.out(line))(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "-v" || name === "--version") {
    terminal.out(version());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    terminal.err(
      `resource-guard: unknown command "${name}"; the commands are inspect, discover, token`,
      "fail",
    );
    terminal.err(USAGE);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, terminal, streams.stdin);
  } catch (error) {
    if (error instanceof UsageError) {
      terminal.err(`resource-guard ${name}: ${error.message}`, "fail");
      terminal.err(command.usage);
      return EXIT.usage;
    }
    if (error instanceof NetworkError) {
      terminal.err(`resource-guard ${name}: ${error.message}`, "fail");
      return EXIT.network;
    }
    throw error;
  }
}
