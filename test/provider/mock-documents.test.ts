import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { providerSpecs } from "../../src/provider/registry.js";
import { dyndns2Presets } from "../../src/provider/dyndns2/spec.js";

// Issue 14, "Done when": each provider's strict mock cites the document it follows in
// its header (URL and the ruling words), or says UNVERIFIED where the document could not
// be read. PowerDNS and RFC 2136 are tested against the real servers (pdns_server, named).

// build/test/provider/ -> repository root
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The test helper that stands in for (or runs) each provider type's server. */
function helperOf(type: string): string {
  if (dyndns2Presets().some((p) => p.type === type)) return "dyndns2-server.ts";
  if (type === "powerdns") return "pdns.ts";
  if (type === "rfc2136") return "bind.ts";
  return `${type}-server.ts`;
}

/** The first block comment of a file. */
function header(text: string): string {
  const start = text.indexOf("/**");
  const end = text.indexOf("*/", start);
  return start < 0 || end < 0 ? "" : text.slice(start, end);
}

describe("Provider mocks - each cites its provider's document (issue 14)", () => {
  it("every provider type/its mock's header/names a document URL; real servers say so", () => {
    for (const s of providerSpecs()) {
      const file = helperOf(s.type);
      const head = header(readFileSync(join(root, "test/helpers", file), "utf8"));
      assert.ok(head.length > 0, `${s.type}: test/helpers/${file} has no header comment`);
      if (file === "pdns.ts" || file === "bind.ts") {
        assert.match(head, /real|named|pdns_server/i, `${s.type}: ${file} runs the real server`);
        continue;
      }
      assert.match(head, /(https?:\/\/|\b[a-z0-9-]+(\.[a-z0-9-]+)+\/)[^\s"]+/, `${s.type}: test/helpers/${file} cites no document`);
    }
  });
});
