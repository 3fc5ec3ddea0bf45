// A temporary ROOT with, next to it, a folder outside ROOT: what the
// confinement tests plant links into.

import { join } from "node:path";

/** Runs `fn` with a temp ROOT and a folder outside it; removes both. */
export async function withRoot(
  fn: (root: string, outside: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_root_" });
  const root = join(dir, "root");
  const outside = join(dir, "outside");
  await Deno.mkdir(root);
  await Deno.mkdir(outside);
  try {
    await fn(root, outside);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
