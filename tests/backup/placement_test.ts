// The same upload through two sources: which names are one upload's, and
// which record a new API item becomes.

import { assert, assertEquals } from "../assert.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { makeFsProfile } from "../../src/fs/fs_profile.ts";
import {
  adoptSameUpload,
  findSameUpload,
  sameUploadName,
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
