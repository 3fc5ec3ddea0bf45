import { assert, assertEquals } from "../assert.ts";
import { rotateLog } from "../../src/cli/log_rotation.ts";

Deno.test("a log over the limit moves to .1, older generations move up, the oldest goes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = `${dir}/gphotos.log`;
    await Deno.writeTextFile(log, "small");
    assert(!rotateLog(log, 10, 2), "rotated a small log");
    for (let run = 1; run <= 3; run++) {
      await Deno.writeTextFile(log, `run ${run} `.repeat(5));
      assert(rotateLog(log, 10, 2));
    }
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, ["gphotos.log.1", "gphotos.log.2"]);
    assert(Deno.readTextFileSync(`${log}.1`).startsWith("run 3"));
    assert(Deno.readTextFileSync(`${log}.2`).startsWith("run 2"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
