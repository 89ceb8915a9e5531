/**
 * Reads ddclient.conf (ddclient 3.9 to 4.x) the way ddclient's own `_read_config`
 * and `parse_assignments` do (ddclient 3.10.0, /usr/bin/ddclient, lines 1370-1575):
 *
 *   [opt=value, ...] [host[, host...] [login [password]]]
 *
 * - `#` starts a comment, except inside a `password=` value, which ddclient reads
 *   before comments are removed (`password='a#b'` keeps its `#`);
 * - a line ending in `\` continues on the next one;
 * - a value ends at unquoted whitespace or an unquoted comma; `'...'`, `"..."` and
 *   `\x` quote (ddclient 3.11 and 4.x also allow spaces around `=`: taken too);
 * - a line without hosts sets globals for every later line; a line with hosts gives
 *   each host its own options merged over the globals seen so far.
 *
 * Pure: no file access, so the converter and its tests share it.
 */

export interface DdclientHost {
  /** The host name as written (not yet validated). */
  host: string;
  /** Every option in effect for this host (globals merged under the line's own). */
  options: Record<string, string>;
  /** 1-based line where the host's definition ends. */
  line: number;
}

export interface DdclientConfig {
  hosts: DdclientHost[];
  /** Globals in effect at the end of the file (daemon=, syslog=, mail=...). */
  globals: Record<string, string>;
  /** Things ddclient itself would warn about (kept for the operator). */
  warnings: string[];
}

const PASSWORD_LINE = /^([^#]*\s)?([^#]*?password\S*?)\s*=\s*('.*'|[^']\S*)(.*)/;

export function parseDdclient(text: string): DdclientConfig {
  const hosts: DdclientHost[] = [];
  const warnings: string[] = [];
  let globals: Record<string, string> = {};
  let continuation = "";
  let passwords: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    let line = raw;
    // Passwords are read before comments are removed (ddclient does the same), so a
    // password may hold '#'. Its value is set aside and never echoed in a warning.
    const pm = PASSWORD_LINE.exec(line);
    if (pm) {
      const head = pm[1] ?? "";
      const key = (pm[2] ?? "").trim().replace(/^.*[\s,]/, "");
      let value = pm[3] ?? "";
      const quoted = /^'(.*)'$/.exec(value);
      if (quoted) value = quoted[1] ?? "";
      // 3.10 kept a separating comma in an unquoted password; 3.11 and later end it there.
      else value = value.replace(/,$/, "");
      passwords[key] = value;
      line = `${head}${pm[2] ?? ""}=dummy${pm[4] ?? ""}`;
    }
    line = line.replace(/#.*/, "");
    line = continuation + line;
    // ddclient 3.10 continues only on a final "\\" and warns about "\\ " (its own
    // sample has comments after the backslash); what the writer meant is taken.
    const cont = /\\\s*$/.exec(line);
    if (cont) {
      continuation = line.slice(0, cont.index);
      return;
    }
    continuation = "";
    line = line.trim().replace(/\s+/g, " ");
    if (line === "") {
      passwords = {};
      return;
    }
    const { rest, assignments } = parseAssignments(line, warnings, lineNo);
    for (const k of Object.keys(assignments)) {
      const pw = passwords[k];
      if (pw !== undefined) assignments[k] = pw;
    }
    const args = rest.replace(/\s*,\s*/g, ",").split(" ").filter((s) => s !== "");
    if (assignments["host"] !== undefined) {
      args[0] = args.length > 0 ? `${args[0]},${assignments["host"]}` : assignments["host"];
      delete assignments["host"];
    }
    if (args.length === 0) {
      globals = { ...globals, ...assignments };
    } else {
      const [hostList, login, password] = args;
      const options: Record<string, string> = { ...globals, ...assignments };
      if (login !== undefined) options["login"] = login;
      if (password !== undefined) options["password"] = password;
      if (args.length > 3) warnings.push(`line ${lineNo}: words after the password were ignored (as ddclient does)`);
      for (const h of (hostList ?? "").split(",")) {
        if (h.trim() !== "") hosts.push({ host: h.trim(), options: { ...options }, line: lineNo });
      }
    }
    passwords = {};
  });
  if (continuation !== "") warnings.push("the file ends while a line continues (a trailing \\)");
  return { hosts, globals, warnings };
}

function parseAssignments(line: string, warnings: string[], lineNo: number): { rest: string; assignments: Record<string, string> } {
  const assignments: Record<string, string> = {};
  let rest = line;
  for (;;) {
    const m = /^[,\s]*([a-z][0-9a-z_-]*)\s*=\s*(.*)$/is.exec(rest);
    if (!m) break;
    const name = (m[1] ?? "").toLowerCase();
    let value = "";
    let escape = false;
    let quote = "";
    let s = m[2] ?? "";
    while (s.length > 0) {
      const c = s[0] as string;
      if (escape) {
        value += c;
        escape = false;
      } else if (c === "\\") escape = true;
      else if (quote !== "" && c === quote) quote = "";
      else if (quote === "" && (c === "'" || c === '"')) quote = c;
      else if (quote === "" && /[\s,]/.test(c)) break;
      else value += c;
      s = s.slice(1);
    }
    if (quote !== "") warnings.push(`line ${lineNo}: the value of ${name} has an unterminated quote`);
    rest = s.replace(/^[,\s]+/, "");
    assignments[name] = value;
  }
  return { rest, assignments };
}
