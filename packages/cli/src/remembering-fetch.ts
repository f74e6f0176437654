/**
 * The fetch `inspect` gives core: each URL is asked once and its answer replayed to every verifier
 * built afterwards (inspect builds one per round), and a progress line is shown while the network is
 * waited on. Only the command line uses this; core's own fetching rules (timeouts, sizes, redirects)
 * still apply to every answer, replayed or not.
 */
import type { Terminal } from "./terminal.js";

type BodyInit = ConstructorParameters<typeof Response>[0];

/** A fetch for core that asks the network once per URL, with a progress line while it waits. */
export function rememberingFetch(terminal: Terminal) {
  const answers = new Map<
    string,
    Promise<{ status: number; headers: [string, string][]; body: ArrayBuffer }>
  >();
  return async (url: string, init: RequestInit): Promise<Response> => {
    let answer = answers.get(url);
    if (answer === undefined) {
      answer = terminal.during(
        `fetching ${url}`,
        fetch(url, init).then(async (r) => ({
          status: r.status,
          headers: [...r.headers],
          body: await r.arrayBuffer(),
        })),
      );
      answers.set(url, answer);
    }
    const { status, headers, body } = await answer;
    const empty = status === 204 || status === 304;
    return new Response(empty ? null : (body as BodyInit), { status, headers });
  };
}
