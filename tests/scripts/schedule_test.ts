// The shipped systemd units and cron line are valid as shipped.

import { assert, assertEquals, assertMatch } from "../assert.ts";

const SCRIPTS = new URL("../../scripts/", import.meta.url).pathname;

async function hasSystemdAnalyze(): Promise<boolean> {
  try {
    const out = await new Deno.Command("systemd-analyze", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.code === 0;
  } catch {
    return false;
  }
}

Deno.test({
  name: "the systemd service and timer pass systemd-analyze verify",
  ignore: !(await hasSystemdAnalyze()),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // verify checks that ExecStart exists: point it at a real executable.
      const service =
        (await Deno.readTextFile(`${SCRIPTS}systemd/gphotos-sync.service`))
          .replace("/usr/local/bin/gphotos-sync", Deno.execPath());
      await Deno.writeTextFile(`${dir}/gphotos-sync.service`, service);
      await Deno.copyFile(
        `${SCRIPTS}systemd/gphotos-sync.timer`,
        `${dir}/gphotos-sync.timer`,
      );
      const out = await new Deno.Command("systemd-analyze", {
        args: [
          "verify",
          `${dir}/gphotos-sync.service`,
          `${dir}/gphotos-sync.timer`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, text);
      assertEquals(text.trim(), "", text);
      assertMatch(service, /--quiet/);
      assertMatch(service, /^UMask=0077$/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the cron line runs quietly every night with a private umask", async () => {
  const text = await Deno.readTextFile(`${SCRIPTS}cron/gphotos-sync.crontab`);
  const lines = text.split("\n").filter((l) =>
    l.trim() !== "" && !l.startsWith("#")
  );
  assertEquals(lines.length, 1);
  const fields = lines[0].split(/\s+/);
  assert(fields.slice(0, 5).every((f) => /^[\d*/,-]+$/.test(f)), lines[0]);
  assertMatch(
    lines[0],
    /umask 077; \/usr\/local\/bin\/gphotos-sync \S+ --quiet$/,
  );
});
