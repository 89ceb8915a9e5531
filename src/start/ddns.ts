// dist/ddns-start.cjs: the `ddns` program (bin/ddns and /usr/bin/ddns are symbolic
// links to it). The only file a `ddns run` loads through Node's CommonJS loader, so
// that the loader's resolution work (path search, package scope, realpath) is done
// once; its name ends in .cjs, so Node does not even read a package.json to decide
// how to load it. First the idle-seal check (src/quick.ts): when the last run left a
// seal that the inputs still match, there is nothing to do and the reconciler is
// never loaded. Otherwise the reconciler bundle beside this file, from its code cache.
import { quiet } from "../quick.js";
import { launch } from "./launch.js";

if (!quiet(process.argv.slice(2), process.env)) launch(`${__dirname}/ddns.cjs`);
