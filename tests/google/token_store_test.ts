import { assert, assertEquals } from "../assert.ts";
import { assertStringIncludes } from "./assert_text.ts";
import { memoryLogger } from "../../src/log.ts";
import {
  readTokenFile,
  tokenFilePath,
  writeTokenFile,
} from "../../src/google/token_store.ts";

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// What gphotos-sync 3.x saved after its first consent (authorize.py maps
// the google-auth credentials to a requests-oauthlib dict: scope is a list,
// expires_at a float), and what requests-oauthlib saved after a refresh.
const GPHOTOS_SYNC_TOKEN =
  '{"access_token": "ya29.a0AfH6SM", "refresh_token": "1//0gLx", ' +
  '"token_type": "Bearer", "scope": ["https://www.googleapis.com/auth/photoslibrary.readonly", ' +
  '"https://www.googleapis.com/auth/photoslibrary.sharing"], "expires_at": 1700000000.123456}';
const REFRESHED_BY_OAUTHLIB =
  '{"access_token": "ya29.new", "expires_in": 3599, "scope": ' +
  '["https://www.googleapis.com/auth/photoslibrary.readonly"], "token_type": "Bearer", ' +
  '"id_token": "eyJ", "expires_at": 1700003599.5, "refresh_token": "1//0gLx"}';

Deno.test("the token file lives at <db-path>/.gphotos.token", () => {
  assertEquals(tokenFilePath("/backup"), "/backup/.gphotos.token");
});

Deno.test("a token written by gphotos-sync is read: list scope, float expires_at", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await Deno.writeTextFile(path, GPHOTOS_SYNC_TOKEN, { mode: 0o600 });
    const token = await readTokenFile(path, memoryLogger());
    assertEquals(token, {
      accessToken: "ya29.a0AfH6SM",
      refreshToken: "1//0gLx",
      tokenType: "Bearer",
      scopes: [
        "https://www.googleapis.com/auth/photoslibrary.readonly",
        "https://www.googleapis.com/auth/photoslibrary.sharing",
      ],
      expiresAt: 1700000000.123456,
      extra: {},
    });
  });
});

Deno.test("a space-separated scope string is read as a list", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await Deno.writeTextFile(
      path,
      JSON.stringify({ access_token: "a", scope: "s1 s2", expires_at: "17" }),
      { mode: 0o600 },
    );
    const token = await readTokenFile(path, memoryLogger());
    assertEquals(token?.scopes, ["s1", "s2"]);
    assertEquals(token?.expiresAt, 17);
  });
});

Deno.test("a token round-trips in gphotos-sync's shape, unknown fields kept", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await Deno.writeTextFile(path, REFRESHED_BY_OAUTHLIB, { mode: 0o600 });
    const token = await readTokenFile(path, memoryLogger());
    assert(token);
    await writeTokenFile(path, token);
    assertEquals(JSON.parse(await Deno.readTextFile(path)), {
      access_token: "ya29.new",
      refresh_token: "1//0gLx",
      token_type: "Bearer",
      scope: ["https://www.googleapis.com/auth/photoslibrary.readonly"],
      expires_in: 3599,
      expires_at: 1700003599.5,
      id_token: "eyJ",
    });
  });
});

Deno.test("the token file is written with mode 0600 and no temp file is left", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await writeTokenFile(path, {
      accessToken: "a",
      refreshToken: "r",
      tokenType: "Bearer",
      scopes: ["s"],
      expiresAt: 1.5,
      extra: {},
    });
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assertEquals(names, [".gphotos.token"]);
  });
});

Deno.test("rewriting replaces the whole file, keeping mode 0600", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    const base = { tokenType: "Bearer", extra: {} };
    await writeTokenFile(path, { ...base, accessToken: "first-long-token" });
    await writeTokenFile(path, { ...base, accessToken: "b" });
    assertEquals(JSON.parse(await Deno.readTextFile(path)).access_token, "b");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  });
});

Deno.test("a token file readable by others is tightened to 0600 with a warning", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await Deno.writeTextFile(path, GPHOTOS_SYNC_TOKEN);
    await Deno.chmod(path, 0o644);
    const logger = memoryLogger();
    assert(await readTokenFile(path, logger));
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(logger.lines.length, 1);
    assertStringIncludes(logger.lines[0], "warning: ");
    assertStringIncludes(logger.lines[0], "mode 644");
  });
});

Deno.test("a 0600 token file is read without a warning", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await Deno.writeTextFile(path, GPHOTOS_SYNC_TOKEN, { mode: 0o600 });
    const logger = memoryLogger();
    assert(await readTokenFile(path, logger));
    assertEquals(logger.lines, []);
  });
});

Deno.test("no token file means no token", async () => {
  await inTempDir(async (dir) => {
    assertEquals(
      await readTokenFile(tokenFilePath(dir), memoryLogger()),
      undefined,
    );
  });
});

Deno.test("a corrupt token file is ignored with a warning, so consent runs again", async () => {
  await inTempDir(async (dir) => {
    const path = tokenFilePath(dir);
    await Deno.writeTextFile(path, '{"access_tok', { mode: 0o600 });
    const logger = memoryLogger();
    assertEquals(await readTokenFile(path, logger), undefined);
    assertStringIncludes(logger.lines.join("\n"), "not valid JSON");
    await Deno.writeTextFile(path, '{"scope": []}');
    assertEquals(await readTokenFile(path, logger), undefined);
  });
});
