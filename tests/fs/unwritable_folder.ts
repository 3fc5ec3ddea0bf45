// Test helper: a folder nobody can create files in, even root. chmod does
// not stop root, so as root the folder is made immutable (chattr +i), which
// does. Returns undefined where neither works (the caller skips, saying so).

import { join } from "node:path";

export interface UnwritableFolder {
  path: string;
  /** Make it writable again so it can be removed. */
  undo(): Promise<void>;
}

export async function makeUnwritableFolder(
  parent: string,
): Promise<UnwritableFolder | undefined> {
  const path = join(parent, "read-only");
  await Deno.mkdir(path);
  await Deno.chmod(path, 0o555);
  const chmodUndo = () => Deno.chmod(path, 0o755);
  if (await refusesWrites(path)) return { path, undo: chmodUndo };
  await chmodUndo();
  // Still writable: we are root.
  const chattr = async (flag: string) => {
    try {
      const out = await new Deno.Command("chattr", {
        args: [flag, path],
        stdout: "null",
        stderr: "null",
      }).output();
      return out.success;
    } catch {
      return false;
    }
  };
  const undo = async () => {
    await chattr("-i");
  };
  if (await chattr("+i") && await refusesWrites(path)) return { path, undo };
  await undo();
  return undefined;
}

async function refusesWrites(folder: string): Promise<boolean> {
  const probe = join(folder, "probe");
  try {
    await Deno.writeFile(probe, new Uint8Array());
  } catch {
    return true;
  }
  await Deno.remove(probe);
  return false;
}

/** Whether this machine can make such a folder at all (checked once). */
export async function canMakeUnwritableFolder(): Promise<boolean> {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await makeUnwritableFolder(dir);
    await folder?.undo();
    return folder !== undefined;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
