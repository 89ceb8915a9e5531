import { createHash, timingSafeEqual } from "node:crypto";
import type { PushConfig } from "../config/types.js";
import type { Credentials } from "./types.js";

export type AuthResult = "ok" | "missing" | "failed";

/**
 * Checks the presented credentials against `[push]`:
 * - `username` + `password`: HTTP Basic with both equal;
 * - `token`: `Authorization: Bearer TOKEN`, or HTTP Basic whose password is the token
 *   (routers such as FRITZ!Box only speak Basic); when `username` is set too, the
 *   Basic user name must match it.
 * Every comparison is of SHA-256 digests with timingSafeEqual, and every configured
 * secret is compared whatever the earlier results, so the time taken says nothing
 * about which part was wrong or how long a secret is.
 */
export function authenticate(config: PushConfig, presented: Credentials): AuthResult {
  if (presented.kind === "none") return "missing";
  if (presented.kind === "unsupported") return "failed";
  const user = presented.kind === "basic" ? presented.username : "";
  const secret = presented.kind === "basic" ? presented.password : presented.token;
  const userOk = config.username === undefined || same(user, config.username);
  let ok = false;
  if (config.password !== undefined) {
    const passOk = same(secret, config.password);
    ok ||= presented.kind === "basic" && config.username !== undefined && userOk && passOk;
  }
  if (config.token !== undefined) {
    const tokenOk = same(secret, config.token);
    ok ||= tokenOk && (presented.kind === "bearer" || userOk);
  }
  return ok ? "ok" : "failed";
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Constant-time string equality (equal-length digests, so timingSafeEqual never throws). */
export function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
