// Bundles the Studio (docs/studio.md): src/main.tsx and src/style.css into
// <out>/app.js and <out>/app.css, minified, and copies src/index.html.
// The CMake build runs this and embeds <out> in homeboy-daemon
// (cmake/embed_studio.cmake); `--out DIR` picks the directory (default dist/).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(here, "dist"));
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: { app: path.join(here, "src/main.tsx") },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: out,
  logLevel: "warning",
  legalComments: "none",
});
copyFileSync(path.join(here, "src/index.html"), path.join(out, "index.html"));

let gz = 0;
for (const f of ["app.js", "app.css", "index.html"]) {
  try {
    gz += gzipSync(readFileSync(path.join(out, f))).length;
  } catch {}
}
if (args.includes("--sizes")) {
  for (const f of ["app.js", "app.css", "index.html"]) {
    try { console.log(`${f}: ${statSync(path.join(out, f)).size} bytes`); } catch {}
  }
  console.log(`first load, gzipped: ${gz} bytes`);
}
