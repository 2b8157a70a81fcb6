// Checks README.md and docs/*.md: every relative link (and image) points at a file of this
// repository. The pages' examples are run by the tests (test/readme.test.ts, test/docs-*.test.ts and
// each vault's test).
// Exits 1, naming each broken link, when one is found.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const broken = [];
for (const page of pages) {
  const text = readFileSync(join(root, page), "utf8").replace(/```[\s\S]*?```/g, "");
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
    const file = join(dirname(page), target.split("#")[0]);
    if (!existsSync(join(root, file))) broken.push(`${page}: ${target}`);
  }
}
if (broken.length > 0) {
  console.error(`broken links:\n${broken.join("\n")}`);
  process.exit(1);
}
