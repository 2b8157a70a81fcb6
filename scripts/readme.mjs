// Fills README.md's `<!-- include docs/readme/x.md -->…<!-- end include -->` blocks from those files,
// whose console examples the tests run. `--check` exits 1 when README.md is out of date instead.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readmePath = join(root, "README.md");
const current = readFileSync(readmePath, "utf8");
const filled = current.replace(
  /<!-- include (\S+) -->\n[\s\S]*?<!-- end include -->/g,
  (_, file) => `<!-- include ${file} -->\n${readFileSync(join(root, file), "utf8").trim()}\n<!-- end include -->`,
);
if (process.argv.includes("--check")) {
  if (filled !== current) {
    console.error("README.md is out of date: run npm run readme");
    process.exit(1);
  }
} else {
  writeFileSync(readmePath, filled);
}
