import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  appliedMigrations,
  applyPendingMigrations,
  LATEST_MIGRATION,
  MIGRATIONS,
} from "../../src/db/migrations.ts";
import { writeGphotosIndex } from "./gphotos_fixture.ts";

function schemaText(db: DatabaseSync): string {
  return db.prepare(
    "SELECT group_concat(sql, ';') AS s FROM (SELECT sql FROM sqlite_schema ORDER BY name)",
  ).get()?.s as string;
}

Deno.test("migration numbers are unique and ascending", () => {
  const numbers = MIGRATIONS.map((m) => m.number);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  assert.equal(new Set(numbers).size, numbers.length);
  assert.equal(LATEST_MIGRATION, numbers[numbers.length - 1]);
});

Deno.test("migrations applied twice change nothing the second time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = writeGphotosIndex(dir);
    const db = new DatabaseSync(file, { enableForeignKeyConstraints: false });
    db.exec("BEGIN");
    assert.deepEqual(
      applyPendingMigrations(db, "2025-01-01 00:00:00"),
      MIGRATIONS.map((m) => m.number),
    );
    db.exec("COMMIT");
    const once = schemaText(db);
    const videos = db.prepare(
      "SELECT RemoteId FROM SyncFiles WHERE IsVideo = 1",
    ).all().map((r) => r.RemoteId);
    assert.deepEqual(videos, ["AF1QipC"]);
    // Forget the records, as if a crash had lost them: every step must
    // notice its work is already done.
    db.exec("DELETE FROM SchemaMigrations");
    assert.deepEqual(appliedMigrations(db), []);
    applyPendingMigrations(db, "2025-01-02 00:00:00");
    assert.equal(schemaText(db), once);
    assert.deepEqual(appliedMigrations(db), MIGRATIONS.map((m) => m.number));
    assert.deepEqual(applyPendingMigrations(db, "2025-01-03 00:00:00"), []);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the IsSharedAlbum migration leaves an index that already has it alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new DatabaseSync(join(dir, "x.sqlite"));
    db.exec(
      "CREATE TABLE Albums (RemoteId TEXT PRIMARY KEY, IsSharedAlbum BOOL); INSERT INTO Albums VALUES ('a', 1)",
    );
    MIGRATIONS[0].apply(db);
    assert.deepEqual(
      db.prepare("SELECT IsSharedAlbum FROM Albums").all().map((r) =>
        r.IsSharedAlbum
      ),
      [1],
    );
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
