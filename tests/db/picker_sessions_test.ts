import assert from "node:assert/strict";
import { LocalData } from "../../src/db/local_data.ts";
import { PickerSessions } from "../../src/db/picker_sessions.ts";
import { writeGphotosIndex } from "./gphotos_fixture.ts";

async function withIndex(fn: (db: LocalData, dir: string) => void) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_picker_db_" });
  try {
    using db = LocalData.open(dir);
    fn(db, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a session moves from waiting to picked to done and --resume finds the newest unfinished", async () => {
  await withIndex((db) => {
    let clock = Date.parse("2026-02-01T10:00:00Z");
    const sessions = new PickerSessions(db, () => new Date(clock));
    sessions.add({
      id: "old",
      pickerUri: "https://photos.google.com/picker/old",
      expireTime: new Date("2026-02-01T11:00:00Z"),
      maxItems: 50,
    });
    clock += 60_000;
    sessions.add({
      id: "new",
      pickerUri: "https://photos.google.com/picker/new",
      albumName: "Holiday",
    });
    assert.equal(sessions.lastUnfinished()?.id, "new");
    sessions.setState("new", "picked", {
      itemCount: 12,
      expireTime: new Date("2026-02-01T11:01:00Z"),
    });
    const rec = sessions.get("new")!;
    assert.equal(rec.state, "picked");
    assert.equal(rec.itemCount, 12);
    assert.equal(rec.albumName, "Holiday");
    assert.equal(rec.expireTime?.toISOString(), "2026-02-01T11:01:00.000Z");
    assert.equal(rec.createTime.toISOString(), "2026-02-01T10:01:00.000Z");
    sessions.setState("new", "done");
    assert.equal(sessions.lastUnfinished()?.id, "old");
    assert.equal(sessions.get("old")?.maxItems, 50);
    sessions.setState("old", "abandoned");
    assert.equal(sessions.lastUnfinished(), undefined);
    assert.deepEqual(sessions.unfinished(), []);
    assert.equal(sessions.get("missing"), undefined);
  });
});

Deno.test("an index written by gphotos-sync gets the PickerSessions table when adopted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_picker_db_" });
  try {
    writeGphotosIndex(dir);
    using db = LocalData.open(dir);
    const sessions = new PickerSessions(db);
    sessions.add({ id: "s", pickerUri: "https://photos.google.com/picker/s" });
    assert.equal(sessions.lastUnfinished()?.state, "waiting");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
