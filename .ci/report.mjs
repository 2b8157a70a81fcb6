// Reads vitest's JSON reports for CI (.ci/run).
//   node .ci/report.mjs failed-files <report>       the test files that failed, one per line
//   node .ci/report.mjs summary <label>...           names every failure, then "N passed, N failed";
//                                                   exits 1 when a test failed in the end
// A file that failed and passed when rerun once (.tmp/vitest-<label>-rerun.json) counts as passed,
// and is named as FLAKY so that it gets fixed, not forgotten.
import { existsSync, readFileSync } from "node:fs";

const read = (path) => JSON.parse(readFileSync(path, "utf8"));
const firstLines = (text, count) => String(text ?? "").split("\n").slice(0, count).join("\n  ");

function failedFiles(report) {
  return report.testResults
    .filter((suite) => suite.status === "failed" || suite.assertionResults.some((test) => test.status === "failed"))
    .map((suite) => suite.name);
}

function describeFailures(prefix, suite) {
  const tests = suite.assertionResults.filter((test) => test.status === "failed");
  if (tests.length === 0) console.log(`${prefix} ${suite.name}: ${firstLines(suite.message, 1)}`);
  for (const test of tests) {
    console.log(`${prefix} ${suite.name} > ${test.fullName}`);
    console.log(`  ${firstLines(test.failureMessages[0], 3)}`);
  }
}

function summary(labels) {
  let passed = 0;
  let failed = 0;
  for (const label of labels) {
    const path = `.tmp/vitest-${label}.json`;
    if (!existsSync(path)) {
      console.log(`FAILED (${label}) no report: the run did not finish`);
      failed += 1;
      continue;
    }
    if (existsSync(`.tmp/vitest-${label}.error`)) {
      console.log(`FAILED (${label}) vitest failed outside any test (an unhandled error: see its output above)`);
      failed += 1;
    }
    const first = read(path);
    const rerunPath = `.tmp/vitest-${label}-rerun.json`;
    const rerun = existsSync(rerunPath) ? new Map(read(rerunPath).testResults.map((suite) => [suite.name, suite])) : new Map();
    for (const suite of first.testResults) {
      const again = rerun.get(suite.name);
      const failedFirst = failedFiles({ testResults: [suite] }).length > 0;
      const final = failedFirst && again !== undefined ? again : suite;
      if (failedFirst && again !== undefined && failedFiles({ testResults: [again] }).length === 0) {
        describeFailures(`FLAKY (${label}, passed when rerun)`, suite);
      } else if (failedFiles({ testResults: [final] }).length > 0) {
        describeFailures(`FAILED (${label})`, final);
      }
      const tests = final.assertionResults;
      passed += tests.filter((test) => test.status === "passed").length;
      failed += tests.filter((test) => test.status === "failed").length;
      if (final.status === "failed" && tests.every((test) => test.status !== "failed")) failed += 1;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

const [command, ...rest] = process.argv.slice(2);
if (command === "failed-files") {
  for (const file of failedFiles(read(rest[0]))) console.log(file);
} else if (command === "summary") {
  process.exitCode = summary(rest);
} else {
  console.error("usage: node .ci/report.mjs failed-files <report> | summary <label>...");
  process.exitCode = 2;
}
