import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, before, describe, it } from "node:test";
import { assertNoSecrets } from "../helpers/secrets.js";

// build/test/push/ -> repository root; the bundle is what ddns-push@.service runs.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const bundle = join(root, "dist/ddns-push.cjs");
const PASSWORD = "pw-from-credential-9f3";

const CONFIG = `
[ipv4]
accept_private = true

[ipv6]
accept_private = true

[providers.home]
type = "cloudflare"
# Never read by the receiver: it holds no provider credential (this file does not exist).
token_file = "/nonexistent/ddns-test/cf.token"

[[records]]
name = "home.example.org"
provider = "home"

[push]
names = ["home.example.org"]
username = "router"
password_credential = "push"
`;

interface Run {
  status: number | null;
  stderr: string;
  ms: number;
}

describe("Push - the bundled receiver process", { skip: existsSync(bundle) ? false : "dist/ddns-push.cjs not built" }, () => {
  let dir = "";
  let server: Server;
  let port = 0;
  const runs: Run[] = [];
  /** Every answer written to a client. */
  const answers: string[] = [];

  before(async () => {
    assert.ok(existsSync(bundle), `${bundle} is missing: npm run build`);
    dir = mkdtempSync(join(tmpdir(), "ddns-push-main-"));
    mkdirSync(join(dir, "creds"));
    writeFileSync(join(dir, "creds/push"), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "ddns.toml"), CONFIG, { mode: 0o600 });
    server = createServer({ pauseOnConnect: true }, (sock) => {
      // What systemd does for Accept=yes: the connection becomes the child's stdin and stdout.
      const t0 = process.hrtime.bigint();
      const child = spawn(
        process.execPath,
        [bundle, "--config", join(dir, "ddns.toml"), "--events-dir", join(dir, "events"), "--push-dir", join(dir, "push")],
        {
          stdio: [sock, sock, "pipe"],
          env: { PATH: "/usr/bin:/bin", REMOTE_ADDR: "198.51.100.1", CREDENTIALS_DIRECTORY: join(dir, "creds") },
        },
      );
      sock.destroy();
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => runs.push({ status, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  // Everything each test saw: answers, the receivers' stderr (their journal lines), the
  // event files and the push state directory (not creds/: it holds the password).
  afterEach(async () => {
    await assertNoSecrets([PASSWORD], { texts: [...answers, ...runs.map((r) => r.stderr)], dirs: [join(dir, "events"), join(dir, "push")] });
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function send(request: string): Promise<string> {
    return new Promise((resolve) => {
      const sock = connect(port, "127.0.0.1");
      let out = "";
      sock.on("data", (d) => (out += d.toString("latin1")));
      sock.on("error", () => undefined);
      sock.on("close", () => {
        answers.push(out);
        resolve(out);
      });
      sock.write(request);
    });
  }
  const basic = (pw: string): string => `Basic ${Buffer.from(`router:${pw}`).toString("base64")}`;
  const get = (q: string, pw = PASSWORD): string => `GET /nic/update?${q} HTTP/1.1\r\nHost: ddns\r\nAuthorization: ${basic(pw)}\r\n\r\n`;
  const settled = async (n: number): Promise<Run> => {
    while (runs.length < n) await new Promise((r) => setTimeout(r, 10));
    return runs[n - 1] as Run;
  };

  it("router push/one process/good, event file for the reconciler, exit 0", async () => {
    const res = await send(get("hostname=home.example.org&myip=192.0.2.7,2001:db8::7"));
    assert.match(res, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ngood 192\.0\.2\.7,2001:db8::7\n$/);
    const run = await settled(1);
    assert.equal(run.status, 0, run.stderr);
    const text = readFileSync(join(dir, "events/push-home.example.org"), "utf8");
    assert.match(text, /^SOURCE=push\nNAME=home\.example\.org\nFROM=198\.51\.100\.1\nIPV4=192\.0\.2\.7\nIPV6=2001:db8::7\nTIME=\d+\n$/);
    assert.match(run.stderr, /^<5>push: home\.example\.org pushed 192\.0\.2\.7 2001:db8::7 from 198\.51\.100\.1$/m);
  });

  it("wrong password/one process/badauth, no new event, secret in no output", async () => {
    rmSync(join(dir, "events/push-home.example.org"));
    const res = await send(get("hostname=home.example.org&myip=192.0.2.8", "wrong-guess"));
    assert.match(res, /^HTTP\/1\.1 401 [^]*\r\n\r\nbadauth\n$/);
    const run = await settled(2);
    assert.match(run.stderr, /^<4>push: authentication failed from 198\.51\.100\.1/m);
    assert.deepEqual(readdirSync(join(dir, "events")), []);
    for (const r of runs) assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes("wrong-guess"));
    assert.ok(!res.includes(PASSWORD));
  });

  it("loopback address even with accept_private/one process/badip", async () => {
    const res = await send(get("hostname=home.example.org&myip=127.0.0.1"));
    assert.match(res, /\r\n\r\nbadip\n$/);
    assert.match((await settled(3)).stderr, /ignored 127\.0\.0\.1: loopback address/);
  });

  it("process cost/one request/measured", async () => {
    // Informational: one whole receiver process per connection (node start included).
    const times = runs.map((r) => r.ms).sort((a, b) => a - b);
    process.stdout.write(`# push receiver process wall time per connection (ms): ${times.map((t) => t.toFixed(0)).join(" ")}\n`);
    assert.ok(times.length >= 3);
  });
});
