// Bundles src/codemirror.js (CodeMirror 6 + Python) into ../static/vendor/codemirror.js,
// one minified ES module the page imports. Run `npm ci && npm run build` after changing
// package.json; the output is committed so the page works offline without npm.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));

await build({
  entryPoints: [join(here, "src", "codemirror.js")],
  outfile: join(here, "..", "static", "vendor", "codemirror.js"),
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  legalComments: "eof",
  logLevel: "info",
});
