import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { writeStreamInto } from "../../src/fs/atomic_write.ts";
import { KnownFolders } from "../../src/fs/known_folders.ts";
import { UnsafePathError } from "../../src/fs/fs_errors.ts";
import { withRoot } from "./root_fixture.ts";

const bytes = (text: string) =>
  ReadableStream.from([new TextEncoder().encode(text)]);

async function write(folders: KnownFolders, rel: string, name: string) {
  const folder = await folders.folder(rel);
  return await writeStreamInto(folder, name, bytes(name), { sync: false });
}

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("folders are made on the way down from ROOT and files land in them", () =>
  withRoot(async (root) => {
    const folders = new KnownFolders(root);
    await write(folders, "photos/2024/05", "a.jpg");
    await write(folders, "photos/2024/05", "b.jpg");
    await write(folders, "photos/2023/01", "c.jpg");
    assertEquals(names(join(root, "photos/2024/05")), ["a.jpg", "b.jpg"]);
    assertEquals(names(join(root, "photos/2023/01")), ["c.jpg"]);
    const known = await folders.folder("photos/2024/05");
    assert(known.names.has("a.jpg"), "a file written is known by name");
  }));

Deno.test("a folder's names are listed when it is first looked at", () =>
  withRoot(async (root) => {
    await Deno.mkdir(join(root, "photos/2024/05"), { recursive: true });
    await Deno.writeTextFile(join(root, "photos/2024/05/old.jpg"), "x");
    const folders = new KnownFolders(root);
    const known = await folders.folder("photos/2024/05");
    assertEquals([...known.names], ["old.jpg"]);
    assert(known.existing !== undefined);
    const missing = await folders.folder("photos/1999/01");
    assertEquals(missing.names.size, 0);
    assertEquals(missing.existing, undefined);
  }));

Deno.test("a folder planted as a link out of ROOT is refused, and nothing is written outside", () =>
  withRoot(async (root, outside) => {
    await Deno.mkdir(join(root, "photos"));
    await Deno.symlink(outside, join(root, "photos/2024"));
    const folders = new KnownFolders(root);
    const err = await rejects(write(folders, "photos/2024/05", "a.jpg"));
    assert(err instanceof UnsafePathError, String(err));
    assertEquals(names(outside), []);
  }));

Deno.test("a link inside ROOT to a folder inside ROOT is followed", () =>
  withRoot(async (root) => {
    await Deno.mkdir(join(root, "elsewhere/05"), { recursive: true });
    await Deno.mkdir(join(root, "photos"));
    await Deno.symlink(join(root, "elsewhere"), join(root, "photos/2024"));
    const folders = new KnownFolders(root);
    await write(folders, "photos/2024/05", "a.jpg");
    assertEquals(names(join(root, "elsewhere/05")), ["a.jpg"]);
  }));

Deno.test("a folder swapped for a link out of ROOT after it was checked is refused before anything is created there", () =>
  withRoot(async (root, outside) => {
    const folders = new KnownFolders(root);
    await write(folders, "photos/2024/05", "a.jpg");
    // Someone with write access to ROOT replaces the checked folder.
    await Deno.rename(join(root, "photos/2024"), join(root, "moved"));
    await Deno.mkdir(join(outside, "05"));
    await Deno.symlink(outside, join(root, "photos/2024"));
    const err = await rejects(write(folders, "photos/2024/05", "b.jpg"));
    assert(err instanceof UnsafePathError, String(err));
    assertEquals(names(join(outside, "05")), []);
  }));

Deno.test("a folder swapped while a file is written is refused at the rename: the file is not kept", () =>
  withRoot(async (root, outside) => {
    const folders = new KnownFolders(root);
    const folder = await folders.folder("photos/2024/05");
    await Deno.mkdir(join(outside, "05"));
    const swapping = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("first half "));
      },
      pull(controller) {
        // The temp file exists by now; the folder is swapped under it.
        Deno.renameSync(join(root, "photos/2024"), join(root, "moved"));
        Deno.symlinkSync(outside, join(root, "photos/2024"));
        controller.enqueue(new TextEncoder().encode("second half"));
        controller.close();
      },
    });
    const err = await rejects(
      writeStreamInto(folder, "b.jpg", swapping, { sync: false }),
    );
    assert(err instanceof UnsafePathError, String(err));
    assertEquals(names(join(outside, "05")), []);
    // The folder moved away keeps no file under the name either.
    assertEquals(
      names(join(root, "moved/05")).filter((n) => n === "b.jpg"),
      [],
    );
  }));

Deno.test("a folder removed during the run is looked at again and made again", () =>
  withRoot(async (root) => {
    const folders = new KnownFolders(root);
    await write(folders, "photos/2024/05", "a.jpg");
    await Deno.remove(join(root, "photos"), { recursive: true });
    await write(folders, "photos/2024/05", "b.jpg");
    assertEquals(names(join(root, "photos/2024/05")), ["b.jpg"]);
  }));

Deno.test("a file in the way of a folder is a disk error naming it", () =>
  withRoot(async (root) => {
    await Deno.mkdir(join(root, "photos"));
    await Deno.writeTextFile(join(root, "photos/2024"), "not a folder");
    const folders = new KnownFolders(root);
    const err = await rejects(write(folders, "photos/2024/05", "a.jpg"));
    assertEquals(err.name, "DiskError");
    assert(err.message.includes("photos/2024"), err.message);
  }));

Deno.test("names that are not one plain name are refused", () =>
  withRoot(async (root) => {
    const folders = new KnownFolders(root);
    for (const bad of ["", ".", "..", "a/b", "a\0b"]) {
      const err = await rejects(write(folders, "photos", bad));
      assert(err instanceof UnsafePathError, `${bad}: ${err}`);
    }
    for (const bad of ["../x", "/etc", "a/../../b"]) {
      const err = await rejects(folders.folder(bad));
      assert(err instanceof UnsafePathError, `${bad}: ${err}`);
    }
  }));
