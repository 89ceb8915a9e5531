/**
 * A real BIND 9 (`named` from Debian's bind9 package) on 127.0.0.1 and a free high
 * port, with dynamic zones in a temp dir and TSIG keys, for the rfc2136 tests.
 * Runs in the foreground (-g) as the current user (no -u: as root it keeps root,
 * which the temp dir needs; as another user it runs as that user), one worker
 * thread (-n 1) to stay light on a shared machine. `stop()` kills it and removes the dir.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NAMED = "/usr/sbin/named";
export const DIG = "/usr/bin/dig";

export interface BindKey {
  name: string;
  algorithm: string;
  secret: string;
}

export interface BindServer {
  port: number;
  dir: string;
  keys: Record<string, BindKey>;
  /** The addresses BIND answers for name/type, sorted ([] for none). */
  query(name: string, type: "A" | "AAAA"): Promise<string[]>;
  /** The TTL BIND serves for the RRset (dig, no recursion), or undefined when there is none. */
  ttl(name: string, type: "A" | "AAAA"): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP on 127.0.0.1 (named cannot take port 0). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, "127.0.0.1", res));
    const port = (srv.address() as { port: number }).port;
    const udp = createSocket("udp4");
    const ok = await new Promise<boolean>((res) => {
      udp.once("error", () => res(false));
      udp.bind(port, "127.0.0.1", () => res(true));
    });
    udp.close();
    await new Promise<void>((res) => srv.close(() => res()));
    if (ok) return port;
  }
  throw new Error("no free port for named");
}

export interface BindZone {
  name: string;
  /** named.conf lines granting updates, e.g. `allow-update { key "k"; };` */
  policy: string;
  /** Extra zone-file lines, e.g. `www IN CNAME example.net.` */
  records?: string[];
}

/** Where named listens: 127.0.0.1 and a free port unless given (a second server on 127.0.0.2 and the same port stands in for another NS). */
export interface BindListen {
  address?: string;
  port?: number;
}

export async function startBind(keyAlgorithms: Record<string, string>, zones: BindZone[], listen: BindListen = {}): Promise<BindServer> {
  if (!existsSync(NAMED)) throw new Error(`${NAMED} is missing: install bind9 and bind9-dnsutils (listed in .ci/apt-packages)`);
  const dir = await mkdtemp(join(tmpdir(), "ddns-bind-"));
  const port = listen.port ?? (await freePort());
  const address = listen.address ?? "127.0.0.1";
  const keys: Record<string, BindKey> = {};
  const conf: string[] = [];
  for (const [name, algorithm] of Object.entries(keyAlgorithms)) {
    const secret = randomBytes(32).toString("base64");
    keys[name] = { name, algorithm, secret };
    conf.push(`key "${name}" { algorithm ${algorithm}; secret "${secret}"; };`);
  }
  conf.push(
    `options { directory "${dir}"; pid-file "${dir}/named.pid"; session-keyfile "${dir}/session.key";`,
    `  managed-keys-directory "${dir}"; listen-on port ${port} { ${address}; }; listen-on-v6 { none; };`,
    `  recursion no; allow-query { 127.0.0.0/8; }; dnssec-validation no; notify no; };`,
    "controls { };",
  );
  for (const z of zones) {
    await writeFile(
      join(dir, `${z.name}.zone`),
      `$TTL 300\n@ IN SOA ns1.${z.name}. admin.${z.name}. 1 3600 600 86400 300\n@ IN NS ns1.${z.name}.\nns1 IN A 192.0.2.53\n${(z.records ?? []).map((r) => `${r}\n`).join("")}`,
    );
    conf.push(`zone "${z.name}" { type primary; file "${dir}/${z.name}.zone"; ${z.policy} };`);
  }
  await writeFile(join(dir, "named.conf"), conf.join("\n") + "\n");

  const child: ChildProcess = spawn(NAMED, ["-g", "-n", "1", "-c", join(dir, "named.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  // Never outlive the test process, even when it dies before its after() hook.
  const reap = (): void => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", reap);
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`named did not start within 15 s:\n${log}`));
    }, 15_000);
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      if (/\brunning\b/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`named exited (${code}) during start:\n${log}`));
    });
  });
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  // "running" can come before every listener answers on a busy machine: ask for the first zone's SOA until it does.
  const ask = (name: string, type: string, tcp = false) =>
    new Promise<string[]>((resolve, reject) => {
      execFile(DIG, [...(tcp ? ["+tcp"] : []), "+short", "+norec", "+time=2", "+tries=1", "-p", String(port), `@${address}`, name, type], (err, stdout) => {
        if (err) return reject(err);
        resolve(stdout.split("\n").filter((l) => l !== "").sort());
      });
    });
  for (let i = 0; zones[0] !== undefined; i++) {
    // Both listeners: updates go over UDP, large or truncated ones over TCP.
    const soa = await ask(zones[0].name, "SOA").catch(() => []);
    const soaTcp = soa.length > 0 ? await ask(zones[0].name, "SOA", true).catch(() => []) : [];
    if (soa.length > 0 && soaTcp.length > 0) break;
    if (i > 100) {
      child.kill("SIGKILL");
      throw new Error(`named did not answer on port ${port}:\n${log}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }

  return {
    port,
    dir,
    keys,
    query: (name, type) => ask(name, type),
    ttl: (name, type) =>
      new Promise<number | undefined>((resolve, reject) => {
        execFile(DIG, ["+noall", "+answer", "+norec", "+time=2", "+tries=1", "-p", String(port), `@${address}`, name, type], (err, stdout) => {
          if (err) return reject(err);
          const rr = stdout.split("\n").map((l) => l.split(/\s+/)).find((f) => f[3] === type);
          resolve(rr === undefined ? undefined : Number(rr[1]));
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
