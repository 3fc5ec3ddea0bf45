import { assertEquals } from "../assert.ts";
import {
  entryKey,
  parentKey,
  safeEntryPath,
} from "../../src/archive/entry_path.ts";

const refused = (name: string) => {
  const result = safeEntryPath(name);
  return result.ok ? undefined : result.reason;
};

Deno.test("safeEntryPath splits a plain name into its segments", () => {
  assertEquals(
    safeEntryPath("Takeout/Google Photos/Photos from 2023/a.jpg"),
    {
      ok: true,
      segments: ["Takeout", "Google Photos", "Photos from 2023", "a.jpg"],
    },
  );
  assertEquals(safeEntryPath("./Takeout//a.jpg"), {
    ok: true,
    segments: ["Takeout", "a.jpg"],
  });
  assertEquals(safeEntryPath("Takeout/dir/"), {
    ok: true,
    segments: ["Takeout", "dir"],
  });
});

Deno.test("safeEntryPath treats backslashes as separators", () => {
  assertEquals(safeEntryPath("Takeout\\Google Photos\\a.jpg"), {
    ok: true,
    segments: ["Takeout", "Google Photos", "a.jpg"],
  });
  assertEquals(
    refused("Takeout\\..\\..\\evil"),
    "it climbs out of the archive with '..'",
  );
});

Deno.test("safeEntryPath refuses '..', absolute paths, drive letters, NUL and empty names", () => {
  assertEquals(refused("../x"), "it climbs out of the archive with '..'");
  assertEquals(refused("a/../../x"), "it climbs out of the archive with '..'");
  assertEquals(refused("a/.."), "it climbs out of the archive with '..'");
  assertEquals(refused("/etc/passwd"), "it is an absolute path");
  assertEquals(refused("\\\\server\\share\\x"), "it is an absolute path");
  assertEquals(refused("C:\\Windows\\x"), "it starts with a drive letter");
  assertEquals(refused("c:x"), "it starts with a drive letter");
  assertEquals(refused("a\0b"), "it contains a NUL character");
  assertEquals(refused(""), "it is empty");
  assertEquals(refused("./"), "it is empty");
  // Dots inside a name are no escape.
  assertEquals(refused("a/..b/c..d"), undefined);
});

Deno.test("entryKey folds NFD to NFC, separators and trailing slashes", () => {
  const nfd = "Takeout/Google Photos/Cafe\u0301.jpg";
  const nfc = "Takeout/Google Photos/Caf\u00e9.jpg";
  assertEquals(entryKey(nfd), nfc);
  assertEquals(entryKey("./Takeout\\Google Photos\\"), "Takeout/Google Photos");
  assertEquals(entryKey("Takeout//a.jpg"), "Takeout/a.jpg");
  assertEquals(
    parentKey("Takeout/Google Photos/a.jpg"),
    "Takeout/Google Photos",
  );
  assertEquals(parentKey("a.jpg"), "");
});
