import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";
import type { DebianMachine, Result } from "./debian-machine.js";

// A dyndns2 server on the machine's loopback, run by the machine's own node (the
// one the package pulled in). Strict: GET /nic/update with the expected Basic
// credentials, a User-Agent naming ddns and exactly hostname and myip; anything
// else gets the protocol's refusal. Every request is appended to a log as JSON.
const SERVER = `
import { createServer } from "node:http";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
const [log, user, passFile] = process.argv.slice(2);
const pass = readFileSync(passFile, "utf8").replace(/\\n$/, "");
const expected = "Basic " + Buffer.from(user + ":" + pass).toString("base64");
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  const q = Object.fromEntries(url.searchParams);
  appendFileSync(log, JSON.stringify({ method: req.method, path: url.pathname, query: q, ua: req.headers["user-agent"] ?? "" }) + "\\n");
  res.setHeader("content-type", "text/plain");
  if (req.method !== "GET" || url.pathname !== "/nic/update") { res.statusCode = 404; res.end("404 not found\\n"); return; }
  if (req.headers.authorization !== expected) { res.statusCode = 401; res.end("badauth\\n"); return; }
  if (!/^ddns\\//.test(req.headers["user-agent"] ?? "")) { res.end("badagent\\n"); return; }
  const keys = Object.keys(q).sort().join(",");
  if (keys !== "hostname,myip" || q.hostname !== "home.example.org") { res.end("notfqdn\\n"); return; }
  res.end("good " + q.myip + "\\n");
});
server.listen(0, "127.0.0.1", () => writeFileSync(log + ".port", String(server.address().port)));
`;

const SECRET = "s3cret-Dyndns2-pass";
const PUSH_SECRET = "s3cret-Router-push-Kq7";
const LOG = "/root/dyndns2.log";

function ok(r: Result, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** Waits until no ddns run is queued or running and the events directory is empty. */
async function settle(m: DebianMachine, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 3) {
    if (Date.now() > deadline) throw new Error(`ddns did not settle: ${m.exec(["systemctl", "status", "--no-pager", "ddns.service"]).stdout}`);
    const r = m.sh("systemctl show -P ActiveState ddns.service; systemctl list-jobs --no-legend | wc -l; ls -A /run/ddns/events | wc -l");
    const [state, jobs, events] = r.stdout.trim().split("\n");
    quiet = (state === "inactive" || state === "failed") && jobs === "0" && events === "0" ? quiet + 1 : 0;
    await sleep(300);
  }
}

function requests(m: DebianMachine): Array<{ method: string; path: string; query: Record<string, string> }> {
  const text = m.exec(["cat", LOG]).stdout;
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/**
 * Makes `address` eth0's only IPv4 address in the kernel. An event is a wake-up:
 * `ddns run` reads the named interface's addresses itself (ddns(8), NETWORK
 * EVENTS), so eth0 exists in the machine (one end of a veth pair, made by
 * `addEth0`) and holds what a network daemon would have set before dispatching.
 */
function setAddress(m: DebianMachine, address: string): void {
  ok(m.inNet(["ip", "-4", "addr", "flush", "dev", "eth0"]), "ip addr flush");
  ok(m.inNet(["ip", "addr", "add", `${address}/24`, "dev", "eth0"]), "ip addr add");
}

function addEth0(m: DebianMachine): void {
  ok(m.inNet(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer"]), "ip link add");
  ok(m.inNet(["ip", "link", "set", "eth0-peer", "up"]), "ip link set up");
  ok(m.inNet(["ip", "link", "set", "eth0", "up"]), "ip link set up");
}

/** The NetworkManager dispatcher, as NetworkManager would call it for eth0 coming up. */
function nmUp(m: DebianMachine, address: string): void {
  setAddress(m, address);
  const env = { DEVICE_IFACE: "eth0", DEVICE_IP_IFACE: "eth0", CONNECTION_ID: "Wired", IP4_NUM_ADDRESSES: "1", IP4_ADDRESS_0: `${address}/24 203.0.113.1` };
  ok(m.exec(["/usr/lib/NetworkManager/dispatcher.d/90-ddns", "eth0", "up"], { env }), "the NetworkManager hook");
}

/**
 * With a config pointing at a loopback dyndns2 server, the NetworkManager hook's
 * event leads to exactly one update: ddns.path starts ddns.service, which pushes
 * the event's address once; the same event again pushes nothing; the
 * networkd-dispatcher hook's event with a new address pushes that one.
 */
export async function runLoopbackUpdate(m: DebianMachine): Promise<void> {
  try {
    await update(m);
  } finally {
    // Leave no trace of the test's own files for the purge check that follows.
    m.sh(`systemctl stop dyndns2-mock; rm -f /etc/ddns/dyndns2.password /etc/ddns/push.password /root/curl-push.conf /root/dyndns2-server.mjs ${LOG} ${LOG}.port`);
  }
}

async function update(m: DebianMachine): Promise<void> {
  // The secret file is readable by the service user only (and the mock, as root).
  // Written from outside: no command line inside carries the secret.
  writeFileSync(`${m.merged}/etc/ddns/dyndns2.password`, `${SECRET}\n`, { mode: 0o640 });
  ok(m.exec(["chgrp", "ddns", "/etc/ddns/dyndns2.password"]), "chgrp secret");
  writeFileSync(`${m.merged}/root/dyndns2-server.mjs`, SERVER);
  const mock = ["systemd-run", "--unit=dyndns2-mock", "--quiet", "node", "/root/dyndns2-server.mjs", LOG, "ddns-test", "/etc/ddns/dyndns2.password"];
  ok(m.exec(mock), "systemd-run mock");
  let port = "";
  for (let i = 0; i < 100 && port === ""; i++, await sleep(50)) port = m.exec(["cat", `${LOG}.port`]).stdout.trim();
  assert.match(port, /^\d+$/, "the mock server listens");

  // The config file is written whole and renamed into place, as an editor would.
  const config = [
    "[ipv4]",
    'sources = ["event"]',
    "accept_private = true   # 203.0.113.0/24 is a documentation range",
    "[ipv6]",
    "enabled = false",
    "[providers.mock]",
    'type = "dyndns2"',
    `endpoint = "http://127.0.0.1:${port}"`,
    'username = "ddns-test"',
    'password_file = "/etc/ddns/dyndns2.password"',
    "[[records]]",
    'name = "home.example.org"',
    'provider = "mock"',
    "",
  ].join("\n");
  writeFileSync(`${m.merged}/etc/ddns/ddns.toml.new`, config);
  ok(m.exec(["mv", "/etc/ddns/ddns.toml.new", "/etc/ddns/ddns.toml"]), "config");
  ok(m.exec(["ddns", "check"]), "ddns check");
  addEth0(m);
  // The config edit itself starts a run (ddns.path); without an event it has no address.
  await settle(m);
  assert.deepEqual(requests(m), [], "no update before any event");

  nmUp(m, "203.0.113.7");
  await settle(m);
  const after1 = requests(m);
  assert.equal(after1.length, 1, `exactly one update: ${JSON.stringify(after1)}`);
  assert.deepEqual(after1[0]?.query, { hostname: "home.example.org", myip: "203.0.113.7" });
  assert.equal(m.exec(["systemctl", "show", "-P", "Result", "ddns.service"]).stdout.trim(), "success");

  // The same address again: nothing to push (dyndns2 providers block clients that repeat nochg).
  nmUp(m, "203.0.113.7");
  await settle(m);
  assert.equal(requests(m).length, 1, "no second update for an unchanged address");

  // networkd-dispatcher's hook with a new address: one more update, that address.
  setAddress(m, "203.0.113.8");
  const nd = { IFACE: "eth0", STATE: "routable", IP_ADDRS: "203.0.113.8", IP6_ADDRS: "" };
  ok(m.exec(["/usr/lib/networkd-dispatcher/routable.d/90-ddns"], { env: nd }), "the networkd-dispatcher hook");
  await settle(m);
  const after3 = requests(m);
  assert.equal(after3.length, 2, `one update for the new address: ${JSON.stringify(after3)}`);
  assert.deepEqual(after3[1]?.query, { hostname: "home.example.org", myip: "203.0.113.8" });

  // An address change nothing dispatches (a lease renewed while the link stays
  // routable), soon after a hook event: published by the packaged follow-up
  // (ddns-follow@eth0.timer, armed by that event) or by the address watch
  // (ddns-watch.socket), whichever comes first; the next step has the watch alone.
  assert.equal(m.exec(["systemctl", "is-active", "ddns-follow@eth0.timer"]).stdout.trim(), "active", "the hook armed the follow-up");
  setAddress(m, "203.0.113.9");
  const deadline = Date.now() + 30_000;
  while (requests(m).length < 3 && Date.now() < deadline) await sleep(200);
  const after4 = requests(m);
  assert.equal(after4.length, 3, `the follow-up published the new address: ${JSON.stringify(after4)}`);
  assert.deepEqual(after4[2]?.query, { hostname: "home.example.org", myip: "203.0.113.9" });
  ok(m.exec(["systemctl", "stop", "ddns-follow@eth0.timer"]), "stop the remaining follow-ups");
  await settle(m);

  // Long after the last event (no follow-up pending), a change no daemon reports (a
  // router's new prefix, here an IPv4 address): the packaged address watch, started
  // with ddns.path by dpkg, leaves the event that publishes it.
  assert.equal(m.exec(["systemctl", "is-active", "ddns-watch.socket"]).stdout.trim(), "active", "dpkg's start of ddns.path started the watch");
  assert.notEqual(m.exec(["systemctl", "is-active", "ddns-follow@eth0.timer"]).stdout.trim(), "active", "no follow-up pending");
  const tWatch = Date.now();
  setAddress(m, "203.0.113.11");
  while (requests(m).length < 4 && Date.now() < tWatch + 30_000) await sleep(200);
  const afterWatch = requests(m);
  assert.equal(afterWatch.length, 4, `the address watch published the new address: ${JSON.stringify(afterWatch)}`);
  assert.deepEqual(afterWatch[3]?.query, { hostname: "home.example.org", myip: "203.0.113.11" });
  process.stderr.write(`# the packaged address watch: an unreported change published ${Date.now() - tWatch} ms after it\n`);
  await settle(m);

  // The router push receiver from the package: enabled as ddns.toml(5) says, a
  // router's dyndns2 request with curl over TCP (the machine's own loopback) and over
  // the Unix socket reaches ddns-push@.service, whose event becomes one update.
  writeFileSync(`${m.merged}/etc/ddns/push.password`, `${PUSH_SECRET}\n`, { mode: 0o640 });
  ok(m.exec(["chgrp", "ddns", "/etc/ddns/push.password"]), "chgrp push secret");
  // curl reads the credentials from a file: no command line carries the secret.
  writeFileSync(`${m.merged}/root/curl-push.conf`, `user = "router:${PUSH_SECRET}"\n`, { mode: 0o600 });
  const pushTable = ["[push]", 'names = ["home.example.org"]', 'username = "router"', 'password_file = "/etc/ddns/push.password"', ""];
  writeFileSync(`${m.merged}/etc/ddns/ddns.toml.new`, config + pushTable.join("\n"));
  ok(m.exec(["mv", "/etc/ddns/ddns.toml.new", "/etc/ddns/ddns.toml"]), "config with [push]");
  ok(m.exec(["ddns", "check"]), "ddns check with [push]");
  await settle(m);
  ok(m.exec(["systemctl", "enable", "--now", "ddns-push.socket"]), "systemctl enable --now ddns-push.socket");
  const push = (ip: string, base: string, ...how: string[]): string => {
    const r = m.exec(["curl", "-sS", "--max-time", "15", "-K", "/root/curl-push.conf", ...how, `${base}/nic/update?hostname=home.example.org&myip=${ip}`]);
    return r.stdout + r.stderr;
  };
  const logs = (): string => m.exec(["journalctl", "-q", "--no-pager", "-o", "cat", "-u", "ddns-push.socket", "-u", "ddns-push@*"]).stdout;
  assert.equal(push("203.0.113.10", "http://127.0.0.1:8245"), "good 203.0.113.10\n", logs());
  await settle(m);
  const after5 = requests(m);
  assert.equal(after5.length, 5, `one update for the pushed address: ${JSON.stringify(after5)}`);
  assert.deepEqual(after5[4]?.query, { hostname: "home.example.org", myip: "203.0.113.10" });
  // STATUS= through the packaged sd-notify addon: systemctl status shows it after the
  // update run. (A later run that the idle seal answers sends none, and a start clears it.)
  assert.equal(m.exec(["systemctl", "show", "-P", "StatusText", "ddns.service"]).stdout.trim(), "records current");
  assert.match(m.exec(["systemctl", "status", "--no-pager", "ddns.service"]).stdout, /Status: "records current"/);
  assert.equal(push("203.0.113.10", "http://localhost", "--unix-socket", "/run/ddns-push.sock"), "nochg 203.0.113.10\n", logs());
  await settle(m);
  assert.equal(requests(m).length, 5, "the same pushed address again: no update");

  // One structured journal entry per transition, and no secret anywhere.
  const entries = m.exec(["journalctl", "-q", "--no-pager", `MESSAGE_ID=${MESSAGE_IDS["record-updated"]}`, "-o", "json"]).stdout.trim().split("\n").filter(Boolean);
  assert.equal(entries.length, 5, "one record-updated journal entry per update");
  const [e1, e2, e3, e4, e5] = entries.map((l) => JSON.parse(l) as Record<string, string>);
  assert.equal(e3?.["DDNS_OLD"], "203.0.113.8");
  assert.equal(e3?.["DDNS_NEW"], "203.0.113.9");
  assert.equal(e4?.["DDNS_OLD"], "203.0.113.9");
  assert.equal(e4?.["DDNS_NEW"], "203.0.113.11");
  assert.equal(e5?.["DDNS_OLD"], "203.0.113.11");
  assert.equal(e5?.["DDNS_NEW"], "203.0.113.10");
  assert.equal(e1?.["DDNS_RECORD"], "home.example.org");
  assert.equal(e1?.["DDNS_FAMILY"], "ipv4");
  assert.equal(e1?.["DDNS_NEW"], "203.0.113.7");
  assert.equal(e1?.["DDNS_PROVIDER"], "mock");
  assert.equal(e2?.["DDNS_OLD"], "203.0.113.7");
  assert.equal(e2?.["DDNS_NEW"], "203.0.113.8");
  // Sent by ddns itself through the packaged systemd-journald addon: every one under -u.
  for (const e of [e1, e2, e3, e4, e5]) assert.equal(e?.["_SYSTEMD_UNIT"], "ddns.service", "journalctl -u ddns.service finds it");
  const journal = m.exec(["journalctl", "-q", "--no-pager", "-o", "export"]).stdout;
  for (const secret of [SECRET, PUSH_SECRET]) assert.ok(!journal.includes(secret), "no secret in the journal");
  const status = ok(m.exec(["ddns", "status"]), "ddns status");
  assert.match(status, /home\.example\.org/);
  assert.ok(!status.includes(SECRET) && !status.includes(PUSH_SECRET));

}
