// Path functions for the supervisor's modules (src/main.ts and what it
// imports: the command line, the grants, the link checks), with node:path's
// meaning. Any node: module makes Deno start its Node compatibility layer in
// that isolate, about 4 MB that the supervisor would hold for the whole run
// only for these few functions. On POSIX systems they are written out here
// (tests/fs/path_test.ts holds them to node:path/posix); on Windows,
// node:path's win32 rules are used as they are.

const windows = Deno.build.os === "windows";
const win32 = windows ? (await import("node:path")).default : undefined;

export const sep: string = win32 ? win32.sep : "/";

export function isAbsolute(path: string): boolean {
  return win32 ? win32.isAbsolute(path) : path.startsWith("/");
}

export function normalize(path: string): string {
  if (win32) return win32.normalize(path);
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const body = segments(path, !absolute);
  if (body === "") return absolute ? "/" : trailing ? "./" : ".";
  return (absolute ? "/" : "") + body + (trailing ? "/" : "");
}

/** The parts of `path` with "." and ".." worked out, joined by "/". */
function segments(path: string, aboveRoot: boolean): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (aboveRoot) out.push("..");
  }
  return out.join("/");
}

export function join(...parts: string[]): string {
  if (win32) return win32.join(...parts);
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

export function resolve(...parts: string[]): string {
  if (win32) return win32.resolve(...parts);
  let resolved = "";
  let absolute = false;
  for (let i = parts.length - 1; i >= -1 && !absolute; i--) {
    const part = i >= 0 ? parts[i] : Deno.cwd();
    if (part === "") continue;
    resolved = `${part}/${resolved}`;
    absolute = part.startsWith("/");
  }
  const body = segments(resolved, !absolute);
  if (absolute) return `/${body}`;
  return body === "" ? "." : body;
}

export function dirname(path: string): string {
  if (win32) return win32.dirname(path);
  if (path === "") return ".";
  const root = path.startsWith("/");
  let end = -1;
  let inName = false;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (inName) {
        end = i;
        break;
      }
    } else inName = true;
  }
  if (end === -1) return root ? "/" : ".";
  if (root && end === 1) return "//";
  return path.slice(0, end);
}

export function basename(path: string): string {
  if (win32) return win32.basename(path);
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  if (end === 0) return "";
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}
