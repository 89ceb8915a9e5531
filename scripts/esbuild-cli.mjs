// esbuild's `build()` for the Debian package build, through the esbuild PROGRAM that
// Debian packages (package esbuild: /usr/bin/esbuild, no Node.js API module). Takes
// the options scripts/build.mjs passes and turns each into its command-line flag, so
// that the package and a checkout bundle with one set of options; an option it does
// not know is an error (a new one must be added here, not silently dropped).
// Bare imports resolve in vendor/ (NODE_PATH): the runtime modules Debian lacks,
// vendored as source (debian/copyright).
import { execFileSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;

/** Runs `esbuild` with the flags for `opts` (a subset of esbuild's BuildOptions). */
export async function build(opts) {
  const args = [];
  for (const [key, value] of Object.entries(opts)) {
    switch (key) {
      case "entryPoints":
        args.push(...value);
        break;
      case "outfile":
      case "format":
      case "platform":
      case "target":
        args.push(`--${key}=${value}`);
        break;
      case "bundle":
      case "minify":
        if (value) args.push(`--${key}`);
        break;
      case "legalComments":
        args.push(`--legal-comments=${value}`);
        break;
      case "logLevel":
        args.push(`--log-level=${value}`);
        break;
      case "supported":
        for (const [feature, on] of Object.entries(value)) args.push(`--supported:${feature}=${on}`);
        break;
      case "alias":
        for (const [from, to] of Object.entries(value)) args.push(`--alias:${from}=${to}`);
        break;
      case "external":
        for (const x of value) args.push(`--external:${x}`);
        break;
      case "define":
        for (const [k, v] of Object.entries(value)) args.push(`--define:${k}=${v}`);
        break;
      case "banner":
        for (const [lang, text] of Object.entries(value)) args.push(`--banner:${lang}=${text}`);
        break;
      case "footer":
        for (const [lang, text] of Object.entries(value)) args.push(`--footer:${lang}=${text}`);
        break;
      default:
        throw new Error(`scripts/esbuild-cli.mjs: esbuild option "${key}" has no command-line form here yet`);
    }
  }
  execFileSync(process.env.ESBUILD ?? "esbuild", args, { stdio: "inherit", env: { ...process.env, NODE_PATH: root + "vendor" } });
}
