// The same upload through two sources: which names are one upload's, and
// which record a new API item becomes; where the items a source stages
// before recording them go.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { makeFsProfile } from "../../src/fs/fs_profile.ts";
import type { MediaRecord } from "../../src/media/record.ts";
import {
  adoptSameUpload,
  type DuplicateRank,
  findSameUpload,
  sameUploadName,
  StagedPlacements,
} from "../../src/backup/placement.ts";

Deno.test("upload names are the same in NFC and NFD, and without the extension Takeout adds", () => {
  assert(sameUploadName("Café.jpg", "Café.jpg".normalize("NFD"), false));
  assert(
    sameUploadName("Peanut Butter Balls", "Peanut Butter Balls.jpg", false),
  );
  assert(sameUploadName("20030616.jpg", "20030616", false));
  assert(sameUploadName("IMG_1.JPG", "img_1.jpg", true));
  assert(!sameUploadName("IMG_1.JPG", "img_1.jpg", false));
  assert(!sameUploadName("IMG_1.jpg", "IMG_1.png", false));
  assert(!sameUploadName("IMG_1", "IMG_12.jpg", false));
  assert(
    !sameUploadName("a.jpg", "a.jpg.png", false),
    "a.jpg had an extension",
  );
});

Deno.test("an API item finds the Takeout record of its upload and takes its id; borrowed and other-source records are never found", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gphotos-placement-" });
  try {
    const profile = makeFsProfile();
    const db = LocalData.open(dir);
    try {
      const taken = new Date("2023-02-03T04:05:06Z");
      const row = (
        remoteId: string,
        name: string,
        source: "takeout" | "library",
      ) =>
        db.insertItem({
          remoteId,
          source,
          path: "photos/2023/02",
          fileName: name,
          origFileName: name,
          duplicateNo: 0,
          mimeType: "image/jpeg",
          description: "",
          createDate: taken,
          isVideo: false,
          downloaded: true,
        });
      row("takeout:edit", "Café-edited.jpg", "takeout");
      db.putItemExtras("takeout:edit", {
        people: [],
        favorite: false,
        archived: false,
        trashed: false,
        matchedBy: "edited",
      });
      row("takeout:cafe", "Café.jpg", "takeout");
      const record = {
        remoteId: "api-cafe",
        source: "library" as const,
        filename: "Café.jpg".normalize("NFD"),
        mimeType: "image/jpeg",
        description: "",
        createTime: taken,
        isVideo: false,
      };
      assertEquals(
        findSameUpload(db, "Café-edited.jpg", taken, profile),
        undefined,
        "an edit is not its original's upload",
      );
      assertEquals(adoptSameUpload(db, record, profile)?.remoteId, "api-cafe");
      assertEquals(db.getItem("takeout:cafe"), undefined);
      // Another API id of the same name is another item.
      assertEquals(
        adoptSameUpload(db, { ...record, remoteId: "api-other" }, profile),
        undefined,
      );
      assertEquals(
        findSameUpload(
          db,
          "Café.jpg",
          new Date("1900-01-01T00:00:00Z"),
          profile,
        ),
        undefined,
        "no capture date is no evidence",
      );
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A record of `name` taken at `iso` (Takeout's key as its id). */
function recordOf(id: string, name: string, iso: string): MediaRecord {
  return {
    remoteId: id,
    source: "takeout",
    filename: name,
    mimeType: "image/jpeg",
    description: "",
    createTime: new Date(iso),
    isVideo: false,
  };
}

/** A backup root with its index, for staged placements. */
async function withPlacements(
  fn: (
    places: StagedPlacements,
    db: LocalData,
    root: string,
  ) => Promise<void> | void,
) {
  const root = await Deno.makeTempDir({ prefix: "gphotos-placement-" });
  const db = LocalData.open(root);
  try {
    const layout = { root, photosPath: "photos", useFlatPath: false };
    await fn(new StagedPlacements(db, makeFsProfile(), layout), db, root);
  } finally {
    db.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("staged items of one name hold their numbers until recorded; a released number is taken again", async () => {
  await withPlacements((places) => {
    const at = "2020-01-05T00:00:00Z";
    const a = places.place(
      recordOf("a", "IMG.jpg", at),
      10,
      undefined,
      undefined,
    );
    const b = places.place(
      recordOf("b", "IMG.jpg", at),
      10,
      undefined,
      undefined,
    );
    assertEquals(a.placement.path, "photos/2020/01");
    assertEquals(
      [a.placement.fileName, b.placement.fileName],
      ["IMG.jpg", "IMG (2).jpg"],
    );
    // b not stored after all (identical bytes): its number is free again.
    b.release();
    const c = places.place(
      recordOf("c", "IMG.jpg", at),
      10,
      undefined,
      undefined,
    );
    assertEquals(c.placement.duplicateNo, 1);
  });
});

Deno.test("a file the index does not know at a name is never written over; one of the entry's size is taken for its own", async () => {
  await withPlacements(async (places, _db, root) => {
    const folder = join(root, "photos/2020/01");
    await Deno.mkdir(folder, { recursive: true });
    // Put there by hand: another size than the entry.
    await Deno.writeFile(join(folder, "IMG.jpg"), new Uint8Array(3));
    const at = "2020-01-05T00:00:00Z";
    const a = places.place(
      recordOf("a", "IMG.jpg", at),
      10,
      undefined,
      undefined,
    );
    assertEquals(a.placement.fileName, "IMG (2).jpg");
    // Renamed by a run stopped before it recorded it: the entry's size.
    await Deno.writeFile(join(folder, "PIC.jpg"), new Uint8Array(10));
    const p = places.place(
      recordOf("p", "PIC.jpg", at),
      10,
      undefined,
      undefined,
    );
    assertEquals(p.placement.fileName, "PIC.jpg");
  });
});

Deno.test("ranked items take a block of numbers in their rank's order, whatever order they come in", async () => {
  await withPlacements(async (places, _db, root) => {
    const at = "2020-01-05T00:00:00Z";
    const rank = (r: number): DuplicateRank => ({ rank: r, of: 3, free() {} });
    const third = places.place(
      recordOf("c", "IMG.jpg", at),
      10,
      undefined,
      rank(2),
    );
    const first = places.place(
      recordOf("a", "IMG.jpg", at),
      10,
      undefined,
      rank(0),
    );
    const other = places.place(
      recordOf("x", "IMG.jpg", at),
      10,
      undefined,
      undefined,
    );
    assertEquals(
      [first, third, other].map((p) => p.placement.duplicateNo),
      [0, 2, 3],
    );
    // A file put by hand inside the block of another name: those items
    // are numbered as they come, around it.
    const folder = join(root, "photos/2020/01");
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeFile(join(folder, "DSC (2).jpg"), new Uint8Array(3));
    let freed = 0;
    const ranked = (r: number): DuplicateRank => ({
      rank: r,
      of: 2,
      free: () => freed++,
    });
    const d1 = places.place(
      recordOf("d1", "DSC.jpg", at),
      10,
      undefined,
      ranked(1),
    );
    const d0 = places.place(
      recordOf("d0", "DSC.jpg", at),
      10,
      undefined,
      ranked(0),
    );
    assertEquals([d1, d0].map((p) => p.placement.duplicateNo), [0, 2]);
    assertEquals(freed, 2);
  });
});

Deno.test("an edited copy goes beside its original, dated as it, while the original is staged and once it is recorded", async () => {
  await withPlacements((places, db) => {
    const original = places.place(
      recordOf("o", "IMG.jpg", "2019-12-31T23:00:00Z"),
      10,
      undefined,
      undefined,
    );
    places.staged("o", {
      path: original.placement.path,
      createDate: new Date("2019-12-31T23:00:00Z"),
    });
    const edit = recordOf("e", "IMG-edited.jpg", "2020-02-01T00:00:00Z");
    const placed = places.place(edit, 10, places.placeOf("o"), undefined);
    assertEquals(placed.placement.path, "photos/2019/12");
    assertEquals(edit.createTime.toISOString(), "2019-12-31T23:00:00.000Z");
    // Recorded: the index answers for it.
    db.insertItem({
      ...original.placement,
      source: "takeout",
      mimeType: "image/jpeg",
      description: "",
      createDate: new Date("2019-12-31T23:00:00Z"),
      isVideo: false,
      downloaded: true,
    });
    places.forget("o");
    assert(!places.isStaged("o"));
    assertEquals(places.placeOf("o")?.path, "photos/2019/12");
    assertEquals(places.placeOf("nothing"), undefined);
  });
});
