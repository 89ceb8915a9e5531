import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../helpers/systemd-harness.js";

/*
 * The units against Debian 13's systemd (257), from a Debian 13 root made by
 * debootstrap (the packaging tests build one; DDNS_DEBIAN13_ROOT names another).
 * The root is never written: it is the lower layer of an overlay in a private
 * mount namespace, the units are copied into the upper layer, and Debian 13's own
 * systemd-analyze runs chrooted there.
 */
const ROOT = process.env["DDNS_DEBIAN13_ROOT"] ?? "/var/cache/ddns-test/trixie-install";
const skip =
  process.getuid?.() !== 0
    ? "needs root (a mount namespace and chroot)"
    : !existsSync(join(ROOT, "usr/bin/systemd-analyze"))
      ? `no Debian 13 root with systemd at ${ROOT} (set DDNS_DEBIAN13_ROOT)`
      : false;

describe("Units - Debian 13 systemd-analyze", { skip }, () => {
  let work = "";
  before(() => (work = mkdtempSync(join(tmpdir(), "ddns-deb13-"))));
  after(() => rmSync(work, { recursive: true, force: true }));

  /** Runs `script` chrooted into an overlay of the Debian 13 root holding ddns's units. */
  function inRoot(script: string): { status: number | null; stdout: string; stderr: string } {
    const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
    const m = `${work}/m`;
    const setup = [
      "set -e",
      `mount -t tmpfs tmpfs ${q(work)}`,
      `mkdir ${q(work)}/u ${q(work)}/w ${q(m)}`,
      `mount -t overlay overlay -o lowerdir=${q(ROOT)},upperdir=${q(work)}/u,workdir=${q(work)}/w ${q(m)}`,
      `mkdir -p ${q(m)}/etc/systemd/system ${q(m)}/usr/bin`,
      `cp ${REPO}systemd/ddns.service ${REPO}systemd/ddns.path ${REPO}systemd/ddns.timer ${REPO}systemd/ddns-follow@.service ${REPO}systemd/ddns-follow@.timer ${REPO}systemd/ddns-watch.socket ${REPO}systemd/ddns-watch.service ${q(m)}/etc/systemd/system/`,
      `printf '#!/bin/sh\\n' > ${q(m)}/usr/bin/ddns && chmod 755 ${q(m)}/usr/bin/ddns`,
      `mkdir -p ${q(m)}/usr/lib/ddns && cp ${REPO}packaging/address-watch ${q(m)}/usr/lib/ddns/`,
      `exec chroot ${q(m)} /usr/bin/env -i PATH=/usr/bin:/usr/sbin SYSTEMD_COLORS=0 /bin/sh -c ${q(script)}`,
    ].join("\n");
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", setup], { encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("systemd 257/verify --man=no/passes with empty stderr", () => {
    const v = inRoot("systemd-analyze --version | head -n 1");
    assert.match(v.stdout, /^systemd 25[7-9]|^systemd 2[6-9]\d/, v.stdout + v.stderr);
    // The follow-up template through an instance, as the hooks start it.
    const r = inRoot("systemd-analyze verify --man=no ddns.service ddns.path ddns.timer ddns-follow@eth0.timer ddns-follow@eth0.service ddns-watch.socket ddns-watch.service");
    assert.equal(r.stderr, "", "no warning at all");
    assert.equal(r.status, 0);
  });

  it("systemd 257/security --offline/scores 1.5 or lower", () => {
    const r = inRoot("systemd-analyze security --offline=true --no-pager /etc/systemd/system/ddns.service");
    const m = /Overall exposure level for ddns\.service: (\d+\.\d)/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    assert.ok(Number(m[1]) <= 1.5, `exposure ${m[1]}`);
  });

  it("systemd 257/security --offline of the address watch/scores 2.0 or lower", () => {
    const r = inRoot("systemd-analyze security --offline=true --no-pager /etc/systemd/system/ddns-watch.service");
    const m = /Overall exposure level for ddns-watch\.service: (\d+\.\d)/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    process.stderr.write(`# ddns-watch.service exposure ${m[1]}\n`);
    assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]}`);
  });
});
