// The router push in a real systemd (test/helpers/systemd-harness.ts): ddns-push.socket
// listens in the booted system's network namespace; a "router" in a second network
// namespace made here, joined by a veth pair, pushes with curl; the push reaches a
// strict Cloudflare mock (in the system's namespace, on its loopback) through
// ddns.path and ddns.service. Every address used lives in namespaces this test made.
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import { REPO, bootSystemd, systemdUnavailable, waitFor, type BootedSystemd } from "../helpers/systemd-harness.js";
import { recording, systemSeen, type Recorded } from "../helpers/systemd-seen.js";

const TOKEN = "cf-push-system-token-8Hq2";
const PASSWORD = "push-system-password-Jr5w";
const SYSTEM_V4 = "192.0.2.1";
const ROUTER_V4 = "192.0.2.2";
const SYSTEM_V6 = "fd00:dd::1";
const ROUTER_V6 = "fd00:dd::2";
const NAME = "home.example.org";

const unavailable = systemdUnavailable() ?? (spawnSync("sh", ["-c", "command -v curl"]).status === 0 ? undefined : "curl is not installed");

/** The Cloudflare mock, run by node inside the system's network namespace; answers "dump" on stdin. */
const MOCK = `
import { startCloudflareServer } from ${JSON.stringify(join(REPO, "build/test/helpers/cloudflare-server.js"))};
import { createInterface } from "node:readline";
const cf = await startCloudflareServer({ token: ${JSON.stringify(TOKEN)}, zones: [{ name: "example.org", id: "zone0000000000000000000000000001" }] });
console.log(JSON.stringify({ url: cf.url }));
createInterface({ input: process.stdin }).on("line", () => {
  const writes = cf.requests.filter((r) => r.method !== "GET").map((r) => r.method + " " + r.path);
  console.log(JSON.stringify({ records: cf.records().map((r) => [r.type, r.name, r.content]), writes, violations: cf.violations() }));
});
`;

interface MockState {
  records: Array<[string, string, string]>;
  writes: string[];
  violations: string[];
}

/** 50 (or n) connections at once from the router, each one push; prints each answer (or "" when closed unanswered). */
const FLOOD = (n: number, auth: string): string => `
import { connect } from "node:net";
const one = (i) => new Promise((resolve) => {
  const s = connect(8245, ${JSON.stringify(SYSTEM_V4)});
  let out = "";
  s.on("data", (d) => (out += d));
  s.on("error", () => undefined);
  s.on("close", () => resolve(out));
  s.setTimeout(15000, () => s.destroy());
  s.write("GET /nic/update?hostname=${NAME}&myip=198.51.100." + (100 + i) + " HTTP/1.1\\r\\nHost: ddns\\r\\nAuthorization: ${auth}\\r\\n\\r\\n");
});
console.log(JSON.stringify(await Promise.all(Array.from({ length: ${n} }, (_, i) => one(i)))));
`;

describe("Push - socket activation in a real systemd", { skip: unavailable ?? false }, () => {
  let sys: BootedSystemd;
  /** What the test read from the system (recording(sys)) and from the router, for the secrecy scan. */
  let recorded: Recorded | undefined;
  const fromRouter: string[] = [];
  let mock: ChildProcess;
  let router: ChildProcess;
  let mockOut = "";
  const auth = `Basic ${Buffer.from(`router:${PASSWORD}`).toString("base64")}`;

  const inRouter = (argv: string[], timeoutMs = 20_000): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const c = spawn("nsenter", ["-t", String(router.pid), "-n", "--", ...argv], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const t = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
      c.on("close", (status) => {
        clearTimeout(t);
        fromRouter.push(stdout, stderr);
        resolve({ status, stdout, stderr });
      });
    });
  const curl = (query: string, user = `router:${PASSWORD}`): Promise<string> =>
    inRouter(["curl", "-sS", "--max-time", "15", "-u", user, `http://${SYSTEM_V4}:8245/nic/update?${query}`]).then((r) => r.stdout + r.stderr);

  async function mockState(): Promise<MockState> {
    const seen = mockOut.split("\n").length;
    mock.stdin?.write("dump\n");
    const line = await waitFor("the mock's answer", async () => {
      const lines = mockOut.split("\n");
      return lines.length > seen ? lines[seen - 1] : undefined;
    }, 5000, 10);
    return JSON.parse(line) as MockState;
  }
  /** Waits until nothing of ddns runs: no receiver instance, ddns.service inactive, no event left. */
  async function quiet(): Promise<void> {
    await waitFor(
      "ddns to go quiet",
      async () => {
        const units = await sys.run(["systemctl", "list-units", "--no-legend", "--plain", "ddns-push@*", "ddns.service"]);
        const events = await sys.run(["sh", "-c", "ls -A /run/ddns/events"]);
        const busy = units.stdout.split("\n").some((l) => /\b(active|activating|deactivating)\b/.test(l) && !/\binactive\b/.test(l));
        return !busy && events.stdout.trim() === "" ? true : undefined;
      },
      30_000,
      100,
    );
  }

  before(async () => {
    const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
    const booted = await bootSystemd({
      extra: [
        `cp ${q(join(REPO, "systemd/ddns-push.socket"))} ${q(join(REPO, "systemd/ddns-push@.service"))} $U/`,
        // The package installs the bundle in /usr/share/ddns; the harness mounts it at /usr/lib/ddns/dist.
        "mkdir -p /usr/share && ln -sfn /usr/lib/ddns/dist /usr/share/ddns",
        // The receiver's bundle, seen at /usr/share/ddns, looks for the native addons in
        // node_modules above it (the package's build names /usr/lib/<triplet>/ddns instead).
        "ln -sfn /usr/lib/ddns/node_modules /usr/share/node_modules",
      ].join("\n"),
    });
    ({ sys, recorded } = recording(booted));
    mock = sys.spawnInNet([process.execPath, "--input-type=module", "-e", MOCK]);
    mock.stdout?.on("data", (d: Buffer) => (mockOut += d.toString()));
    const url = (await waitFor("the mock to listen", async () => (mockOut.includes("\n") ? (JSON.parse(mockOut.split("\n")[0] ?? "") as { url: string }).url : undefined), 10_000)) as string;

    await sys.write("/etc/ddns/cf.token", `${TOKEN}\n`, 0o600);
    await sys.write("/etc/ddns/push.password", `${PASSWORD}\n`, 0o600);
    await sys.write(
      "/etc/ddns/ddns.toml",
      `[ipv4]
sources = ["event"]
accept_private = true

[ipv6]
sources = ["event"]
accept_private = true

[providers.home]
type = "cloudflare"
endpoint = "${url}"
token_file = "/etc/ddns/cf.token"

[[records]]
name = "${NAME}"
provider = "home"

[push]
names = ["${NAME}"]
username = "router"
password_file = "/etc/ddns/push.password"
`,
      0o640,
    );
    // A file readable by ddns, not password_credential: `ddns run` (ddns.service) resolves the
    // [push] secret too, so a credential would have to be loaded into both units.
    await sys.sh("chown ddns /etc/ddns/cf.token /etc/ddns/push.password && chgrp ddns /etc/ddns/ddns.toml");

    // The router: a network namespace of its own, joined to the system's by a veth pair.
    router = spawn("unshare", ["--net", "sleep", "600"], { stdio: "ignore" });
    await waitFor("the router namespace", async () => (spawnSync("nsenter", ["-t", String(router.pid), "-n", "true"]).status === 0 ? true : undefined), 5000);
    const ip = (pid: number, args: string): void => {
      const r = spawnSync("nsenter", ["-t", String(pid), "-n", "--", "sh", "-c", args], { encoding: "utf8" });
      assert.equal(r.status, 0, `${args}: ${r.stderr}`);
    };
    ip(router.pid!, `ip link set lo up && ip link add vr0 type veth peer name vs0 netns ${sys.pid}`);
    ip(router.pid!, `ip addr add ${ROUTER_V4}/24 dev vr0 && ip link set vr0 up`);
    ip(sys.pid, `ip addr add ${SYSTEM_V4}/24 dev vs0 && ip link set vs0 up`);
    ip(router.pid!, `ip addr add ${ROUTER_V6}/64 dev vr0 nodad`);
    ip(sys.pid, `ip addr add ${SYSTEM_V6}/64 dev vs0 nodad`);
  });

  // After each test, everything seen so far: every answer the router got, what the test
  // read of the system, the whole journal, `ddns status`, the state and run directories
  // (events, push state). Not the mock's reports: the provider's side holds the token.
  afterEach(async () => {
    if (recorded === undefined) return;
    const seen = await systemSeen(sys, recorded, fromRouter);
    assert.ok((seen.journal ?? []).length > 0, "the journal was read");
    await assertNoSecrets([TOKEN, PASSWORD], seen);
  });

  after(async () => {
    if (router?.exitCode === null) router.kill("SIGKILL");
    await sys?.stop();
  });

  it("package state/boot/socket shipped disabled and not listening", async () => {
    assert.equal((await sys.run(["systemctl", "is-enabled", "ddns-push.socket"])).stdout.trim(), "disabled");
    assert.equal((await sys.run(["systemctl", "is-active", "ddns-push.socket"])).stdout.trim(), "inactive");
    assert.match(await curl(`hostname=${NAME}&myip=198.51.100.7`), /Connection refused|Failed to connect/);
  });

  it("router push with curl/through the socket/good, exactly one provider update, then nothing runs", async () => {
    await sys.sh("systemctl start ddns.path ddns-push.socket");
    const answer = await curl(`hostname=${NAME}&myip=198.51.100.7`);
    assert.equal(answer, "good 198.51.100.7\n", await sys.sh("journalctl --no-pager -o cat -u 'ddns-push@*' | tail -20"));
    await waitFor("the record", async () => ((await mockState()).records.length > 0 ? true : undefined), 20_000, 200).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await sys.sh("journalctl --no-pager -o cat -u ddns.service -u ddns.path -u 'ddns-push@*' | tail -30; ls -la /run/ddns /run/ddns/events")}`);
    });
    await quiet();
    const state = await mockState();
    assert.deepEqual(state.records, [["A", NAME, "198.51.100.7"]]);
    assert.equal(state.writes.length, 1, state.writes.join("\n"));
    assert.deepEqual(state.violations, []);
    // Between requests nothing of ddns runs: no node process in the whole system.
    const ps = await sys.sh("ps -e -o args=");
    assert.ok(!/\bnode\b|ddns-push|\/usr\/bin\/ddns/.test(ps), ps);
    // One structured journal entry for the push (the push-received transition), sent by
    // the receiver itself through the systemd-journald addon.
    const journal = await sys.journal([`MESSAGE_ID=${MESSAGE_IDS["push-received"]}`]);
    assert.deepEqual(
      journal.map((e) => [e.MESSAGE, e.PRIORITY, e.DDNS_RECORD, e.DDNS_NEW, e._SYSTEMD_UNIT === undefined || e._SYSTEMD_UNIT.startsWith("ddns-push@")]),
      [[`push: ${NAME} pushed 198.51.100.7 from ${ROUTER_V4}`, "5", NAME, "198.51.100.7", true]],
    );
    // ddns status shows the last push per name.
    assert.match(await sys.sh("ddns status"), new RegExp(`last push for ${NAME.replaceAll(".", "\\.")}: 198\\.51\\.100\\.7 at `));
  });

  it("same address again/through the socket/nochg and no provider request", async () => {
    const before = (await mockState()).writes.length;
    assert.equal(await curl(`hostname=${NAME}&myip=198.51.100.7`), "nochg 198.51.100.7\n");
    await quiet();
    assert.equal((await mockState()).writes.length, before);
  });

  it("IPv6 router push over IPv6/through the socket/good, one AAAA update, sender logged", async () => {
    const before = (await mockState()).writes.length;
    const r = await inRouter(["curl", "-sS", "-g", "--max-time", "15", "-u", `router:${PASSWORD}`, `http://[${SYSTEM_V6}]:8245/nic/update?hostname=${NAME}&myipv6=2001:db8::7`]);
    assert.equal(r.stdout, "good 2001:db8::7\n", r.stderr);
    await waitFor("the AAAA record", async () => ((await mockState()).records.some((x) => x[0] === "AAAA") ? true : undefined), 20_000, 200);
    await quiet();
    const state = await mockState();
    assert.deepEqual(state.records.filter((x) => x[0] === "AAAA"), [["AAAA", NAME, "2001:db8::7"]]);
    assert.deepEqual(state.records.filter((x) => x[0] === "A"), [["A", NAME, "198.51.100.7"]], "the IPv4 record is left alone");
    assert.equal(state.writes.length - before, 1, state.writes.join("\n"));
    const journal = (await sys.journal([`MESSAGE_ID=${MESSAGE_IDS["push-received"]}`])).map((e) => e.MESSAGE ?? "");
    assert.ok(journal.includes(`push: ${NAME} pushed 2001:db8::7 from ${ROUTER_V6}`), journal.join("\n"));
  });

  it("wrong password/through the socket/badauth, logged once, secret nowhere", async () => {
    assert.equal(await curl(`hostname=${NAME}&myip=198.51.100.9`, "router:wrong"), "badauth\n");
    assert.equal(await curl(`hostname=${NAME}&myip=198.51.100.9`, "router:wrong2"), "badauth\n");
    await quiet();
    const lines = (await sys.journal(["-t", "ddns-push"])).map((e) => e.MESSAGE ?? "");
    assert.equal(lines.filter((l) => l.includes(`authentication failed from ${ROUTER_V4}`)).length, 1, lines.join("\n"));
    const all = await sys.run(["journalctl", "--no-pager", "-o", "cat"]);
    await assertNoSecrets([TOKEN, PASSWORD], { journal: all.stdout.split("\n") });
  });

  it("connection held open/receiver process/private network namespace, user ddns, 408 at the deadline", async () => {
    const held = inRouter([process.execPath, "-e", `const s=require("net").connect(8245,"${SYSTEM_V4}");let o="";s.on("data",d=>o+=d);s.on("close",()=>console.log(o))`]);
    const unit = await waitFor(
      "a receiver instance",
      async () => (await sys.run(["systemctl", "list-units", "--no-legend", "--plain", "--state=active", "ddns-push@*"])).stdout.split(" ")[0] || undefined,
      5000,
    );
    const pid = (await sys.sh(`systemctl show -p MainPID --value ${unit}`)).trim();
    // Caught early, the pid is still systemd's "(node)" child, before its setuid and exec.
    await waitFor("the receiver to exec", async () => ((await sys.run(["cat", `/proc/${pid}/cmdline`])).stdout.includes("ddns-push.cjs") ? true : undefined), 3000, 20);
    const netns = await sys.sh(`readlink /proc/${pid}/ns/net /proc/1/ns/net`);
    const [own, host] = netns.trim().split("\n");
    assert.notEqual(own, host, "the receiver has a network namespace of its own");
    const links = await sys.sh(`nsenter -t ${pid} -n ip -o link show | awk -F': ' '{print $2}'`);
    assert.equal(links, "lo\n", "and nothing in it but loopback: no outbound network at all");
    const uid = (await sys.sh("id -u ddns")).trim();
    const status = await sys.sh(`grep ^Uid: /proc/${pid}/status; cat /proc/${pid}/cmdline | tr '\\0' ' '`);
    assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`), status);
    const r = await held;
    assert.match(r.stdout, /^HTTP\/1\.1 408 /);
  });

  it("Unix socket/local sender as root/answered", async () => {
    const r = await sys.run(["curl", "-sS", "--unix-socket", "/run/ddns-push.sock", "-u", `router:${PASSWORD}`, `http://localhost/nic/update?hostname=${NAME}&myip=198.51.100.7`]);
    assert.equal(r.stdout, "nochg 198.51.100.7\n", r.stderr);
  });

  it("50 concurrent connections from one source/socket limits/bounded, every answer whole, nothing corrupted", async () => {
    const r = await inRouter([process.execPath, "--input-type=module", "-e", FLOOD(50, auth)], 30_000);
    const answers = JSON.parse(r.stdout) as string[];
    assert.equal(answers.length, 50);
    const words = answers.map((a) => (a === "" ? "closed" : (/\r\n\r\n(.*)\n$/s.exec(a)?.[1] ?? `broken: ${a}`)));
    for (const w of words) assert.match(w, /^(closed|good 198\.51\.100\.1\d\d|nochg 198\.51\.100\.1\d\d|abuse)$/);
    const good = words.filter((w) => w.startsWith("good ")).map((w) => w.slice(5));
    assert.ok(good.length >= 1, words.join("\n"));
    assert.equal((await sys.run(["systemctl", "is-active", "ddns-push.socket"])).stdout.trim(), "active", "the trigger limit was not hit");
    await quiet();
    const state = await mockState();
    assert.deepEqual(state.violations, []);
    const published = state.records.find((x) => x[1] === NAME)?.[2] ?? "";
    assert.ok(good.includes(published), `published ${published}, answered good: ${good.join(" ")}`);
    assert.equal(await sys.sh("ls -A /run/ddns/push | grep -c tmp || true"), "0\n", "no temp file left");
    JSON.parse(await sys.sh("cat /run/ddns/push/sources.json"));
    const refused = (await sys.journal(["-u", "ddns.service"])).map((e) => e.MESSAGE ?? "").filter((m) => /refused|invalid/i.test(m));
    assert.deepEqual(refused, [], "no event file was refused as corrupt");
    const closed = words.filter((w) => w === "closed").length;
    if (closed > 0) {
      const socketLog = (await sys.journal(["-u", "ddns-push.socket"])).map((e) => e.MESSAGE ?? "");
      assert.ok(socketLog.some((m) => /Too many incoming connections/.test(m)), "the unanswered ones were refused by the socket's limits");
    }
    process.stdout.write(`# flood: ${good.length} good, ${words.filter((w) => w.startsWith("nochg")).length} nochg, ${words.filter((w) => w === "abuse").length} abuse, ${closed} closed by the socket limits\n`);
  });
});
