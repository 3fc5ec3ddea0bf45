// The floor plan of src/, read from the folders' own README.md files: each
// says what its folder may import ("May import: ..."), and these tests hold
// every import of every module to it. So the tree, read top-down, stays the
// flow sources -> backup -> index and disk, and no module reaches up.

import { dirname, join, relative } from "node:path";
import { assert, assertEquals } from "./assert.ts";

const SRC = new URL("../src/", import.meta.url).pathname;
/** The roof: they wire everything together. */
const TOP = new Set(["main.ts", "program.ts"]);
/** The ground floor: imported from everywhere, importing only each other. */
const GROUND = new Set(["log.ts", "errors.ts", "options.ts"]);

async function modules(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) await modules(path, out);
    else if (e.name.endsWith(".ts")) out.push(relative(SRC, path));
  }
  return out.sort();
}

/** Every relative module a file imports (static, type-only or dynamic). */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const re =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+\.ts)["']/g;
  for (const m of text.matchAll(re)) found.push(m[1]);
  return found;
}

async function allowedBy(folder: string): Promise<Set<string>> {
  const readme = await Deno.readTextFile(join(SRC, folder, "README.md"));
  // The paragraph that starts "May import:" (a formatter may wrap it).
  const line = readme.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, " "))
    .find((p) => p.startsWith("May import:"));
  assert(line, `src/${folder}/README.md has no "May import:" paragraph`);
  const list = line.slice("May import:".length).trim().replace(/\(.*\)/, "")
    .replace(/\.$/, "").split(",").map((s) => s.trim())
    .filter((s) => s !== "" && s !== "nothing");
  return new Set(list);
}

Deno.test("every folder of src/ says what it holds and what it may import, and every import keeps to it", async () => {
  const files = await modules(SRC);
  const folders = [...new Set(files.map((f) => dirname(f)))]
    .filter((f) => f !== ".");
  const allowed = new Map<string, Set<string>>();
  for (const folder of folders) {
    assert(!folder.includes("/"), `src/${folder}: one level of folders`);
    allowed.set(folder, await allowedBy(folder));
  }
  // The folders a folder names exist.
  for (const [folder, names] of allowed) {
    for (const n of names) {
      assert(allowed.has(n), `src/${folder}/README.md names unknown ${n}`);
    }
  }
  const wrong: string[] = [];
  for (const file of files) {
    const from = dirname(file);
    const text = await Deno.readTextFile(join(SRC, file));
    for (const spec of importsOf(text)) {
      const target = relative(SRC, join(SRC, from, spec));
      const to = dirname(target);
      if (from === ".") {
        if (TOP.has(file)) continue;
        assert(
          GROUND.has(file),
          `src/${file}: not a file of the roof or the ground floor`,
        );
        if (to === "." || to === "text") continue;
        wrong.push(
          `${file} -> ${target} (the ground floor imports only itself and text)`,
        );
        continue;
      }
      if (to === from) continue;
      if (to === ".") {
        if (GROUND.has(target)) continue;
        wrong.push(`${file} -> ${target} (the roof)`);
        continue;
      }
      if (!allowed.get(from)!.has(to)) {
        wrong.push(
          `${file} -> ${target} (src/${from} may not import src/${to})`,
        );
      }
    }
  }
  assertEquals(wrong, [], "imports that reach up or across");
});

Deno.test("the floor plan has no cycle: a folder never imports one that may import it", async () => {
  const files = await modules(SRC);
  const folders = [...new Set(files.map((f) => dirname(f)))]
    .filter((f) => f !== ".");
  const allowed = new Map<string, Set<string>>();
  for (const f of folders) allowed.set(f, await allowedBy(f));
  // Depth-first: a folder met again on the way down closes a cycle.
  const done = new Set<string>();
  const visit = (folder: string, path: string[]) => {
    assert(
      !path.includes(folder),
      `a cycle: ${[...path, folder].map((f) => `src/${f}`).join(" -> ")}`,
    );
    if (done.has(folder)) return;
    for (const next of allowed.get(folder)!) visit(next, [...path, folder]);
    done.add(folder);
  };
  for (const folder of allowed.keys()) visit(folder, []);
});
