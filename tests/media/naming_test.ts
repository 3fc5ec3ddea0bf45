import { strict as assert } from "node:assert";
import { join } from "node:path";
import {
  cutToBytes,
  fitFileName,
  localFileName,
  originalName,
  pathFits,
  sanitizeFileName,
  splitExtension,
  utf8Length,
  validFileName,
} from "../../src/media/naming.ts";
import { makeFsProfile } from "../../src/fs/fs_profile.ts";

const linux = makeFsProfile();
const ntfs = makeFsProfile({ ntfs: true });
const ascii = makeFsProfile({ unicode: false });
const folded = makeFsProfile({ caseInsensitive: true });

Deno.test("Linux rules replace only slash and control characters", () => {
  assert.equal(validFileName("a/b\x00c\x1fd\x7fe", linux), "a_b_c_d_e");
  assert.equal(
    validFileName('a:b*c?"d<e>f|g\\h,i.jpg', linux),
    'a:b*c?"d<e>f|g\\h,i.jpg',
  );
  assert.equal(validFileName("tab\there.jpg", linux), "tab_here.jpg");
});

Deno.test("trailing blanks are stripped under every rule set", () => {
  assert.equal(validFileName("name.jpg \t ", linux), "name.jpg");
  assert.equal(validFileName("name.jpg \t ", ntfs), "name.jpg");
  // As Python's `$`, which also matches before a final newline.
  assert.equal(validFileName("name \n", linux), "name_");
  assert.equal(validFileName("name \n ", linux), "name _");
});

Deno.test("NTFS rules replace Windows-reserved characters, the comma included", () => {
  assert.equal(
    validFileName('a,b<c>d:e"f/g\\h|i?j*k.jpg', ntfs),
    "a_b_c_d_e_f_g_h_i_j_k.jpg",
  );
  assert.equal(validFileName("ctl\x01\x7f.png", ntfs), "ctl__.png");
});

Deno.test("NTFS rules drop trailing dots and spaces", () => {
  assert.equal(validFileName("name. . .", ntfs), "name");
  assert.equal(validFileName("name.jpg . ", ntfs), "name.jpg");
  assert.equal(validFileName("name. . .", linux), "name. . .");
});

Deno.test("without Unicode support each non-ASCII code point becomes _", () => {
  assert.equal(validFileName("caf\u00e9\u{1F604}.jpg", ascii), "caf__.jpg");
  assert.equal(
    validFileName("caf\u00e9\u{1F604}.jpg", linux),
    "caf\u00e9\u{1F604}.jpg",
  );
});

Deno.test("bidi override characters cannot disguise an extension", () => {
  assert.equal(sanitizeFileName("photo\u202Egpj.exe", linux), "photo_gpj.exe");
  assert.equal(sanitizeFileName("a\u2066b\u2069.jpg", linux), "a_b_.jpg");
  // Plain direction marks stay: they are part of right-to-left names.
  assert.equal(sanitizeFileName("\u05e9\u200f.jpg", linux), "\u05e9\u200f.jpg");
});

Deno.test("a lone UTF-16 surrogate becomes a replacement character", () => {
  assert.equal(sanitizeFileName("a\ud800b.jpg", linux), "a\ufffdb.jpg");
  assert.equal(sanitizeFileName("a\ud800b.jpg", ascii), "a_b.jpg");
});

Deno.test("the name Google gave drops a ' (n)' before the extension", () => {
  assert.equal(originalName("IMG_1234 (1).JPG", linux), "IMG_1234.JPG");
  assert.equal(originalName("IMG (12).jpg", linux), "IMG.jpg");
  assert.equal(originalName("a (1).b (2).jpg", linux), "a (1).b.jpg");
  assert.equal(originalName("IMG(1).jpg", linux), "IMG(1).jpg");
  assert.equal(originalName("IMG (1)", linux), "IMG (1)");
  assert.equal(originalName("IMG (x).jpg", linux), "IMG (x).jpg");
  // Python's \d is any decimal digit, not only 0-9.
  assert.equal(originalName("x (\u0661\u0662).jpg", linux), "x.jpg");
});

Deno.test("case-insensitive filesystems get lower-case media names", () => {
  assert.equal(originalName("IMG_0001.JPG", folded), "img_0001.jpg");
  assert.equal(localFileName("IMG_0001.JPG", 1, folded), "img_0001 (2).jpg");
  assert.equal(originalName("IMG_0001.JPG", linux), "IMG_0001.JPG");
});

Deno.test("duplicate n is named 'stem (n+1).ext' as gphotos-sync did", () => {
  assert.equal(localFileName("IMG.jpg", 0, linux), "IMG.jpg");
  assert.equal(localFileName("IMG.jpg", 1, linux), "IMG (2).jpg");
  assert.equal(localFileName("IMG.jpg", 2, linux), "IMG (3).jpg");
  assert.equal(localFileName("IMG.jpg", 41, linux), "IMG (42).jpg");
  assert.equal(localFileName("archive.tar.gz", 1, linux), "archive.tar (2).gz");
  assert.equal(localFileName("noext", 1, linux), "noext (2)");
  assert.equal(localFileName(".hidden", 1, linux), ".hidden (2)");
  assert.equal(localFileName("dot.", 1, linux), "dot. (2)");
  assert.throws(() => localFileName("IMG.jpg", -1, linux), RangeError);
  assert.throws(() => localFileName("IMG.jpg", 1.5, linux), RangeError);
});

Deno.test("stem and extension split as Python's pathlib did", () => {
  assert.deepEqual(splitExtension("a.tar.gz"), { stem: "a.tar", ext: ".gz" });
  assert.deepEqual(splitExtension(".bashrc"), { stem: ".bashrc", ext: "" });
  assert.deepEqual(splitExtension("a."), { stem: "a.", ext: "" });
  assert.deepEqual(splitExtension("..a"), { stem: ".", ext: ".a" });
  assert.deepEqual(splitExtension("plain"), { stem: "plain", ext: "" });
});

Deno.test("names that would be empty, '.' or '..' become underscores", () => {
  assert.equal(sanitizeFileName("", linux), "_");
  assert.equal(sanitizeFileName("   ", linux), "_");
  assert.equal(sanitizeFileName(".", linux), "_");
  assert.equal(sanitizeFileName("..", linux), "__");
  assert.equal(sanitizeFileName("...", linux), "...");
  assert.equal(sanitizeFileName("...", ntfs), "_");
  assert.equal(sanitizeFileName(". .", ntfs), "_");
  assert.equal(originalName("", linux), "_");
  assert.equal(localFileName("", 1, linux), "_ (2)");
});

Deno.test("path separators in names never make more than one component", () => {
  assert.equal(sanitizeFileName("../../etc/passwd", linux), ".._.._etc_passwd");
  assert.equal(sanitizeFileName("/", linux), "_");
  assert.equal(sanitizeFileName("..\\..\\win.ini", ntfs), ".._.._win.ini");
  assert.equal(sanitizeFileName("a\0b", linux), "a_b");
});

Deno.test("Windows device names get an underscore under NTFS rules only", () => {
  assert.equal(sanitizeFileName("CON.jpg", ntfs), "CON_.jpg");
  assert.equal(sanitizeFileName("nul", ntfs), "nul_");
  assert.equal(sanitizeFileName("com1.tar.gz", ntfs), "com1_.tar.gz");
  assert.equal(sanitizeFileName("console.jpg", ntfs), "console.jpg");
  assert.equal(sanitizeFileName("CON.jpg", linux), "CON.jpg");
});

Deno.test("long names are cut to the byte limit keeping the extension", () => {
  const long = sanitizeFileName("a".repeat(300) + ".jpg", linux);
  assert.equal(long, "a".repeat(251) + ".jpg");
  const longer = sanitizeFileName("b".repeat(1000) + ".mp4", linux);
  assert.equal(utf8Length(longer), 255);
  assert.ok(longer.endsWith(".mp4"));
  const small = makeFsProfile({ maxFilenameBytes: 20 });
  assert.equal(
    sanitizeFileName("abcdefghijklmnopqrstuvwxyz.jpeg", small),
    "abcdefghijklmno.jpeg",
  );
  assert.equal(sanitizeFileName("a".repeat(255), linux), "a".repeat(255));
});

Deno.test("cutting multi-byte names never splits a character", () => {
  const accents = sanitizeFileName("\u00e9".repeat(200) + ".jpg", linux);
  assert.equal(accents, "\u00e9".repeat(125) + ".jpg");
  assert.equal(utf8Length(accents), 254);

  const emoji = sanitizeFileName("\u{1F604}".repeat(100) + ".jpg", linux);
  assert.equal(emoji, "\u{1F604}".repeat(62) + ".jpg");
  assert.ok(emoji.isWellFormed());

  // "e" + combining acute: the cut falls between the pairs, not inside.
  const combining = sanitizeFileName("e\u0301".repeat(100) + ".jpg", linux);
  assert.equal(combining, "e\u0301".repeat(83) + ".jpg");

  const family = "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}"; // 18 bytes
  assert.equal(cutToBytes(family.repeat(3), 40), family.repeat(2));
  // One cluster bigger than the budget falls back to code points.
  assert.equal(cutToBytes(family, 5), "\u{1F468}");
  assert.equal(cutToBytes("abc", 0), "");
});

Deno.test("an implausibly long extension is cut like the rest of the name", () => {
  const name = sanitizeFileName("a." + "b".repeat(300), linux);
  assert.equal(name, "a." + "b".repeat(253));
});

Deno.test("a cut that ends in a dot or blank is tidied for the rule set", () => {
  const tiny = { maxFilenameBytes: 4 };
  assert.equal(fitFileName("ab. cd", { ...tiny, ntfs: true }), "ab");
  assert.equal(fitFileName("ab. cd", { ...tiny, ntfs: false }), "ab.");
  assert.equal(fitFileName(".. cd", { maxFilenameBytes: 3, ntfs: false }), "_");
});

Deno.test("a duplicate of a name at the limit cuts the stem, not the number", () => {
  const orig = "a".repeat(251) + ".jpg";
  assert.equal(localFileName(orig, 0, linux), orig);
  const dup = localFileName(orig, 1, linux);
  assert.equal(dup, "a".repeat(247) + " (2).jpg");
  assert.equal(utf8Length(dup), 255);
  const multi = localFileName("\u00e9".repeat(125) + ".jpg", 9, linux);
  assert.equal(multi, "\u00e9".repeat(123) + " (10).jpg");
});

Deno.test("path length guard counts UTF-8 bytes", () => {
  const profile = makeFsProfile({ maxPathBytes: 10 });
  assert.equal(pathFits("/a/b/c.jpg", profile), true);
  assert.equal(pathFits("/a/b/\u00e9.jpg", profile), false);
});

const HOSTILE = [
  "",
  ".",
  "..",
  "...",
  "/",
  "//",
  "\\",
  "..\\..",
  "../../../etc/passwd",
  "/etc/passwd",
  "a\0b",
  "\0",
  "\x01\x02\x03",
  "\n",
  " ",
  ". ",
  " .",
  "\u202e",
  "photo\u202egpj.exe",
  "\ud800",
  "CON",
  "a".repeat(300),
  "\u00e9".repeat(300),
  "\u{1F604}".repeat(300) + ".jpg",
  "x".repeat(1000) + "." + "y".repeat(1000),
  "e\u0301".repeat(500),
];

Deno.test("hostile names always give one safe, creatable path component", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const profile of [linux, ntfs, ascii, folded]) {
      for (const raw of HOSTILE) {
        for (
          const name of [
            sanitizeFileName(raw, profile),
            originalName(raw, profile),
            localFileName(raw, 3, profile),
          ]
        ) {
          const label = `${JSON.stringify(raw)} -> ${JSON.stringify(name)}`;
          assert.ok(name !== "" && name !== "." && name !== "..", label);
          assert.ok(!name.includes("/"), label);
          assert.ok(
            [...name].every((c) => c.charCodeAt(0) > 0x1f && c !== "\x7f"),
            label,
          );
          assert.ok(name.isWellFormed(), label);
          assert.ok(utf8Length(name) <= profile.maxFilenameBytes, label);
          if (profile.ntfs) {
            assert.ok(!/[\\:*?"<>|,]/.test(name), label);
            assert.ok(!/[ .]$/.test(name), label);
          }
          if (!profile.unicode) {
            assert.ok([...name].every((c) => c.charCodeAt(0) < 0x80), label);
          }
          // The real filesystem takes it, as exactly one entry.
          await Deno.writeFile(join(dir, name), new Uint8Array());
          const entries = await Array.fromAsync(Deno.readDir(dir));
          assert.deepEqual(entries.map((e) => e.name), [name], label);
          assert.ok(entries[0].isFile, label);
          await Deno.remove(join(dir, name));
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
