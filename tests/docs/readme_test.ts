// The README is what a new user reads first: its flag tables and --help
// output must be what the program does, and its links must lead somewhere.

import { dirname, join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { flagCells, helpBlock, README, regionOf } from "../../scripts/docs.ts";
import { FLAG_GROUPS, type FlagGroup, FLAGS } from "../../src/cli/flags.ts";

const FIX = 'Run "deno task docs" to write them from the program.';

/** The cells of a Markdown table row, split at unescaped pipes. */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Group label -> rows of cells, in README order. */
function readTables(region: string): [string, string[][]][] {
  const out: [string, string[][]][] = [];
  for (const line of region.split("\n")) {
    const label = /^\*\*(.+)\*\*$/.exec(line.trim());
    if (label) out.push([label[1], []]);
    else if (line.startsWith("|") && out.length > 0) {
      const row = cells(line);
      if (row[0] === "flag" || /^-+$/.test(row[0])) continue;
      out.at(-1)![1].push(row);
    }
  }
  return out;
}

Deno.test("the README's flag tables are the flag definitions", async () => {
  const readme = await Deno.readTextFile(README);
  const region = regionOf(readme, "flags");
  assert(region !== undefined, "README.md has no flags markers");
  const expected = (Object.keys(FLAG_GROUPS) as FlagGroup[])
    .map((g): [string, string[][]] => [
      FLAG_GROUPS[g],
      FLAGS.filter((f) => f.group === g).map(flagCells),
    ])
    .filter(([, rows]) => rows.length > 0);
  const found = readTables(region);
  assertEquals(
    found.map(([label]) => label),
    expected.map(([label]) => label),
    `The README's flag sections differ from the definitions. ${FIX}`,
  );
  for (const [i, [label, rows]] of expected.entries()) {
    assertEquals(
      found[i][1],
      rows,
      `The README's "${label}" table differs from the flag definitions. ${FIX}`,
    );
  }
  // Every flag is somewhere in the README's tables, once.
  const names = found.flatMap(([, rows]) => rows.map((r) => r[0]));
  assertEquals(names.length, FLAGS.length);
});

Deno.test("the README shows what gphotos-sync --help prints", async () => {
  const readme = await Deno.readTextFile(README);
  const region = regionOf(readme, "help");
  assert(region !== undefined, "README.md has no help markers");
  assertEquals(
    region.trim(),
    helpBlock().trim(),
    `The README's --help output is not the program's. ${FIX}`,
  );
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

/** Anchors of a Markdown file's headings (outside code blocks), as GitHub numbers repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Markdown links of `text` outside code: [label](target). */
function links(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

Deno.test("the README's and RELIABILITY.md's own links resolve: anchors to headings, paths to files", async () => {
  const root = dirname(README.pathname);
  for (const doc of ["README.md", "RELIABILITY.md"]) {
    const text = await Deno.readTextFile(join(root, doc));
    const own = anchors(text);
    const broken: string[] = [];
    for (const target of links(text)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split("#");
      if (path === "") {
        if (!own.has(anchor)) broken.push(target);
        continue;
      }
      const file = join(root, dirname(doc), path);
      try {
        await Deno.stat(file);
      } catch {
        broken.push(target);
        continue;
      }
      if (anchor && file.endsWith(".md")) {
        if (!anchors(await Deno.readTextFile(file)).has(anchor)) {
          broken.push(target);
        }
      }
    }
    assertEquals(broken, [], `${doc} has links that lead nowhere`);
  }
});

Deno.test("the link checker knows a broken anchor when it sees one", () => {
  const text =
    "## How new items are found\n\nSee [it](#how-new-items-are-found).\n";
  const own = anchors(text);
  assert(own.has("how-new-items-are-found"));
  assert(!own.has("how-new-items-found"));
  assertEquals(slug("Sync (`deno task bench`)"), "sync-deno-task-bench");
  assertEquals(
    slug("What lands where (the same as gphotos-sync)"),
    "what-lands-where-the-same-as-gphotos-sync",
  );
  assertEquals(links("[a](#x) `[b](#y)` [c](RELIABILITY.md)"), [
    "#x",
    "RELIABILITY.md",
  ]);
});
