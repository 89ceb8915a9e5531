/**
 * A strict provider mock run as its own process, so that it can live in another
 * network namespace (`nsenter -n`) than the test: the real-systemd suite puts it
 * beside the booted system's ddns, which sees nothing but loopback.
 *
 * Protocol, JSON lines. stdout: first `{"url": "http://127.0.0.1:PORT"}`, then one
 * `{"arrived": {...}}` when a request comes in and one
 * `{"request": {...}}` when it is answered. stdin: `{"delayMs": N}` holds every
 * later request N ms before answering (a slow provider); `{"failStatus": S}` answers
 * every later request with HTTP S without passing it on (0 turns that off);
 * `{"report": true}` prints `{"report": {violations, hosts}}`.
 *
 * In front of the strict Duck DNS mock (test/helpers/duckdns-server.ts) sits a small
 * proxy that adds the delay and the failures; the mock checks every request it gets.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { startDuckdns } from "./duckdns-server.js";

export interface ProviderCommand {
  delayMs?: number;
  failStatus?: number;
  report?: boolean;
}

export interface SeenByProxy {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** epoch ms when the request arrived and when it was answered */
  at: number;
  done: number;
}

async function main(token: string, subs: string[]): Promise<void> {
  const mock = await startDuckdns(token, subs);
  const target = new URL(mock.url);
  let delayMs = 0;
  let failStatus = 0;
  const say = (o: object): void => void process.stdout.write(JSON.stringify(o) + "\n");

  const proxy = createServer((req, res) => {
    const at = Date.now();
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    say({ arrived: { path: u.pathname, at } });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const finish = (status: number, headers: Record<string, string | string[] | undefined>, body: Buffer): void => {
        res.writeHead(status, headers);
        res.end(body);
        say({ request: { method: req.method, path: u.pathname, query: Object.fromEntries(u.searchParams), status, at, done: Date.now() } });
      };
      setTimeout(() => {
        if (failStatus !== 0) return finish(failStatus, { "content-type": "text/plain" }, Buffer.from("Service Unavailable"));
        const fwd = request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (up) => {
            const body: Buffer[] = [];
            up.on("data", (c: Buffer) => body.push(c));
            up.on("end", () => finish(up.statusCode ?? 502, up.headers, Buffer.concat(body)));
          },
        );
        fwd.on("error", () => finish(502, {}, Buffer.from("bad gateway")));
        fwd.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  say({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });

  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const c = JSON.parse(line) as ProviderCommand;
    if (c.delayMs !== undefined) delayMs = c.delayMs;
    if (c.failStatus !== undefined) failStatus = c.failStatus;
    if (c.report) say({ report: { violations: mock.violations, hosts: Object.fromEntries(mock.hosts) } });
  });
  rl.on("close", () => {
    proxy.close();
    void mock.close();
  });
}

// Run as a program (`node netns-provider.js TOKEN SUB[,SUB...]`), never on import.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [token, subs] = process.argv.slice(2);
  if (token === undefined || subs === undefined) throw new Error("usage: netns-provider.js TOKEN SUB[,SUB...]");
  void main(token, subs.split(","));
}
