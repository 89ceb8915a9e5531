// Composition root of the push receiver (ddns-push@.service, one process per
// connection, the connection on stdin/stdout). Like src/main.ts it is one of the
// places that read argv and the environment. It loads little on purpose: no CLI
// library, no HTTP client, no provider code; the reconciler does the DNS work after
// ddns.path sees the event file.
import { Socket } from "node:net";
import { stderrIsJournal } from "../log/create.js";
import { createJournalLogger } from "../log/journal.js";
import { serveConnection } from "./connection.js";
import { loadPushSetup } from "./config.js";
import { PushStore } from "./store.js";
import { READ_DEADLINE_MS } from "./types.js";

function option(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === name && argv[i + 1] !== undefined) return argv[i + 1] as string;
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return fallback;
}

const env = process.env;
const configFile = option("--config", env.CONFIGURATION_DIRECTORY ? `${env.CONFIGURATION_DIRECTORY.split(":")[0]}/ddns.toml` : "/etc/ddns/ddns.toml");
const eventsDir = option("--events-dir", "/run/ddns/events");
const pushDir = option("--push-dir", "/run/ddns/push");

// stderr is the journal under systemd: "<N>" sets the priority (SyslogLevelPrefix=).
const log = (priority: number, message: string): void => {
  process.stderr.write(`<${priority}>${message.replace(/[\r\n]+/g, " ")}\n`);
};

// The push-received transition as a structured journal entry (MESSAGE_ID, DDNS_RECORD,
// DDNS_NEW) when stderr is the journal; the logger loads nothing until it is used.
const journal = stderrIsJournal(env.JOURNAL_STREAM) ? createJournalLogger((line) => void process.stderr.write(`${line}\n`)) : undefined;

// Whatever happens below, this process is gone well before systemd's RuntimeMaxSec=.
setTimeout(() => process.exit(2), READ_DEADLINE_MS + 5000).unref();

let conn: Socket;
try {
  conn = new Socket({ fd: 0, readable: true, writable: true, allowHalfOpen: true });
} catch {
  log(3, "push: standard input is not a connection; ddns-push@.service is started by ddns-push.socket");
  process.exit(1);
}
// systemd sets REMOTE_ADDR for Accept=yes TCP connections; none on the Unix socket.
const remote = env.REMOTE_ADDR ?? conn.remoteAddress;
const from = remote === undefined || remote === "" ? "local" : remote.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");

// One CommonJS bundle (no top-level await): see scripts/build.mjs.
async function serve(): Promise<void> {
  const store = new PushStore(eventsDir, pushDir);
  await store.prepare().catch((e: unknown) => log(3, `push: cannot prepare ${pushDir}: ${e instanceof Error ? e.message : String(e)}`));
  try {
    const served = await serveConnection(conn, conn, {
      from,
      now: () => Math.floor(Date.now() / 1000),
      signal: AbortSignal.timeout(READ_DEADLINE_MS),
      setup: () => loadPushSetup(configFile, env.CREDENTIALS_DIRECTORY),
      store,
      log,
      ...(journal
        ? { pushed: (name: string, addresses: string[], _from: string, message: string) => journal.transition({ kind: "push-received", priority: 5, message, record: name, new: addresses.join(" ") }) }
        : {}),
    });
    await journal?.close();
    process.exitCode = served.kind === "failed" ? 1 : 0;
  } catch (e) {
    log(3, `push: internal error: ${e instanceof Error ? e.message : String(e)}`);
    conn.destroy();
    process.exitCode = 1;
  }
}

void serve();
