import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { FolderReader } from "../../src/archive/folder_reader.ts";
import { ArchiveError } from "../../src/archive/archive_errors.ts";
import { readAll, readText, run, withTempDir } from "./archive_builder.ts";

const enc = new TextEncoder();
const photo = (n: number) => enc.encode(`jpeg bytes ${n} `.repeat(200));

/** An unpacked export with a link out of it and a fifo. */
async function makeFolder(dir: string): Promise<string> {
  const root = join(dir, "export");
  const year = join(root, "Takeout", "Google Photos", "Photos from 2023");
  await Deno.mkdir(year, { recursive: true });
  await Deno.writeFile(join(year, "a.jpg"), photo(1));
  await Deno.writeTextFile(join(year, "a.jpg.json"), '{"title":"a.jpg"}');
  await Deno.writeFile(join(year, "Cafe\u0301.jpg"), photo(2));
  await Deno.utime(join(year, "a.jpg"), 1696574349, 1696574349);
  const outside = join(dir, "outside");
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
  await Deno.symlink(outside, join(year, "escape"));
  await run(year, "mkfifo", ["pipe"]);
  return root;
}

Deno.test("a folder is listed like an archive, links reported and not followed", () =>
  withTempDir(async (dir) => {
    const root = await makeFolder(dir);
    const reader = await FolderReader.open(root);
    const { entries, problems, format } = await reader.list();
    assertEquals(problems, []);
    assertEquals(format, "folder");
    const year = "Takeout/Google Photos/Photos from 2023/";
    assertEquals(entries.map((e) => [e.name, e.kind, e.size]), [
      ["Takeout/", "dir", 0],
      ["Takeout/Google Photos/", "dir", 0],
      [year, "dir", 0],
      [`${year}Cafe\u0301.jpg`, "file", photo(2).length],
      [`${year}a.jpg`, "file", photo(1).length],
      [`${year}a.jpg.json`, "file", 17],
      [`${year}escape`, "symlink", 0],
      [`${year}pipe`, "other", 0],
    ]);
    assertEquals(entries[4].mtime?.getTime(), 1696574349000);
    assertEquals(entries[6].linkTarget, join(dir, "outside"));
    assertEquals(entries.some((e) => e.name.includes("secret")), false);
    assertEquals(entries.map((e) => e.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  }));

Deno.test("folder entries stream their bytes; a link streams its target, a fifo nothing", () =>
  withTempDir(async (dir) => {
    const root = await makeFolder(dir);
    const reader = await FolderReader.open(root);
    const { entries } = await reader.list();
    assertEquals(await readAll(reader.open(entries[3])), photo(2));
    assertEquals(await readText(reader.open(entries[6])), join(dir, "outside"));
    assertEquals((await readAll(reader.open(entries[7]))).length, 0);
    const files: string[] = [];
    for await (
      const { entry, body } of reader.entries({
        want: (e) => e.kind === "file",
      })
    ) {
      files.push(entry.name);
      await readAll(body);
    }
    assertEquals(files.length, 3);
  }));

Deno.test("a file swapped for a link after the listing is refused when read", () =>
  withTempDir(async (dir) => {
    const root = await makeFolder(dir);
    const reader = await FolderReader.open(root);
    const { entries } = await reader.list();
    const a = entries[4];
    const path = join(root, ...a.name.split("/"));
    await Deno.remove(path);
    await Deno.symlink(join(dir, "outside", "secret.txt"), path);
    const err = await assertRejects(
      () => readAll(reader.open(a)),
      ArchiveError,
    );
    assertEquals([err.part, err.entry], [root, a.name]);
  }));

Deno.test("a file that changed size since the listing fails its stream", () =>
  withTempDir(async (dir) => {
    const root = await makeFolder(dir);
    const reader = await FolderReader.open(root);
    const { entries } = await reader.list();
    await Deno.writeTextFile(join(root, ...entries[5].name.split("/")), "{}");
    await assertRejects(() => readAll(reader.open(entries[5])), ArchiveError);
  }));

Deno.test("the folder listing collects small sidecars' content", () =>
  withTempDir(async (dir) => {
    const root = await makeFolder(dir);
    const { entries } = await (await FolderReader.open(root)).list({
      collect: (e) => e.name.endsWith(".json"),
    });
    const json = entries.find((e) => e.name.endsWith(".json"));
    assert(json?.content);
    assertEquals(new TextDecoder().decode(json.content), '{"title":"a.jpg"}');
    assertEquals(entries.filter((e) => e.content).length, 1);
  }));

Deno.test("a path that is not a folder is refused", () =>
  withTempDir(async (dir) => {
    const file = join(dir, "file.txt");
    await Deno.writeTextFile(file, "x");
    await assertRejects(() => FolderReader.open(file), ArchiveError);
  }));
