/**
 * A real PowerDNS Authoritative server (`pdns_server` from Debian's pdns-server, with
 * the gsqlite3 backend) on 127.0.0.1: DNS on one free port, the HTTP API on another,
 * a fresh sqlite database in a temp dir. Foreground, no guardian, caches off (so a
 * DNS query right after an API change sees it), one thread each. Runs as the current
 * user (no setuid/setgid). `stop()` kills it and removes the dir.
 */
import { spawn, execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIG, freePort } from "./bind.js";

export const PDNS_SERVER = "/usr/sbin/pdns_server";
const SCHEMA_PATHS = [
  "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql",
  "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql",
];

export interface PdnsServer {
  /** http://127.0.0.1:PORT/api/v1 */
  api: string;
  apiKey: string;
  dnsPort: number;
  /** Creates a Native zone through the API ("example.org"). */
  createZone(name: string): Promise<void>;
  /** What the server answers over DNS for name/type, sorted. */
  query(name: string, type: "A" | "AAAA"): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startPdns(): Promise<PdnsServer> {
  if (!existsSync(PDNS_SERVER)) throw new Error(`${PDNS_SERVER} is missing: install pdns-server and pdns-backend-sqlite3 (listed in .ci/apt-packages)`);
  const schema = SCHEMA_PATHS.find((p) => existsSync(p));
  if (!schema) throw new Error("the gsqlite3 schema is missing: install pdns-backend-sqlite3");
  const dir = await mkdtemp(join(tmpdir(), "ddns-pdns-"));
  execFileSync("/usr/bin/sqlite3", [join(dir, "pdns.sqlite3")], { input: readFileSync(schema) });
  const dnsPort = await freePort();
  const apiPort = await freePort();
  const apiKey = randomBytes(12).toString("hex");
  await writeFile(
    join(dir, "pdns.conf"),
    [
      "launch=gsqlite3",
      `gsqlite3-database=${dir}/pdns.sqlite3`,
      "local-address=127.0.0.1",
      `local-port=${dnsPort}`,
      "api=yes",
      `api-key=${apiKey}`,
      "webserver-address=127.0.0.1",
      `webserver-port=${apiPort}`,
      "webserver-allow-from=127.0.0.1",
      `socket-dir=${dir}`,
      "daemon=no",
      "guardian=no",
      "disable-syslog=yes",
      "cache-ttl=0",
      "query-cache-ttl=0",
      "negquery-cache-ttl=0",
      "distributor-threads=1",
      "receiver-threads=1",
      "",
    ].join("\n"),
  );
  const child = spawn(PDNS_SERVER, [`--config-dir=${dir}`], { stdio: ["ignore", "pipe", "pipe"] });
  // Never outlive the test process, even when it dies before its after() hook.
  const reap = (): void => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", reap);
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const api = `http://127.0.0.1:${apiPort}/api/v1`;
  const call = (method: string, path: string, body?: object) =>
    fetchLike(method, `${api}${path}`, apiKey, body === undefined ? undefined : JSON.stringify(body));

  // Ready when the API answers (polled every 50 ms, up to 15 s).
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`pdns_server exited (${child.exitCode}) during start:\n${log}`);
    const r = await call("GET", "/servers/localhost").catch(() => null);
    if (r?.status === 200) break;
    if (i > 300) {
      child.kill("SIGKILL");
      throw new Error(`pdns_server's API did not come up within 15 s:\n${log}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }

  return {
    api,
    apiKey,
    dnsPort,
    async createZone(name) {
      const r = await call("POST", "/servers/localhost/zones", { name: `${name}.`, kind: "Native", nameservers: [`ns1.${name}.`] });
      if (r.status !== 201) throw new Error(`creating zone ${name} gave HTTP ${r.status}: ${r.body}`);
    },
    query: (name, type) =>
      new Promise((resolve, reject) => {
        execFile(DIG, ["+short", "+norec", "+time=2", "+tries=1", "-p", String(dnsPort), "@127.0.0.1", name, type], (err, stdout) => {
          if (err) return reject(err);
          resolve(stdout.split("\n").filter((l) => l !== "").sort());
        });
      }),
    async stop() {
      process.off("exit", reap);
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A bare node:http request for the fixture's own setup calls (not the code under test). */
async function fetchLike(method: string, url: string, apiKey: string, body?: string): Promise<{ status: number; body: string }> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { "x-api-key": apiKey, accept: "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
