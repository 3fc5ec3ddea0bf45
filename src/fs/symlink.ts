// Every symbolic link the program makes goes through makeSymlink. Inside
// the sandbox (src/cli/sandbox.ts) the worker may not call Deno.symlink
// (Deno allows it only with unscoped file access), so the sandbox installs
// a channel to the supervisor, which makes the link after its own check
// (src/cli/link_guard.ts). Outside the sandbox (unit tests) the link is
// made directly.

export type SymlinkChannel = (target: string, path: string) => Promise<void>;

let channel: SymlinkChannel | undefined;

/** Routes makeSymlink through `next` (the sandbox's link requests). */
export function installSymlinkChannel(next: SymlinkChannel): void {
  channel = next;
}

/** Makes `path` a symbolic link whose text is `target`. */
export function makeSymlink(target: string, path: string): Promise<void> {
  return channel ? channel(target, path) : Deno.symlink(target, path);
}

/** An Error as it crossed a worker boundary: its Deno error class again. */
export function reviveError(data: { name: string; message: string }): Error {
  const errors = Deno.errors as unknown as Record<
    string,
    new (message: string) => Error
  >;
  const Kind = Object.hasOwn(errors, data.name) ? errors[data.name] : Error;
  return new Kind(data.message);
}
