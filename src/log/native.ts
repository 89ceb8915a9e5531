// The build defines it for the Debian package (its arch-dependent library directory);
// elsewhere it is undefined and the addons are looked up in node_modules.
declare const __DDNS_ADDON_DIR__: string | undefined;

/** systemd-journald 1.5's compiled part: sd_journal_sendv(3) of "FIELD=value" strings. */
export interface JournalSend {
  /** `priority` becomes PRIORITY=; each further argument is one "FIELD=value". Returns sd_journal_sendv's result (0 or -errno). */
  send(priority: number, ...fields: string[]): number;
}

/** sd-notify 2.8's compiled part: sd_notify(3) of one state string such as "STATUS=...". */
export interface SdNotify {
  sendState(state: string): void;
}

interface Addons {
  "systemd-journald": JournalSend;
  "sd-notify": SdNotify;
}

/** The npm package and its node-gyp output (the .node file, installed alone by the Debian package). */
const FILES: { [K in keyof Addons]: [pkg: string, file: string] } = {
  "systemd-journald": ["systemd-journald", "journal_send.node"],
  "sd-notify": ["sd-notify", "notify.node"],
};

/**
 * Loads one of the native addons the design names, or returns undefined when it is
 * absent or does not load (built for another nodejs ABI, libsystemd missing): callers
 * then fall back. Only the compiled part is loaded, not the package's JavaScript
 * wrapper: ddns passes journal fields itself, and sd-notify's wrapper would need the
 * `bindings` module. The Debian package installs the .node files in
 * /usr/lib/<triplet>/ddns (policy: architecture-dependent files under /usr/lib);
 * a checkout has them where npm built them, node_modules/<package>/build/Release.
 * Called on the first journal entry or status text only: a no-op run loads nothing.
 */
export function loadAddon<K extends keyof Addons>(name: K): Addons[K] | undefined {
  const [pkg, file] = FILES[name];
  try {
    // node:module on this path only (process.getBuiltinModule: Node >= 20.16).
    const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);
    const dir = typeof __DDNS_ADDON_DIR__ === "string" && __DDNS_ADDON_DIR__ !== "" ? __DDNS_ADDON_DIR__ : undefined;
    return require(dir === undefined ? `${pkg}/build/Release/${file}` : `${dir}/${file}`) as Addons[K];
  } catch {
    return undefined;
  }
}
