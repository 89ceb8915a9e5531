import type { KeyPath } from "./line-index.js";
import type { Problems } from "./problems.js";
import { checkKeys, readNumber, readStringList, readTable } from "./problems.js";
import type { SecretContext } from "./secrets.js";
import { readSecret, secretKeyNames } from "./secrets.js";
import type { NotifyConfig } from "./types.js";
import { isLoopbackHost } from "./values.js";

/** The three URL keys; each may hold a token (a healthchecks UUID, a webhook key): secrets. */
const URL_KEYS = ["url", "ping_url", "fail_url"] as const;
const NOTIFY_KEYS = ["command", "timeout", ...URL_KEYS.flatMap((k) => secretKeyNames(k))] as const;

/** Default and ceiling of the time one run may spend notifying, seconds. */
export const NOTIFY_TIMEOUT_DEFAULT_S = 10;
const NOTIFY_TIMEOUT_MAX_S = 30;

/**
 * Validates `[notify]` (issue 18): opt-in notifications on transitions. The URLs are
 * secrets (K, K_file, K_credential) and problems never quote them: a healthchecks
 * ping URL's path is its key.
 */
export async function readNotify(p: Problems, ctx: SecretContext, raw: unknown): Promise<NotifyConfig | undefined> {
  if (raw === undefined) return undefined;
  const path: KeyPath = ["notify"];
  const t = readTable(p, path, raw);
  if (t === undefined) return undefined;
  checkKeys(p, path, t, NOTIFY_KEYS);
  const out: NotifyConfig = { timeoutMs: NOTIFY_TIMEOUT_DEFAULT_S * 1000 };
  if (t.command !== undefined) {
    const argv = readStringList(p, ["notify", "command"], t.command, { nonEmpty: true });
    if (argv !== undefined && !(argv[0] ?? "").startsWith("/")) {
      p.add(["notify", "command"], `the program "${argv[0]}" must be an absolute path (the command runs without a shell or PATH)`);
    } else if (argv !== undefined) out.command = argv;
  }
  if (t.timeout !== undefined) {
    const s = readNumber(p, ["notify", "timeout"], t.timeout, 1, NOTIFY_TIMEOUT_MAX_S);
    if (s !== undefined) out.timeoutMs = Math.round(s * 1000);
  }
  for (const key of URL_KEYS) {
    const r = await readSecret(p, ctx, path, t, key);
    if (r.kind !== "ok") continue;
    const used = secretKeyNames(key).find((n) => t[n] !== undefined) ?? key;
    const why = urlProblem(r.value);
    if (why !== undefined) {
      p.add(["notify", used], why);
      continue;
    }
    if (key === "url") out.url = r.value;
    else if (key === "ping_url") out.pingUrl = r.value;
    else out.failUrl = r.value;
  }
  if (out.command === undefined && out.url === undefined && out.pingUrl === undefined && out.failUrl === undefined && p.list.every((x) => !x.key.startsWith("notify"))) {
    p.add(path, "names no way to notify: set command, url, ping_url or fail_url (or their _file / _credential forms), or remove [notify]");
  }
  return out;
}

/** What is wrong with a notification URL, without quoting any of it (it is a secret). */
function urlProblem(s: string): string | undefined {
  let url: URL;
  try {
    url = new URL(s.trim());
  } catch {
    return "is not a URL (the value is a secret and is not shown)";
  }
  if (url.username !== "" || url.password !== "") return "must not hold a user name or password before the host";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === "http:") return "uses plain http://, which is allowed only to a loopback host; use https://";
  return "must be an https:// URL";
}
