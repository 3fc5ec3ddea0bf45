// One assertion tests/assert.ts lacks: a substring check whose failure shows
// the whole text, so a wrong error message is readable in the test output.

import nodeAssert from "node:assert/strict";

export function assertStringIncludes(actual: string, expected: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    `expected to find ${JSON.stringify(expected)} in:\n${actual}`,
  );
}
