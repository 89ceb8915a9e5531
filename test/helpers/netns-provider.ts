/**
 * A strict provider mock run as its own process, so that it can live in another
 * network namespace (`nsenter -n`) than the test: the real-systemd suite puts it
 * beside the booted system's ddns, which sees nothing but loopback.
 *
 * Protocol, JSON lines. stdout: first `{"url": "http://127.0.0.1:PORT"}`, then one
 * `{"arrived": {...}}` when a request comes in and one
 * `{"request": {...}}` when it is answered. stdin: `{"delayMs": N}` holds every
 * later request N ms before answering (a slow provider); `{"fail": {status, body}}`
 * answers every later request so without passing it on (`{"fail": null}` stops);
 * `{"report": true}` prints `{"report": {violations, addresses}}`.
 *
 * In front of the strict dyndns2 server (test/helpers/dyndns2-server.ts) sits a small
 * proxy that adds the delay and the failures; the server checks every request it gets.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { startDyndns2Server } from "./dyndns2-server.js";

export interface ProviderCommand {
  delayMs?: number;
  fail?: { status: number; body: string } | null;
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

async function main(username: string, hosts: string[]): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const first = await lines.next();
  const password = first.done ? "" : first.value;
  const mock = await startDyndns2Server({ accounts: [{ username, password, hosts }] });
  const target = new URL(mock.url);
  let delayMs = 0;
  let fail: ProviderCommand["fail"] = null;
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
        if (fail) return finish(fail.status, { "content-type": "text/plain" }, Buffer.from(fail.body));
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

  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    const c = JSON.parse(next.value) as ProviderCommand;
    if (c.delayMs !== undefined) delayMs = c.delayMs;
    if (c.fail !== undefined) fail = c.fail;
    if (c.report) say({ report: { violations: mock.violations(), addresses: mock.addresses() } });
  }
  proxy.close();
  await mock.close();
}

// Run as a program, never on import. The password comes on stdin's first line, not
// in argv where any process could read it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [username, hosts] = process.argv.slice(2);
  if (username === undefined || hosts === undefined) throw new Error("usage: netns-provider.js USERNAME HOST[,HOST...] < password");
  void main(username, hosts.split(","));
}
