import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { createHttpClient } from "../../src/net/http.js";
import { deadlineSignal, expiryOf } from "../../src/net/deadline.js";
import { DdnsError } from "../../src/errors.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";
import { makeSelfSignedCert } from "../helpers/tls.js";

const SECRET = "s3cr3t-Tok3n-do-not-print";
/** A password given as URL userinfo (sent as Basic auth). */
const USERINFO_PW = "p:ss-userinfo-5e";
const SECRETS = [SECRET, USERINFO_PW];

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Loopback {
  url: string;
  count: () => number;
  seen: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }>;
  closed: Promise<void>;
  server: Server;
}

const servers: Array<Server | ReturnType<typeof createNetServer>> = [];
after(() => {
  for (const s of servers) {
    (s as Server).closeAllConnections?.();
    s.close();
  }
});

async function listen(s: Server | ReturnType<typeof createNetServer>, host = "127.0.0.1"): Promise<number> {
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, host, resolve));
  return (s.address() as AddressInfo).port;
}

async function loopback(handler: Handler): Promise<Loopback> {
  const seen: Loopback["seen"] = [];
  let socketClosed!: () => void;
  const closed = new Promise<void>((r) => (socketClosed = r));
  const server = createServer((req, res) => {
    req.socket.once("close", socketClosed);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, count: () => seen.length, seen, closed, server };
}

async function rejection(p: Promise<unknown>): Promise<DdnsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DdnsError, `expected a DdnsError, got ${String(e)}`);
    // Every rejection a test sees: message, stack and causes hold no secret.
    assertNoSecretsIn(SECRETS, [e]);
    return e;
  }
  assert.fail("expected a rejection");
}

function assertNoSecret(e: DdnsError): void {
  assert.ok(!e.message.includes(SECRET), e.message);
  assert.ok(!e.message.includes("?"), `query leaked: ${e.message}`);
  const cause = e.cause === undefined ? "" : String((e.cause as Error).message ?? e.cause);
  assert.ok(!cause.includes(SECRET), cause);
}

describe("Net - http client", () => {
  const http = createHttpClient({ userAgent: "ddns/test (+https://example.invalid)" });

  it("server answers/get/returns status, headers and body, connection closed", async () => {
    const lb = await loopback((_req, res) => {
      res.setHeader("X-Two", ["a", "b"]);
      res.end("hello");
    });
    const r = await http.request({ method: "GET", url: `${lb.url}/path?x=1` });
    assert.equal(r.status, 200);
    assert.equal(r.body, "hello");
    assert.equal(r.headers["x-two"], "a, b");
    assert.equal(lb.seen[0]?.url, "/path?x=1");
    assert.equal(lb.seen[0]?.headers["user-agent"], "ddns/test (+https://example.invalid)");
    assert.equal(lb.seen[0]?.headers["connection"], "close");
  });

  it("post with body/sends/content-length and the body, own headers win", async () => {
    const lb = await loopback((_req, res) => res.end("{}"));
    await http.request({
      method: "PATCH",
      url: `${lb.url}/r`,
      headers: { "Content-Type": "application/json", "User-Agent": "other" },
      body: '{"content":"é"}',
    });
    assert.equal(lb.seen[0]?.method, "PATCH");
    assert.equal(lb.seen[0]?.body, '{"content":"é"}');
    assert.equal(lb.seen[0]?.headers["content-length"], String(Buffer.byteLength('{"content":"é"}')));
    assert.equal(lb.seen[0]?.headers["content-type"], "application/json");
    assert.equal(lb.seen[0]?.headers["user-agent"], "other");
  });

  it("userinfo in the URL/sends/basic auth header", async () => {
    const lb = await loopback((_req, res) => res.end("good"));
    await http.request({ method: "GET", url: lb.url.replace("//", `//me%40x.org:${encodeURIComponent(USERINFO_PW)}@`) + "/nic/update" });
    assert.equal(lb.seen[0]?.headers["authorization"], "Basic " + Buffer.from(`me@x.org:${USERINFO_PW}`).toString("base64"));
  });

  it("3xx answer/request/returned, not followed", async () => {
    const lb = await loopback((req, res) => {
      res.statusCode = req.url === "/start" ? 302 : 200;
      res.setHeader("Location", "/elsewhere");
      res.end();
    });
    const r = await http.request({ method: "GET", url: `${lb.url}/start` });
    assert.equal(r.status, 302);
    assert.equal(r.headers["location"], "/elsewhere");
    assert.equal(lb.count(), 1);
  });

  it("4xx and 5xx answers/request/resolve as values", async () => {
    const lb = await loopback((req, res) => {
      res.statusCode = req.url === "/a" ? 403 : 503;
      res.end("no");
    });
    assert.equal((await http.request({ method: "GET", url: `${lb.url}/a` })).status, 403);
    assert.equal((await http.request({ method: "GET", url: `${lb.url}/b` })).status, 503);
  });

  it("server never answers/request/NET_TIMEOUT at the deadline", async () => {
    const lb = await loopback(() => undefined);
    const t0 = performance.now();
    const e = await rejection(http.request({ method: "GET", url: `${lb.url}/x?token=${SECRET}`, deadlineMs: 200 }));
    const took = performance.now() - t0;
    assert.equal(e.code, "NET_TIMEOUT");
    assert.match(e.message, /^GET 127\.0\.0\.1:\d+: /);
    assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
    assertNoSecret(e);
    await lb.closed;
  });

  it("server trickles the body/request/NET_TIMEOUT bounds the whole exchange", async () => {
    const timers: NodeJS.Timeout[] = [];
    const lb = await loopback((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain" });
      const t = setInterval(() => res.write("x"), 40);
      timers.push(t);
      res.on("close", () => clearInterval(t));
    });
    const e = await rejection(http.request({ method: "GET", url: `${lb.url}/?password=${SECRET}`, deadlineMs: 300 }));
    timers.forEach(clearInterval);
    assert.equal(e.code, "NET_TIMEOUT");
    assertNoSecret(e);
  });

  it("chunked body past the cap/request/NET_TOO_LARGE and the socket is destroyed", async () => {
    const lb = await loopback((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(8192, 97);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const e = await rejection(http.request({ method: "GET", url: `${lb.url}/?k=${SECRET}`, maxBodyBytes: 16 * 1024 }));
    assert.equal(e.code, "NET_TOO_LARGE");
    assertNoSecret(e);
    await lb.closed;
  });

  it("declared content-length past the default cap/request/NET_TOO_LARGE", async () => {
    const lb = await loopback((_req, res) => {
      res.writeHead(200, { "Content-Length": String(65 * 1024) });
      res.end(Buffer.alloc(65 * 1024));
    });
    const e = await rejection(http.request({ method: "GET", url: lb.url }));
    assert.equal(e.code, "NET_TOO_LARGE");
  });

  it("body exactly at the cap/request/accepted", async () => {
    const lb = await loopback((_req, res) => res.end(Buffer.alloc(1024, 98)));
    const r = await http.request({ method: "GET", url: lb.url, maxBodyBytes: 1024 });
    assert.equal(r.body.length, 1024);
  });

  it("nothing listens/request/NET_REFUSED naming method and host only", async () => {
    const s = createNetServer();
    const port = await listen(s);
    await new Promise<void>((r) => s.close(() => r()));
    const e = await rejection(http.request({ method: "POST", url: `http://me:${encodeURIComponent(USERINFO_PW)}@127.0.0.1:${port}/nic/update?pw=${SECRET}` }));
    assert.equal(e.code, "NET_REFUSED");
    assert.equal(e.message, `POST 127.0.0.1:${port}: connection refused`);
    assertNoSecret(e);
  });

  it("garbage instead of HTTP/request/NET_PROTOCOL", async () => {
    const s = createNetServer((sock: Socket) => sock.end("SSH-2.0-OpenSSH\r\n\r\n"));
    const port = await listen(s);
    const e = await rejection(http.request({ method: "GET", url: `http://me:${encodeURIComponent(USERINFO_PW)}@127.0.0.1:${port}/?t=${SECRET}` }));
    assert.equal(e.code, "NET_PROTOCOL");
    assertNoSecret(e);
  });

  it("connection dropped mid-body/request/NET_OTHER", async () => {
    const lb = await loopback((_req, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("partial", () => res.socket?.destroy());
    });
    const e = await rejection(http.request({ method: "GET", url: lb.url }));
    assert.equal(e.code, "NET_OTHER");
  });

  it("signal aborted in flight/request/NET_ABORTED", async () => {
    const lb = await loopback(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const e = await rejection(http.request({ method: "GET", url: lb.url, signal: ac.signal }));
    assert.equal(e.code, "NET_ABORTED");
    const pre = await rejection(http.request({ method: "GET", url: lb.url, signal: AbortSignal.abort() }));
    assert.equal(pre.code, "NET_ABORTED");
  });

  it("run deadline before the request's own/request/NET_ABORTED at the run deadline, no abort listener", async () => {
    const lb = await loopback(() => undefined);
    const signal = deadlineSignal(80);
    assert.ok((expiryOf(signal) ?? 0) > Date.now());
    assert.equal(expiryOf(new AbortController().signal), undefined);
    // The exchange must not listen to a deadline signal (that is the point of it):
    // a listener added to this signal would throw here.
    signal.addEventListener = () => assert.fail("the exchange listened to a deadline signal");
    const t0 = Date.now();
    const e = await rejection(http.request({ method: "GET", url: lb.url, signal, deadlineMs: 5_000 }));
    assert.equal(e.code, "NET_ABORTED");
    assert.ok(Date.now() - t0 < 2_000, `aborted after ${Date.now() - t0} ms`);
  });

  it("run deadline after the request's own/request/NET_TIMEOUT at the request deadline", async () => {
    const lb = await loopback(() => undefined);
    const e = await rejection(http.request({ method: "GET", url: lb.url, signal: deadlineSignal(60_000), deadlineMs: 100 }));
    assert.equal(e.code, "NET_TIMEOUT");
  });

  it("repeated answer headers/request/joined, the first kept for single-valued ones, names lower-cased", async () => {
    const s = createNetServer((sock: Socket) => {
      sock.once("data", () =>
        sock.end(
          "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nretry-after: 99\r\nX-RateLimit-Reset: 7\r\n" +
            "Warning: a\r\nWARNING: b\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n__proto__: x\r\nContent-Length: 2\r\n\r\nno",
        ),
      );
    });
    const port = await listen(s);
    const r = await http.request({ method: "GET", url: `http://127.0.0.1:${port}/` });
    assert.equal(r.status, 429);
    assert.equal(r.body, "no");
    assert.deepEqual(r.headers, {
      "retry-after": "30",
      "x-ratelimit-reset": "7",
      warning: "a, b",
      "content-type": "text/plain",
      "content-length": "2",
    });
    assert.equal(Object.getPrototypeOf(r.headers), Object.prototype);
  });

  it("family 6 asked for an IPv4 literal/request/refused before connecting", async () => {
    const lb = await loopback((_req, res) => res.end("ok"));
    const e = await rejection(http.request({ method: "GET", url: lb.url, family: 6 }));
    assert.equal(e.code, "NET_OTHER");
    assert.equal(lb.count(), 0);
    assert.equal((await http.request({ method: "GET", url: lb.url, family: 4 })).body, "ok");
  });

  it("IPv6 loopback with family 6/request/answered", async (t) => {
    const server = createServer((_req, res) => res.end("six"));
    let port: number;
    try {
      port = await listen(server, "::1");
    } catch {
      t.skip("no ::1 on this machine");
      return;
    }
    const r = await http.request({ method: "GET", url: `http://[::1]:${port}/`, family: 6 });
    assert.equal(r.body, "six");
  });

  it("unsupported scheme/request/NET_OTHER without the URL", async () => {
    const e = await rejection(http.request({ method: "GET", url: `ftp://127.0.0.1/?x=${SECRET}` }));
    assert.equal(e.code, "NET_OTHER");
    assertNoSecret(e);
  });
});

describe("Net - http client over TLS", () => {
  const { key, cert } = makeSelfSignedCert();

  async function tlsServer(): Promise<string> {
    const server = createTlsServer({ key, cert }, (_req, res) => res.end("secure"));
    const port = await listen(server as unknown as Server);
    return `https://127.0.0.1:${port}`;
  }

  it("self-signed certificate not trusted/request/NET_TLS", async () => {
    const url = await tlsServer();
    const e = await rejection(createHttpClient().request({ method: "GET", url: `${url.replace("//", `//me:${encodeURIComponent(USERINFO_PW)}@`)}/?token=${SECRET}` }));
    assert.equal(e.code, "NET_TLS");
    assertNoSecret(e);
  });

  it("certificate trusted through ca/request/answered", async () => {
    const url = await tlsServer();
    const r = await createHttpClient({ ca: cert }).request({ method: "GET", url, family: 4 });
    assert.equal(r.status, 200);
    assert.equal(r.body, "secure");
  });
});
