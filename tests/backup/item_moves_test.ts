import { join } from "node:path";
import { assertEquals } from "../assert.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { finishItemMoves, moveItems } from "../../src/backup/item_moves.ts";

async function withRoot(fn: (root: string, db: LocalData) => Promise<void>) {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "mv-" }));
  const db = LocalData.open(root);
  try {
    await fn(root, db);
  } finally {
    db.close();
    await Deno.remove(root, { recursive: true });
  }
}

async function write(root: string, rel: string, text: string) {
  await Deno.mkdir(join(root, rel, ".."), { recursive: true });
  await Deno.writeTextFile(join(root, rel), text);
}

async function read(root: string, rel: string): Promise<string | undefined> {
  return await Deno.readTextFile(join(root, rel)).catch(() => undefined);
}

function journal(db: LocalData): number {
  return Number(
    db.database().prepare("SELECT COUNT(*) AS n FROM ItemMoves").get()!.n,
  );
}

Deno.test("two items trade places, each with its XMP, and the rows change with the journal", async () => {
  await withRoot(async (root, db) => {
    await write(root, "photos/2023/05/IMG.jpg", "A");
    await write(root, "photos/2023/05/IMG.jpg.xmp", "A xmp");
    await write(root, "photos/2023/05/IMG (2).jpg", "B");
    let updated = false;
    await moveItems(db, root, [
      {
        remoteId: "a",
        from: "photos/2023/05/IMG.jpg",
        to: "photos/2023/05/IMG (2).jpg",
      },
      {
        remoteId: "b",
        from: "photos/2023/05/IMG (2).jpg",
        to: "photos/2023/05/IMG.jpg",
        mtime: new Date("2023-05-01T00:00:00Z"),
        xmp: "B xmp",
      },
    ], () => updated = true);
    assertEquals(updated, true);
    assertEquals(await read(root, "photos/2023/05/IMG (2).jpg"), "A");
    assertEquals(await read(root, "photos/2023/05/IMG (2).jpg.xmp"), "A xmp");
    assertEquals(await read(root, "photos/2023/05/IMG.jpg"), "B");
    assertEquals(await read(root, "photos/2023/05/IMG.jpg.xmp"), "B xmp");
    assertEquals(
      (await Deno.stat(join(root, "photos/2023/05/IMG.jpg"))).mtime
        ?.toISOString(),
      "2023-05-01T00:00:00.000Z",
    );
    assertEquals(journal(db), 0);
    assertEquals(
      (await Array.fromAsync(Deno.readDir(join(root, "photos/2023/05"))))
        .map((e) => e.name).sort(),
      ["IMG (2).jpg", "IMG (2).jpg.xmp", "IMG.jpg", "IMG.jpg.xmp"],
    );
  });
});

Deno.test("moves a killed run left half-done are finished by the next run, whatever the point it stopped at", async () => {
  for (
    const stopped of [
      "before any rename",
      "half-way to the waiting names",
      "all waiting",
      "half-way to the new places",
    ]
  ) {
    await withRoot(async (root, db) => {
      await write(root, "photos/2024/05/IMG.jpg", "A");
      await write(root, "photos/2024/05/IMG.jpg.xmp", "A xmp");
      await write(root, "photos/2023/05/IMG.jpg", "B");
      // The journal as moveItems writes it, then the files as far as a run
      // got before it was killed.
      const sql = db.database();
      const rows = [
        [
          "a",
          "photos/2024/05/IMG.jpg",
          "photos/2024/05/.gphotos-move-x-0",
          "photos/2023/05/IMG.jpg",
          null,
        ],
        [
          "b",
          "photos/2023/05/IMG.jpg",
          "photos/2023/05/.gphotos-move-x-1",
          "photos/2023/05/IMG (2).jpg",
          "B xmp",
        ],
      ] as const;
      for (const [id, from, via, to, xmp] of rows) {
        sql.prepare(
          "INSERT INTO ItemMoves (RemoteId, FromPath, ViaPath, ToPath, Mtime, Xmp, Phase) VALUES (?, ?, ?, ?, NULL, ?, 1)",
        ).run(id, from, via, to, xmp);
      }
      const toVia = async (i: number) => {
        const [, from, via] = rows[i];
        await Deno.rename(join(root, from), join(root, via));
        await Deno.rename(join(root, `${from}.xmp`), join(root, `${via}.xmp`))
          .catch(() => {});
      };
      if (stopped === "half-way to the waiting names") await toVia(0);
      if (
        stopped === "all waiting" || stopped === "half-way to the new places"
      ) {
        await toVia(0);
        await toVia(1);
        sql.prepare("UPDATE ItemMoves SET Phase = 2").run();
      }
      if (stopped === "half-way to the new places") {
        await Deno.rename(
          join(root, rows[0][2]),
          join(root, rows[0][3]),
        );
      }
      assertEquals(await finishItemMoves(db, root), 2, stopped);
      assertEquals(await read(root, "photos/2023/05/IMG.jpg"), "A", stopped);
      assertEquals(
        await read(root, "photos/2023/05/IMG (2).jpg"),
        "B",
        stopped,
      );
      assertEquals(
        await read(root, "photos/2023/05/IMG (2).jpg.xmp"),
        "B xmp",
        stopped,
      );
      assertEquals(journal(db), 0, stopped);
      assertEquals(await finishItemMoves(db, root), 0, "nothing left to do");
    });
  }
});
