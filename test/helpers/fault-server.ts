import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { makeSelfSignedCert } from "./tls.js";

/**
 * Loopback servers that misbehave on purpose, one fault each, for the reliability
 * suite. Every request that reaches the server is counted (for `refused` nothing can
 * be: the port is closed). Free of node:test.
 */
export type Fault =
  | "refused" // nothing listens on the port
  | "hang" // accepts, reads the request, never answers
  | "trickle" // answers 200 with headers at once, then one body byte a second
  | "500"
  | "502"
  | "503"
  | "429" // without retry-after
  | "429-retry-after" // retry-after: 3600
  | "malformed-json" // 200, content-type JSON, a body that is not JSON
  | "truncated-json" // 200, content-length larger than what is sent, then the socket closes
  | "huge" // 200 with a 10 MiB body
  | "tls-untrusted" // https with a self-signed certificate the client does not trust
  | "redirect-http" // 301 to a plain-http URL
  | "echo-html" // 200 text/html: a captive portal's page
  | "echo-private"; // 200 "192.168.1.10": an address from a private range

export const FAULTS: readonly Fault[] = [
  "refused", "hang", "trickle", "500", "502", "503", "429", "429-retry-after",
  "malformed-json", "truncated-json", "huge", "tls-untrusted", "redirect-http", "echo-html", "echo-private",
];

export const RETRY_AFTER_S = 3600;
export const HUGE_BYTES = 10 * 1024 * 1024;

export interface FaultServer {
  fault: Fault;
  /** Base URL (http://127.0.0.1:PORT or https://127.0.0.1:PORT). */
  url: string;
  /** Requests (or, for hang/trickle, connections) that reached the server. */
  count(): number;
  /** Request lines and headers seen, for secrecy scans. */
  seen: string[];
  close(): Promise<void>;
}

const HTML = "<!doctype html><html><head><title>Login</title></head><body><form>Wi-Fi login</form></body></html>\n";

function answer(fault: Fault, req: IncomingMessage, res: ServerResponse, hanging: Set<ServerResponse>): void {
  switch (fault) {
    case "hang":
      hanging.add(res);
      return;
    case "trickle": {
      res.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
      const timer = setInterval(() => res.write("{"), 1000);
      hanging.add(res);
      res.on("close", () => clearInterval(timer));
      return;
    }
    case "500":
    case "502":
    case "503":
      res.writeHead(Number(fault), { "content-type": "text/html" }).end(`<html><body><h1>${fault}</h1></body></html>`);
      return;
    case "429":
      res.writeHead(429, { "content-type": "application/json" }).end(JSON.stringify({ success: false, errors: [{ code: 10000, message: "rate limited" }], messages: [], result: null }));
      return;
    case "429-retry-after":
      res.writeHead(429, { "content-type": "application/json", "retry-after": String(RETRY_AFTER_S) })
        .end(JSON.stringify({ success: false, errors: [{ code: 10000, message: "rate limited" }], messages: [], result: null }));
      return;
    case "malformed-json":
      res.writeHead(200, { "content-type": "application/json" }).end(`{"success": true, "result": [{"id": "abc", "name": `);
      return;
    case "truncated-json": {
      const body = `{"success":true,"errors":[],"messages":[],"result":[{"id":"0123`;
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length + 200) });
      res.write(body, () => res.socket?.destroy());
      return;
    }
    case "huge": {
      res.writeHead(200, { "content-type": "application/json" }); // chunked: no length to refuse early
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = (): void => {
        while (sent < HUGE_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", more);
            return;
          }
        }
        res.end();
      };
      res.on("error", () => undefined);
      more();
      return;
    }
    case "redirect-http":
      res.writeHead(301, { location: `http://127.0.0.1:9${req.url ?? "/"}`, "content-type": "text/html" }).end(HTML);
      return;
    case "echo-html":
      res.writeHead(200, { "content-type": "text/html" }).end(HTML);
      return;
    case "echo-private":
      res.writeHead(200, { "content-type": "text/plain" }).end("192.168.1.10\n");
      return;
    case "tls-untrusted":
      // Reached only by a client that ignored the certificate: answer like an echo.
      res.writeHead(200, { "content-type": "text/plain" }).end("198.51.100.250\n");
      return;
    case "refused":
      res.writeHead(500).end();
      return;
  }
}

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port on which nothing listens (bound then released). */
export async function closedPort(): Promise<number> {
  const s = createNetServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startFaultServer(fault: Fault): Promise<FaultServer> {
  if (fault === "refused") {
    const port = await closedPort();
    return { fault, url: `http://127.0.0.1:${port}`, count: () => 0, seen: [], close: async () => undefined };
  }
  let n = 0;
  const seen: string[] = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    n++;
    seen.push(`${req.method ?? ""} ${req.url ?? ""}\n${JSON.stringify(req.headers)}`);
    req.resume();
    req.on("end", () => answer(fault, req, res, hanging));
  };
  const server: Server = fault === "tls-untrusted" ? createHttpsServer(makeSelfSignedCert(), handler) : createHttpServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A TLS handshake the client aborts is a connection that reached us: count it.
  if (fault === "tls-untrusted") server.on("tlsClientError", () => void n++);
  const port = await listen(server);
  const scheme = fault === "tls-untrusted" ? "https" : "http";
  return {
    fault,
    url: `${scheme}://127.0.0.1:${port}`,
    count: () => n,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
