import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback "what is my IP" service. Routes answer with a fixed status, headers and
 * body; `hang` never answers (for timeouts); `/me` echoes the peer address as seen.
 * Every request is counted with the address family it came in on.
 */
export interface EchoRoute {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
}

export interface EchoServer {
  /** Base URL, e.g. http://127.0.0.1:PORT or http://[::1]:PORT */
  url: string;
  requests: { method: string; path: string; remoteAddress: string; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}

export async function startEchoServer(host: "127.0.0.1" | "::1", routes: Record<string, EchoRoute>): Promise<EchoServer> {
  const requests: EchoServer["requests"] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const remoteAddress = req.socket.remoteAddress ?? "";
    requests.push({ method: req.method ?? "", path, remoteAddress, headers: req.headers });
    if (path === "/me") {
      res.writeHead(200, { "content-type": "text/plain" }).end(`${remoteAddress}\n`);
      return;
    }
    const r = routes[path];
    if (!r) {
      res.writeHead(404).end("not found");
      return;
    }
    if (r.hang) {
      hanging.add(res);
      return;
    }
    res.writeHead(r.status ?? 200, { "content-type": "text/plain", ...r.headers }).end(r.body ?? "");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: host.includes(":") ? `http://[${host}]:${port}` : `http://${host}:${port}`,
    requests,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
