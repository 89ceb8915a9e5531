import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { PushConfig } from "../../src/config/types.js";
import { serveConnection, type PushSetup, type Served } from "../../src/push/connection.js";
import { PushStore } from "../../src/push/store.js";
import { assertNoSecrets, assertNoSecretsIn } from "../helpers/secrets.js";

const PASSWORD = "pw-never-echoed-7";
const push: PushConfig = { names: ["home.example.org"], username: "router", password: PASSWORD };
const auth = `Authorization: Basic ${Buffer.from(`router:${PASSWORD}`).toString("base64")}\r\n`;
const check = (a: string): string | undefined => (a.startsWith("10.") ? "private address" : undefined);

interface Harness {
  server: Server;
  port: number;
  dir: string;
  served: Served[];
  logs: string[];
  deadlineMs: number;
  setup: PushSetup;
}

async function start(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "ddns-push-test-"));
  const h: Harness = { server: createServer(), port: 0, dir, served: [], logs: [], deadlineMs: 300, setup: { kind: "ok", push, check } };
  let clock = 1_800_000_000;
  h.server.on("connection", (sock) => {
    void serveConnection(sock, sock, {
      from: "198.51.100.1",
      now: () => clock++,
      signal: AbortSignal.timeout(h.deadlineMs),
      setup: async () => h.setup,
      store: new PushStore(join(dir, "events"), join(dir, "push")),
      log: (p, m) => h.logs.push(`<${p}>${m}`),
      lingerMs: 100,
    }).then((s) => h.served.push(s));
  });
  await new PushStore(join(dir, "events"), join(dir, "push")).prepare();
  await new Promise<void>((r) => h.server.listen(0, "127.0.0.1", r));
  h.port = (h.server.address() as AddressInfo).port;
  return h;
}

/** Every answer the server wrote to a client, scanned after each test. */
const answers: string[] = [];

/** Sends `chunks` (with optional pauses) and returns everything the server answered. */
function exchange(port: number, chunks: Array<string | number>): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let out = "";
    sock.on("data", (d) => (out += d.toString("latin1")));
    sock.on("close", () => {
      answers.push(out);
      resolve(out);
    });
    sock.on("error", () => undefined); // the server may close while a slow client still writes
    void (async () => {
      for (const c of chunks) {
        if (sock.destroyed) break;
        if (typeof c === "number") await new Promise((r) => setTimeout(r, c));
        else sock.write(c);
      }
    })();
  });
}

const get = (query: string, extra = auth): string => `GET /nic/update?${query} HTTP/1.1\r\nHost: ddns\r\nUser-Agent: test\r\n${extra}\r\n`;

describe("Push - one connection", () => {
  let h: Harness;
  before(async () => (h = await start()));
  // Everything each test saw: the answers, the log lines, what serveConnection returned,
  // the event files and the push state directory.
  afterEach(async () => {
    await assertNoSecrets([PASSWORD], { texts: [...answers, ...h.logs], dirs: [h.dir] });
    assertNoSecretsIn([PASSWORD], h.served);
  });
  after(() => {
    h.server.close();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it("good push/serve/200 good, event file written atomically", async () => {
    const res = await exchange(h.port, [get("hostname=home.example.org&myip=192.0.2.7")]);
    assert.match(res, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(res, /\r\nConnection: close\r\n/);
    assert.match(res, /\r\n\r\ngood 192\.0\.2\.7\n$/);
    const text = readFileSync(join(h.dir, "events", "push-home.example.org"), "utf8");
    assert.equal(text, "SOURCE=push\nNAME=home.example.org\nFROM=198.51.100.1\nIPV4=192.0.2.7\nTIME=1800000000\n");
    assert.deepEqual(readdirSync(join(h.dir, "events")), ["push-home.example.org"]);
    assert.ok(!readdirSync(join(h.dir, "push")).some((f) => f.endsWith(".tmp")));
  });

  it("same push again after the event was drained/serve/nochg, event written again, not logged as a change", async () => {
    rmSync(join(h.dir, "events", "push-home.example.org"));
    const logged = h.logs.length;
    const res = await exchange(h.port, [get("hostname=home.example.org&myip=192.0.2.7")]);
    assert.match(res, /\r\n\r\nnochg 192\.0\.2\.7\n$/);
    assert.deepEqual(readdirSync(join(h.dir, "events")), ["push-home.example.org"]);
    assert.equal(h.logs.length, logged);
  });

  it("IPv6 via myipv6/serve/good, file carries IPV6 only", async () => {
    const res = await exchange(h.port, [get("hostname=home.example.org&myipv6=2001:db8::5")]);
    assert.match(res, /\r\n\r\ngood 2001:db8::5\n$/);
    const text = readFileSync(join(h.dir, "events", "push-home.example.org"), "utf8");
    assert.match(text, /^IPV6=2001:db8::5$/m);
    assert.doesNotMatch(text, /^IPV4=/m);
  });

  it("wrong password/serve/401 badauth with a Basic challenge, secret absent", async () => {
    const bad = `Authorization: Basic ${Buffer.from("router:nope").toString("base64")}\r\n`;
    const res = await exchange(h.port, [get("hostname=home.example.org&myip=192.0.2.9", bad)]);
    assert.match(res, /^HTTP\/1\.1 401 Unauthorized\r\n/);
    assert.match(res, /\r\nWWW-Authenticate: Basic realm="ddns"/);
    assert.match(res, /\r\n\r\nbadauth\n$/);
    assert.ok(!res.includes(PASSWORD) && !h.logs.join("\n").includes(PASSWORD));
    assert.ok(h.logs.some((l) => l.includes("authentication failed from 198.51.100.1")));
  });

  it("private address/serve/badip and no event", async () => {
    rmSync(join(h.dir, "events"), { recursive: true, force: true });
    await new PushStore(join(h.dir, "events"), join(h.dir, "push")).prepare();
    const res = await exchange(h.port, [get("hostname=home.example.org&myip=10.1.2.3")]);
    assert.match(res, /\r\n\r\nbadip\n$/);
    assert.deepEqual(readdirSync(join(h.dir, "events")), []);
  });

  it("unknown path/serve/404", async () => {
    const res = await exchange(h.port, ["GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"]);
    assert.match(res, /^HTTP\/1\.1 404 /);
  });

  it("malformed request/serve/400", async () => {
    const res = await exchange(h.port, ["HELLO\r\n\r\n"]);
    assert.match(res, /^HTTP\/1\.1 400 /);
  });

  it("oversized head/serve/431 after at most the limit was read", async () => {
    const res = await exchange(h.port, [`GET /nic/update?${"a".repeat(5000)}`]);
    assert.match(res, /^HTTP\/1\.1 431 /);
  });

  it("slowloris (one byte every 100 ms)/serve/408 at the deadline", async () => {
    const t0 = process.hrtime.bigint();
    const drip: Array<string | number> = [];
    for (const ch of get("hostname=home.example.org&myip=192.0.2.7")) drip.push(ch, 100);
    const res = await exchange(h.port, drip);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.match(res, /^HTTP\/1\.1 408 /);
    assert.ok(ms < 1500, `closed after ${ms} ms`);
  });

  it("silent client/serve/408 and closed", async () => {
    const res = await exchange(h.port, []);
    assert.match(res, /^HTTP\/1\.1 408 /);
  });

  it("no [push] table/serve/911 and a journal line", async () => {
    h.setup = { kind: "missing" };
    try {
      const res = await exchange(h.port, [get("hostname=home.example.org&myip=192.0.2.7")]);
      assert.match(res, /^HTTP\/1\.1 500 [^]*\r\n\r\n911\n$/);
      assert.ok(h.logs.some((l) => l.startsWith("<3>") && l.includes("no [push] table")));
    } finally {
      h.setup = { kind: "ok", push, check };
    }
  });

  it("failed authentications past the limit/serve/abuse 429 for that source", async () => {
    const bad = `Authorization: Basic ${Buffer.from("router:guess").toString("base64")}\r\n`;
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await exchange(h.port, [get("hostname=home.example.org&myip=192.0.2.9", bad)]));
    assert.match(answers.at(-1) ?? "", /^HTTP\/1\.1 429 [^]*Retry-After: \d+[^]*\r\n\r\nabuse\n$/);
    // Even the right password is refused while blocked.
    assert.match(await exchange(h.port, [get("hostname=home.example.org&myip=192.0.2.9")]), /\r\n\r\nabuse\n$/);
    assert.equal(h.logs.filter((l) => l.includes("authentication failed")).length, 1, h.logs.join("\n"));
  });
});
