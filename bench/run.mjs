// `npm run bench`: whole-process benchmarks of ddns against floors measured in the
// same run (PERFORMANCE.md explains each budget). Loopback only.
//   node bench/run.mjs [--runs N] [--quick] [--gate]
//   --quick  11 runs per side instead of 21 (CI)
//   --gate   noise-tolerant (CI): a row that misses its budget is measured again (up
//            to GATE_ATTEMPTS times in all) and judged by its best attempt (noise only
//            ever adds time); it fails when that best attempt is more than GATE_FACTOR
//            times the budget (a regression, not a noisy neighbour). Without --gate
//            every row is judged against its budget exactly. Request counts always gate.
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, connect as connectNet } from "node:net";
import { measure, sideBySide, median } from "./measure.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const gate = args.includes("--gate");
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 11 : 21;
const DDNS = [process.execPath, join(root, "bin/ddns")];
const NODE0 = [process.execPath, "-e", "0"];
const TIMER_RUNS_PER_DAY = 96; // ddns.timer: every 15 minutes

const helpers = join(root, "build/test/helpers/");
const { startCloudflareServer } = await import(helpers + "cloudflare-server.js");
const { startDyndns2Server } = await import(helpers + "dyndns2-server.js");
const { startDnsServer, reply } = await import(helpers + "dns-server.js");
const { makeSelfSignedCert } = await import(helpers + "tls.js");

const dir = mkdtempSync(join(tmpdir(), "ddns-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const TOKEN = "bench-token-0123456789";
const PASSWORD = "bench-password-0123";
writeFileSync(join(dir, "cf.token"), TOKEN + "\n");
writeFileSync(join(dir, "dyn.pass"), PASSWORD + "\n");

const cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "0123456789abcdef0123456789abcdef" }] });
const dyn = await startDyndns2Server({ accounts: [{ username: "bench", password: PASSWORD, hosts: ["h1.example.net", "h2.example.net", "h3.example.net"] }] });

/** A config + state + events directory set for one scenario. */
function scenario(name, { ipv4, records }) {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const write = (v4) =>
    writeFileSync(
      join(d, "ddns.toml"),
      `${v4}
[ipv6]
enabled = false
[providers.cf]
type = "cloudflare"
endpoint = "${cf.url}"
token_file = "${join(dir, "cf.token")}"
[providers.dyn]
type = "dyndns2"
endpoint = "${dyn.url}"
username = "bench"
password_file = "${join(dir, "dyn.pass")}"
${records.map(([n, p]) => `[[records]]\nname = "${n}"\nprovider = "${p}"\n`).join("")}`,
    );
  write(ipv4);
  const run = [...DDNS, "run", "--config", join(d, "ddns.toml"), "--state-dir", join(d, "state"), "--events-dir", join(d, "run/events")];
  const state = join(d, "state/state.json");
  return { d, run, state, write, save: () => copyFileSync(state, join(d, "saved.json")), restore: () => copyFileSync(join(d, "saved.json"), state) };
}
const staticV4 = (a) => `[ipv4]\nsources = ["static"]\naddress = "${a}"`;

async function once(argv, env) {
  const r = await measure(argv, env);
  if (r.code !== 0) throw new Error(`${argv.slice(2, 4).join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}
const counted = async (server, fn) => {
  const n = server.count();
  await fn();
  return server.count() - n;
};

const rows = [];
const counts = [];
const failures = [];
const notes = [];
// The budgets (PERFORMANCE.md, "Budgets"): wall and peak RSS ratios against the floor.
const NOOP = { wall: 1.3, rss: 1.15 };
const UPDATE = { wall: 1.35, rss: 1.15 };
// The gate's tolerance for a shared, noisy machine: up to 3 attempts of a missing
// row, the best one judged against 1.15 times the budget (the full no-op's budget
// 1.3 fails the gate above 1.5: last session's regression to 1.56 would have).
const GATE_ATTEMPTS = 3;
const GATE_FACTOR = 1.15;
function budget(label, r, wall, rss, informational = false) {
  const row = { label, ...r, wallBudget: wall, rssBudget: rss, informational };
  rows.push(row);
  if (!informational) {
    const f = gate ? GATE_FACTOR : 1;
    const over = (x, b) => x > b * f;
    if (over(r.wallRatio, wall)) failures.push(`${label}: wall ${r.wallRatio.toFixed(2)}x > ${wall}x (best of ${r.attempts ?? 1})`);
    if (over(r.rssRatio, rss)) failures.push(`${label}: peak RSS ${r.rssRatio.toFixed(2)}x > ${rss}x (best of ${r.attempts ?? 1})`);
    if (gate && r.wallRatio > wall) notes.push(`${label}: wall ${r.wallRatio.toFixed(2)}x is over its budget ${wall}x (within the gate's ${GATE_FACTOR}x)`);
    if (gate && r.rssRatio > rss) notes.push(`${label}: peak RSS ${r.rssRatio.toFixed(2)}x is over its budget ${rss}x (within the gate's ${GATE_FACTOR}x)`);
  }
}
/**
 * A budgeted row: measured side by side; under --gate a miss is measured again and
 * the best attempt (lowest wall ratio) stands, so that another engineer's test suite
 * on the same cores cannot fail a landing on its own.
 */
async function budgeted(label, opts, b) {
  let best;
  for (let attempt = 1; attempt <= (gate ? GATE_ATTEMPTS : 1); attempt++) {
    const r = { ...(await sideBySide(opts)), attempts: attempt };
    if (best === undefined || r.wallRatio < best.wallRatio) best = { ...r, rssRatio: Math.min(r.rssRatio, best?.rssRatio ?? Infinity) };
    best.attempts = attempt;
    if (best.wallRatio <= b.wall && best.rssRatio <= b.rss) break;
  }
  budget(label, best, b.wall, b.rss);
}
function count(label, got, want) {
  counts.push({ label, got, want });
  if (want !== undefined && got !== want) failures.push(`${label}: ${got} requests, budget ${want}`);
}

// 1. No-op run: two records, state current, no events.
const noop = scenario("noop", { ipv4: staticV4("203.0.113.7"), records: [["a.example.org", "cf"], ["b.example.org", "cf"]] });
count("cold start (two new Cloudflare records)", await counted(cf, () => once(noop.run)), undefined);
const noopReq = await counted(cf, async () => {
  await budgeted("no-op run vs `node -e 0`", {
    a: NODE0,
    b: noop.run,
    runs: RUNS,
    check: (side, x) => {
      if (side === "b" && (x.code !== 0 || x.stdout || x.stderr)) throw new Error(`no-op run was not silent: ${x.code} ${x.stdout}${x.stderr}`);
    },
  }, NOOP);
});
count("steady state (every sealed no-op run of the row above)", noopReq, 0);
// The same no-op through the full reconciler: what a run costs when the idle seal
// cannot be used (the first run after any change, or detection that needs the
// network). The same budget as the sealed no-op (issue 12).
const seal = join(noop.d, "run", "idle.json");
await budgeted("no-op run without a usable idle seal (full reconciler) vs `node -e 0`", {
  a: NODE0,
  b: noop.run,
  runs: RUNS,
  prepare: (side) => side === "b" && rmSync(seal, { force: true }),
  check: (side, x) => {
    if (side === "b" && (x.code !== 0 || x.stdout || x.stderr)) throw new Error(`no-op run was not silent: ${x.code} ${x.stdout}${x.stderr}`);
  },
}, NOOP);

// 2. Update runs: one changed record, against the same request sent with node:http.
const cfUp = scenario("cf-update", { ipv4: staticV4("203.0.113.7"), records: [["up.example.org", "cf"]] });
await once(cfUp.run);
cfUp.save();
const cache = JSON.parse(readFileSync(cfUp.state, "utf8")).records["up.example.org/ipv4"].cache;
cfUp.write(staticV4("203.0.113.8"));
count("Cloudflare change with cached ids", await counted(cf, async () => { cfUp.restore(); await once(cfUp.run); }), 1);
const cfPatch = ["PATCH", `${cf.url}/zones/${cache.zone}/dns_records/${cache.record}`, JSON.stringify({ authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }), JSON.stringify({ content: "203.0.113.8" })];
await budgeted("update run, Cloudflare (1 PATCH) vs node:http", {
  a: [process.execPath, join(root, "bench/baseline-request.cjs"), ...cfPatch],
  b: cfUp.run,
  runs: RUNS,
  prepare: (side) => side === "b" && cfUp.restore(),
  check: (side, x) => { if (x.code !== 0) throw new Error(`${side} exited ${x.code}: ${x.stderr}`); },
}, UPDATE);

const dynUp = scenario("dyn-update", { ipv4: staticV4("203.0.113.7"), records: [["h1.example.net", "dyn"]] });
await once(dynUp.run);
dynUp.save();
dynUp.write(staticV4("203.0.113.9"));
count("dyndns2 change", await counted(dyn, async () => { dynUp.restore(); await once(dynUp.run); }), 1);
// The floor sends the User-Agent ddns sends (src/version.ts), byte for byte.
const { USER_AGENT: ua } = await import(join(root, "build/src/version.js"));
const dynGet = ["GET", `${dyn.url}/nic/update?hostname=h1.example.net&myip=203.0.113.9`, JSON.stringify({ authorization: `Basic ${Buffer.from(`bench:${PASSWORD}`).toString("base64")}`, "user-agent": ua })];
await budgeted("update run, dyndns2 (1 GET) vs node:http", {
  a: [process.execPath, join(root, "bench/baseline-request.cjs"), ...dynGet],
  b: dynUp.run,
  runs: RUNS,
  prepare: (side) => side === "b" && dynUp.restore(),
  check: (side, x) => { if (x.code !== 0) throw new Error(`${side} exited ${x.code}: ${x.stderr}`); },
}, UPDATE);

const two = scenario("dyn-two", { ipv4: staticV4("203.0.113.7"), records: [["h2.example.net", "dyn"], ["h3.example.net", "dyn"]] });
await once(two.run);
two.write(staticV4("203.0.113.10"));
count("two records of one dyndns2 account change together", await counted(dyn, () => once(two.run)), 1);

// A router's push: one connection handed to the per-connection receiver as its stdin
// (ddns-push.socket, Accept=yes), against a minimal node:net script that reads the
// request and answers. Informational (no budget in the contract for it).
{
  const pd = join(dir, "push");
  mkdirSync(pd, { recursive: true });
  writeFileSync(join(pd, "router.pass"), "router-secret-0123\n");
  writeFileSync(
    join(pd, "ddns.toml"),
    `[ipv4]\nsources = ["event"]\naccept_private = true\n[ipv6]\nenabled = false\n[providers.dyn]\ntype = "dyndns2"\nendpoint = "${dyn.url}"\n` +
      `username = "bench"\npassword_file = "${join(dir, "dyn.pass")}"\n[[records]]\nname = "h1.example.net"\nprovider = "dyn"\n` +
      `[push]\nnames = ["h1.example.net"]\nusername = "router"\npassword_file = "${join(pd, "router.pass")}"\n`,
    { mode: 0o600 },
  );
  const sock = join(pd, "s.sock");
  const server = createNetServer({ pauseOnConnect: true });
  await new Promise((r) => server.listen(sock, r));
  let n = 0;
  const answers = { a: [], b: [] };
  const io = async (side) => {
    const accepted = new Promise((r) => server.once("connection", r));
    const client = connectNet(sock);
    const conn = await accepted;
    let answer = "";
    client.on("data", (d) => (answer += d));
    const auth = Buffer.from("router:router-secret-0123").toString("base64");
    const request = `GET /nic/update?hostname=h1.example.net&myip=203.0.113.${1 + (n++ % 200)} HTTP/1.1\r\nHost: ddns\r\nAuthorization: Basic ${auth}\r\n\r\n`;
    return {
      stdin: conn,
      start: () => client.write(request),
      done: () => {
        answers[side].push(answer);
        conn.destroy();
        client.destroy();
        rmSync(join(pd, "events"), { recursive: true, force: true });
        rmSync(join(pd, "state"), { recursive: true, force: true });
      },
    };
  };
  budget("router push, one connection: `ddns-push` vs a minimal node:net answer (informational)", await sideBySide({
    a: [process.execPath, join(root, "bench/baseline-push.cjs")],
    b: [process.execPath, join(root, "bin/ddns-push"), "--config", join(pd, "ddns.toml"), "--events-dir", join(pd, "events"), "--push-dir", join(pd, "state")],
    runs: RUNS,
    io,
  }), undefined, undefined, true);
  server.close();
  const good = answers.b.filter((x) => /\r\n\r\ngood 203\.0\.113\.\d+\n$/.test(x)).length;
  if (good !== answers.b.length) throw new Error(`push receiver answered ${answers.b.length - good} of ${answers.b.length} pushes with something else: ${answers.b.find((x) => !/good/.test(x))}`);
}

// The decisions the numbers forced (informational rows).
budget("decision: the same GET through undici 7 vs node:http", await sideBySide({
  a: [process.execPath, join(root, "bench/baseline-request.cjs"), ...dynGet],
  b: [process.execPath, join(root, "bench/baseline-undici.mjs"), ...dynGet],
  runs: Math.min(RUNS, 9),
}), undefined, undefined, true);
budget("decision: `ddns check` (yargs) vs `ddns run` no-op (own parser)", await sideBySide({
  a: noop.run,
  b: [...DDNS, "check", "--config", join(noop.d, "ddns.toml")],
  runs: Math.min(RUNS, 9),
}), undefined, undefined, true);

// 4. Network cost per day behind NAT, timer only (96 runs), address unchanged.
const cert = makeSelfSignedCert();
writeFileSync(join(dir, "ca.pem"), cert.cert);
let httpBytes = 0;
let httpReqs = 0;
const echo = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
  httpReqs++;
  res.writeHead(200, { "content-type": "text/plain" }).end("203.0.113.7\n");
});
// Raw TCP bytes both ways, TLS handshake included (the socket before TLS wraps it).
echo.on("connection", (s) => s.on("close", () => (httpBytes += s.bytesRead + s.bytesWritten)));
await new Promise((r) => echo.listen(0, "127.0.0.1", r));
const nat = scenario("nat-http", { ipv4: `[ipv4]\nsources = ["http"]\nurls = ["https://127.0.0.1:${echo.address().port}/ip"]\naccept_private = true`, records: [["nat.example.org", "cf"]] });
const caEnv = { PATH: "/usr/bin:/bin", NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") };
await once(nat.run, caEnv);
httpBytes = 0; httpReqs = 0;
const natCf = await counted(cf, () => once(nat.run, caEnv));
await new Promise((r) => setTimeout(r, 50));
const perRunHttp = { requests: httpReqs + natCf, bytes: httpBytes };

let dnsBytes = 0;
const dns = await startDnsServer("127.0.0.1", (q) => {
  const m = reply(q, { answers: [{ type: 1, data: "203.0.113.7", ttl: 0 }] });
  dnsBytes += q.raw.length + m.length;
  return m;
});
const natDns = scenario("nat-dns", { ipv4: `[ipv4]\nsources = ["dns"]\ndns_servers = ["${dns.address}"]\naccept_private = true`, records: [["dns.example.org", "cf"]] });
await once(natDns.run);
dnsBytes = 0;
const q0 = dns.queries.length;
const dnsCf = await counted(cf, () => once(natDns.run));
const perRunDns = { requests: dns.queries.length - q0 + dnsCf, bytes: dnsBytes };

// 7. Drift checks (issue 17): a day of timer runs costs one read per record and no
// write; the added time of a verifying run against the full reconciler's no-op.
const ver = scenario("verify", { ipv4: staticV4("203.0.113.7"), records: [["v.example.org", "cf"]] });
await once(ver.run);
/** Moves the record's last push and check back by `ms` (time passing). */
const age = (ms) => {
  const s = JSON.parse(readFileSync(ver.state, "utf8"));
  for (const r of Object.values(s.records)) {
    if (r.pushedAt !== undefined) r.pushedAt -= ms;
    if (r.verify !== undefined) r.verify.at -= ms;
  }
  writeFileSync(ver.state, JSON.stringify(s));
};
const cfWrites = () => cf.requests.filter((r) => r.method !== "GET").length;
age(2 * 86_400_000);
const w0 = cfWrites();
// The timer's 96 runs of a day: the first finds the check due (the phase of this host
// is somewhere in the day, and the last check two days old), the others are idle.
const dayReads = await counted(cf, async () => {
  for (let i = 0; i < TIMER_RUNS_PER_DAY; i++) await once(ver.run);
});
count(`drift checks: one record in sync, ${TIMER_RUNS_PER_DAY} timer runs of a day (reads)`, dayReads, 1);
count(`drift checks: one record in sync, ${TIMER_RUNS_PER_DAY} timer runs of a day (writes)`, cfWrites() - w0, 0);
const verSeal = join(ver.d, "run", "idle.json");
count("ddns run --verify, one record in sync (zone and record ids cached)", await counted(cf, () => once([...ver.run, "--verify"])), 1);
budget("verifying run (`run --verify`, 1 Cloudflare GET) vs no-op full reconciler", await sideBySide({
  a: ver.run,
  b: [...ver.run, "--verify"],
  runs: RUNS,
  prepare: (side) => side === "a" && rmSync(verSeal, { force: true }),
  check: (side, x) => { if (x.code !== 0) throw new Error(`${side} exited ${x.code}: ${x.stderr}`); },
}), undefined, undefined, true);

// 6. State size after 10,000 simulated runs with changing addresses (engine in-process).
const { plan } = await import(join(root, "build/src/engine/plan.js"));
const { execute } = await import(join(root, "build/src/engine/execute.js"));
const { config: fakeConfig } = await import(join(root, "build/test/fakes/config.js"));
const cfg = fakeConfig([{ name: "a.example.org" }, { name: "b.example.org" }]);
let state = { version: 1, records: {} };
const sizes = {};
let t = 1_800_000_000_000;
const provider = { async push(updates) { return new Map(updates.map((u, i) => [u.key, (t / 1000) % 7 === 0 ? { kind: "transient", reason: "HTTP 503" } : { kind: "updated", cache: { zoneId: "z", recordId: `r${i}` } }])); } };
const quiet = { transition() {}, warn() {}, async close() {} };
for (let i = 1; i <= 10_000; i++) {
  t += 3_600_000;
  const addr = `198.51.100.${i % 250}`;
  const p = plan({ config: cfg, detected: { ipv4: { kind: "found", source: "static", addresses: [addr] }, ipv6: { kind: "disabled" } }, state, now: t, force: false });
  if (!p.idle) state = (await execute(p, state, { config: cfg, now: () => t, random: () => 0.5, provider: async () => provider, logger: quiet, signal: AbortSignal.timeout(1000) })).state;
  if ([10, 100, 1000, 10_000].includes(i)) sizes[i] = Buffer.byteLength(JSON.stringify(state, null, 1) + "\n");
}

await cf.close();
await dyn.close();
await dns.close();
echo.close();

// Report.
const f = (x, d = 0) => x.toFixed(d);
const mib = (k) => f(k / 1024, 1);
console.log(`\n## ddns benchmark — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${f(totalmem() / 2 ** 30)} GiB, ${RUNS} runs per side (medians, A B A B)\n`);
console.log("| scenario | floor (A) wall / RSS | ddns (B) wall / RSS | wall ratio (budget) | RSS ratio (budget) |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows) {
  const b = (x, bud) => `${f(x, 2)}x${bud === undefined ? "" : ` (≤ ${bud})`}`;
  console.log(`| ${r.label} | ${f(r.a.wallMs)} ms / ${mib(r.a.rssKiB)} MiB | ${f(r.b.wallMs)} ms / ${mib(r.b.rssKiB)} MiB | ${b(r.wallRatio, r.wallBudget)} | ${b(r.rssRatio, r.rssBudget)} |`);
}
console.log("\n| requests counted at the server | got | budget |\n| --- | --- | --- |");
for (const c of counts) console.log(`| ${c.label} | ${c.got} | ${c.want ?? "—"} |`);
console.log("\n| behind NAT, timer only (96 runs/day), address unchanged | per run | per day |\n| --- | --- | --- |");
console.log(`| http detection (one HTTPS GET, TLS included) | ${perRunHttp.requests} req, ${perRunHttp.bytes} B | ${perRunHttp.requests * TIMER_RUNS_PER_DAY} req, ${f((perRunHttp.bytes * TIMER_RUNS_PER_DAY) / 1024, 1)} KiB |`);
console.log(`| dns detection (one UDP query, payload only) | ${perRunDns.requests} req, ${perRunDns.bytes} B | ${perRunDns.requests * TIMER_RUNS_PER_DAY} req, ${f((perRunDns.bytes * TIMER_RUNS_PER_DAY) / 1024, 1)} KiB |`);
console.log("\n| state file after N simulated runs (2 records, address changing every run) | bytes |\n| --- | --- |");
for (const [n, s] of Object.entries(sizes)) console.log(`| ${n} | ${s} |`);
// 5. Event-to-push latency through a real systemd (needs root; says why when it cannot run).
if (!args.includes("--no-systemd")) {
  const { spawnSync } = await import("node:child_process");
  console.log("\n### event-to-push latency through a real systemd (bench/systemd-latency.mjs)\n");
  spawnSync(process.execPath, [join(root, "bench/systemd-latency.mjs"), "--events", quick ? "5" : "20"], { stdio: "inherit" });
}
if (failures.length) {
  console.log(`\nBUDGETS MISSED${gate ? ` (by more than ${GATE_FACTOR}x the budget in the best of up to ${GATE_ATTEMPTS} attempts)` : ""}:\n- ${failures.join("\n- ")}`);
  process.exit(1);
}
if (notes.length) console.log(`\nover budget on this machine (the gate lets these pass):\n- ${notes.join("\n- ")}`);
console.log(`\n${notes.length ? "gate passed" : "all budgets met"}${gate ? ` (gate: best of up to ${GATE_ATTEMPTS} attempts, at most ${GATE_FACTOR}x each budget)` : ""}`);
void median;
