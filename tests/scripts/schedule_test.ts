// The shipped systemd units and cron line are valid as shipped.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";

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

/**
 * systemd-analyze verify on a unit pair as shipped (it checks that
 * ExecStart exists: the programs it names point at a real executable);
 * the service's text.
 */
async function verifyUnits(name: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const service =
      (await Deno.readTextFile(`${SCRIPTS}systemd/${name}.service`))
        .replace("/usr/local/bin/gphotos-sync", Deno.execPath())
        .replace("/usr/bin/rclone", Deno.execPath());
    await Deno.writeTextFile(`${dir}/${name}.service`, service);
    await Deno.copyFile(
      `${SCRIPTS}systemd/${name}.timer`,
      `${dir}/${name}.timer`,
    );
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", `${dir}/${name}.service`, `${dir}/${name}.timer`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, text);
    assertEquals(text.trim(), "", text);
    return service;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the systemd service and timer pass systemd-analyze verify",
  ignore: !(await hasSystemdAnalyze()),
  async fn() {
    const service = await verifyUnits("gphotos-sync");
    assertMatch(service, /--quiet/);
    assertMatch(service, /^UMask=0077$/m);
  },
});

Deno.test({
  name:
    "the systemd service and timer of the Takeout pick-up pass systemd-analyze verify",
  ignore: !(await hasSystemdAnalyze()),
  async fn() {
    const service = await verifyUnits("gphotos-takeout");
    assertMatch(service, /^UMask=0077$/m);
    assertMatch(
      service,
      /^ReadWritePaths=\/srv\/photos \/srv\/takeout-inbox /m,
    );
  },
});

Deno.test("the Takeout pick-up's command lines are what the program takes: --from the inbox, quiet, parts deleted once imported", async () => {
  const service = await Deno.readTextFile(
    `${SCRIPTS}systemd/gphotos-takeout.service`,
  );
  const cron = (await Deno.readTextFile(
    `${SCRIPTS}cron/gphotos-takeout.crontab`,
  )).split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  assertEquals(cron.length, 1);
  assert(cron[0].split(/\s+/).slice(0, 5).every((f) => /^[\d*/,-]+$/.test(f)));
  assertMatch(cron[0], /^0 5 \* \* \* umask 077; /);
  const lines = [
    /^ExecStart=\/usr\/local\/bin\/gphotos-sync (.*)$/m.exec(service)![1],
    /\/usr\/local\/bin\/gphotos-sync (.*)$/.exec(cron[0])![1],
  ];
  for (const line of lines) {
    const parsed = parseArgs(line.split(" "), {
      cwd: "/",
      env: () => undefined,
      readTextFile: () => "",
    });
    assert("command" in parsed && parsed.command === "takeout", line);
    assertEquals(parsed.from, "/srv/takeout-inbox", line);
    assertEquals(parsed.root, "/srv/photos", line);
    assert(parsed.quiet && parsed.deleteImported, line);
  }
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
