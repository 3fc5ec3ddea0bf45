import { assertEquals } from "../assert.ts";
import { silentLogger } from "../../src/log.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { probeFsProfile } from "../../src/fs/fs_profile.ts";
import type { PickedMediaItem } from "../../src/google/picker.ts";
import { fileInAlbum, pickerAlbumId } from "../../src/picker/album.ts";
import { indexPicked } from "../../src/picker/index.ts";

function picked(
  id: string,
  filename: string,
  createTime: string,
  video = false,
): PickedMediaItem {
  return {
    id,
    createTime,
    type: video ? "VIDEO" : "PHOTO",
    mediaFile: {
      baseUrl: `https://lh3.example/${id}`,
      mimeType: video ? "video/mp4" : "image/jpeg",
      filename,
      mediaFileMetadata: video
        ? { width: 1920, height: 1080, videoMetadata: { fps: 30 } }
        : { width: 4000, height: 3000, cameraMake: "Pixel" },
    },
  };
}

async function withIndex(
  fn: (
    db: LocalData,
    profile: Awaited<ReturnType<typeof probeFsProfile>>,
  ) => void,
) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_pick_index_" });
  try {
    const profile = await probeFsProfile(dir, {
      ntfs: false,
      caseInsensitiveFs: false,
      maxFilename: 0,
    }, { logger: silentLogger });
    using db = LocalData.open(dir);
    fn(db, profile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const layout = { photosPath: "photos", useFlatPath: false, skipVideo: false };

Deno.test("picked items are placed like sync's, numbered as duplicates, and recorded with their session", async () => {
  await withIndex((db, profile) => {
    const deps = { db, profile, logger: silentLogger };
    const plan = indexPicked(
      [
        picked("a", "IMG_1.JPG", "2017-09-26T15:29:44Z"),
        picked("b", "IMG_1.JPG", "2017-09-27T10:00:00Z"),
        picked("v", "clip.mp4", "2020-01-02T03:04:05Z", true),
        picked("a", "IMG_1.JPG", "2017-09-26T15:29:44Z"),
      ],
      "session-1",
      layout,
      deps,
    );
    assertEquals(plan.listed, 4);
    assertEquals(plan.added, 3);
    assertEquals(plan.toFetch.map((e) => e.item.remoteId), ["a", "b", "v"]);
    assertEquals(plan.members, ["a", "b", "v"]);
    const a = db.getItem("a")!;
    assertEquals(`${a.path}/${a.fileName}`, "photos/2017/09/IMG_1.JPG");
    assertEquals(db.getItem("b")!.fileName, "IMG_1 (2).JPG");
    assertEquals(a.source, "picker");
    assertEquals(a.sourceRef, "session-1");
    assertEquals(a.description, "");
    assertEquals(a.cameraMake, "Pixel");
    assertEquals(db.getItem("v")!.isVideo, true);
  });
});

Deno.test("items already backed up are not fetched again, whether by id or by name and capture time", async () => {
  await withIndex((db, profile) => {
    const deps = { db, profile, logger: silentLogger };
    db.insertItem({
      remoteId: "takeout:IMG_9.JPG",
      source: "takeout",
      path: "photos/2018/01",
      fileName: "IMG_9.JPG",
      origFileName: "IMG_9.JPG",
      duplicateNo: 0,
      mimeType: "image/jpeg",
      description: "",
      createDate: new Date("2018-01-05T10:00:00Z"),
      isVideo: false,
      downloaded: true,
    });
    indexPicked(
      [picked("x", "x.jpg", "2019-01-01T00:00:00Z")],
      "s1",
      layout,
      deps,
    );
    db.markDownloaded("x", 10);
    indexPicked(
      [picked("y", "y.jpg", "2019-01-02T00:00:00Z")],
      "s1",
      layout,
      deps,
    );
    const plan = indexPicked(
      [
        picked("x", "x.jpg", "2019-01-01T00:00:00Z"),
        picked("other-id", "IMG_9.JPG", "2018-01-05T10:00:00Z"),
        picked("y", "y.jpg", "2019-01-02T00:00:00Z"),
      ],
      "s2",
      layout,
      deps,
    );
    assertEquals(plan.added, 0);
    assertEquals(plan.alreadyBackedUp, 2);
    assertEquals(plan.toFetch.map((e) => e.item.remoteId), ["y"]);
    // The Takeout import's record of the same upload takes the picked id:
    // one record, its file left as it is.
    assertEquals(plan.members, ["x", "other-id", "y"]);
    assertEquals(db.getItem("takeout:IMG_9.JPG"), undefined);
    const adopted = db.getItem("other-id")!;
    assertEquals(
      [adopted.source, adopted.path, adopted.fileName, adopted.downloaded],
      ["takeout", "photos/2018/01", "IMG_9.JPG", true],
    );
    // A picker row not downloaded yet now belongs to the newer session.
    assertEquals(db.getItem("y")!.sourceRef, "s2");
    assertEquals(db.getItem("x")!.sourceRef, "s1");
  });
});

Deno.test("--skip-video leaves picked videos out of the index", async () => {
  await withIndex((db, profile) => {
    const plan = indexPicked(
      [
        picked("p", "p.jpg", "2019-01-01T00:00:00Z"),
        picked("v", "v.mp4", "2019-01-01T00:00:01Z", true),
      ],
      "s",
      { ...layout, skipVideo: true },
      {
        db,
        profile,
        logger: silentLogger,
      },
    );
    assertEquals(plan.skippedVideos, 1);
    assertEquals(plan.members, ["p"]);
    assertEquals(db.getItem("v"), undefined);
  });
});

Deno.test("an album from picks keeps its members' places and is dated by them", async () => {
  await withIndex((db, profile) => {
    const deps = { db, profile, logger: silentLogger };
    const plan = indexPicked(
      [
        picked("b", "b.jpg", "2023-07-02T00:00:00Z"),
        picked("a", "a.jpg", "2023-07-01T00:00:00Z"),
      ],
      "s",
      layout,
      deps,
    );
    const first = fileInAlbum(db, "Trip", plan.members);
    assertEquals(first, { albumId: "picker-album:Trip", items: 2, added: 2 });
    const more = indexPicked(
      [
        picked("c", "c.jpg", "2023-07-05T00:00:00Z"),
        picked("a", "a.jpg", "2023-07-01T00:00:00Z"),
      ],
      "s2",
      layout,
      deps,
    );
    assertEquals(fileInAlbum(db, "Trip", more.members).added, 1);
    const files = db.albumFiles(pickerAlbumId("Trip"));
    assertEquals(
      files.map((f) => [f.position, f.item.remoteId]),
      [[0, "b"], [1, "a"], [2, "c"]],
    );
    const album = db.getAlbum("picker-album:Trip")!;
    assertEquals(album.albumName, "Trip");
    assertEquals(album.size, 3);
    assertEquals(album.isShared, false);
    assertEquals(album.startDate?.toISOString(), "2023-07-01T00:00:00.000Z");
    assertEquals(album.endDate?.toISOString(), "2023-07-05T00:00:00.000Z");
  });
});
