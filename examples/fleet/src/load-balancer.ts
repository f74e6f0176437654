/**
 * A round-robin TCP load balancer on 127.0.0.1, the smallest stand-in for the one in front of a real
 * fleet: each new connection goes to the next instance in turn, bytes pass through untouched. Every
 * instance therefore sees the same `Host`, so the URL a DPoP proof is made for (`htu`) is the same
 * whichever instance answers, as behind a real load balancer.
 */
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";

export interface LoadBalancer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLoadBalancer(targetPorts: readonly number[]): Promise<LoadBalancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server = createServer((inbound) => {
    const port = targetPorts[next++ % targetPorts.length] as number;
    const outbound = connect(port, "127.0.0.1");
    track(inbound);
    track(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = once(server, "close");
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
