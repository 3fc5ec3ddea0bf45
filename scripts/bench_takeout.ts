// deno-lint-ignore-file no-console -- a benchmark talks to its user
// `deno task bench:takeout [--gb N | --items N] [--parts N] [--dir DIR]
// [--keep]`: builds a multi-part Takeout export on disk (photos and videos
// of incompressible bytes, as real media are, deflated the way zlib deflates
// such data; deflated sidecars; album folders holding copies), then unpacks
// the parts with Info-ZIP's `unzip` and imports them with `gphotos-sync
// takeout` onto the same disk, and prints wall time and peak memory (VmHWM,
// the process's peak resident set) against the targets: within 1.5x of
// unzip's time, under 200 MB. --gb N makes a few large files (memory must
// not grow with file sizes); --items N makes N items of a few KB, timed
// per item against 0.5 ms, with unzip's time per item on the same parts
// beside it (memory must not grow with the number of items either).
// Everything it made is removed at the end (--keep leaves it).

import zlib from "node:zlib";
import { join, resolve } from "node:path";
import { RUNTIME_FLAGS } from "../src/cli/permissions.ts";
import { ArchiveSet } from "../src/archive/archive_set.ts";
import { isJsonName } from "../src/takeout/names.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

/** `deno run` of a script as the tasks and the binary run the program. */
function runArgs(script: string): string[] {
  return ["run", ...RUNTIME_FLAGS, "--allow-all", script];
}
const TIME_TARGET = 1.5;
/**
 * A later export whose items are all present costs its listing (which
 * reads every sidecar) and a look-up per item: at most this much more.
 */
const PRESENT_TARGET = 2;
/** Runs this script as the floor of the already-present figure. */
const LIST_ONLY = "--list-only";
/** Per item, for an export of many small items (--items). */
const ITEM_TARGET_MS = 0.5;
const MEMORY_TARGET_MB = 200;
const MIB = 1 << 20;

export interface BenchOptions {
  /** Total media bytes of the export, in GiB (when `items` is not set). */
  gb: number;
  /** Number of small items instead: a library of many files of a few KB. */
  items?: number;
  parts: number;
  /** Working folder (on the disk to measure). */
  dir: string;
  keep: boolean;
}

export function parseBenchArgs(args: string[], cwd: string): BenchOptions {
  const options: BenchOptions = {
    gb: 3,
    parts: 3,
    dir: join(cwd, ".bench", "takeout"),
    keep: false,
  };
  for (let i = 0; i < args.length; i++) {
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${args[i - 1]} needs a value`);
      return v;
    };
    switch (args[i]) {
      case "--gb":
        options.gb = Number(value());
        break;
      case "--items":
        options.items = Math.floor(Number(value()));
        if (!(options.items > 0)) {
          throw new Error("--items must be a positive number");
        }
        break;
      case "--parts":
        options.parts = Math.max(1, Math.floor(Number(value())));
        break;
      case "--dir":
        options.dir = resolve(cwd, value());
        break;
      case "--keep":
        options.keep = true;
        break;
      default:
        throw new Error(
          `Unknown argument ${args[i]}. Usage: deno task bench:takeout ` +
            "[--gb N | --items N] [--parts N] [--dir DIR] [--keep]",
        );
    }
  }
  if (!(options.gb > 0)) throw new Error("--gb must be a positive number");
  return options;
}

// ---- the export -------------------------------------------------------------

/** A pool of random bytes that every media file is cut from. */
function randomPool(size: number): Uint8Array {
  const pool = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(pool.subarray(at, Math.min(size, at + 65536)));
  }
  return pool;
}

/** Deterministic numbers, so two runs build the same export. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

interface PlannedEntry {
  name: string;
  /** Media: bytes cut from the pool at `offset`, first 16 bytes made unique. */
  media?: { size: number; offset: number; id: number };
  json?: Uint8Array;
}

/** What to build: large files up to a byte total, or a count of small items. */
export type ExportSize = { readonly bytes: number } | {
  readonly items: number;
};

/** The entries of each part, media spread so parts are about equal. */
function planExport(target: ExportSize, parts: number, poolSize: number) {
  const rand = xorshift(20240101);
  const enc = new TextEncoder();
  const root = "Takeout/Google Photos";
  const byPart: PlannedEntry[][] = Array.from({ length: parts }, () => []);
  const partBytes = new Array(parts).fill(0);
  let bytes = 0;
  let items = 0;
  let copies = 0;
  const start = Date.UTC(2012, 0, 1) / 1000;
  // Small items spread over twelve years, as a phone's library is.
  const step = "items" in target
    ? 12 * 365 * 86_400 / target.items
    : 86_400 * 3.7;
  const more = (n: number) =>
    "items" in target ? n < target.items : bytes < target.bytes;
  const sizeOf = (video: boolean) =>
    "items" in target
      ? (video ? 8192 + 8192 * rand() : 1024 + 3072 * rand())
      : (video ? (40 + 40 * rand()) * MIB : (1 + 4 * rand()) * MIB);
  for (let n = 0; more(n); n++) {
    const video = n % 20 === 19;
    const size = Math.floor(sizeOf(video));
    const taken = Math.floor(start + n * step + rand() * 3600);
    const year = new Date(taken * 1000).getUTCFullYear();
    const name = video
      ? `VID_${String(n).padStart(5, "0")}.mp4`
      : `IMG_${String(n).padStart(5, "0")}.jpg`;
    const folder = `${root}/Photos from ${year}`;
    const sidecar = enc.encode(JSON.stringify({
      title: name,
      description: n % 7 === 0 ? `Picture ${n}` : "",
      imageViews: "3",
      creationTime: { timestamp: String(taken + 86_400), formatted: "" },
      photoTakenTime: { timestamp: String(taken), formatted: "" },
      geoData: { latitude: 48 + rand(), longitude: 2 + rand(), altitude: 35 },
      url: `https://photos.google.com/photo/AF1QipBench${n}x${taken}`,
      googlePhotosOrigin: { mobileUpload: { deviceType: "ANDROID_PHONE" } },
    }));
    const media = {
      size,
      offset: Math.floor(rand() * (poolSize - size)),
      id: n,
    };
    // The lightest part gets the item; its sidecar goes to the next part
    // one time in five, as Takeout splits them.
    const part = partBytes.indexOf(Math.min(...partBytes));
    byPart[part].push({ name: `${folder}/${name}`, media });
    const jsonPart = n % 5 === 0 ? (part + 1) % parts : part;
    byPart[jsonPart].push({
      name: `${folder}/${name}.supplemental-metadata.json`,
      json: sidecar,
    });
    partBytes[part] += size;
    bytes += size;
    items++;
    // One photo in ten is also in an album folder: the same bytes again.
    if (!video && n % 10 === 3) {
      const album = `${root}/Album ${Math.floor(n / 100)}`;
      byPart[part].push({ name: `${album}/${name}`, media });
      byPart[part].push({
        name: `${album}/${name}.supplemental-metadata.json`,
        json: sidecar,
      });
      partBytes[part] += size;
      bytes += size;
      copies++;
      if (n % 100 === 3) {
        byPart[part].push({
          name: `${album}/metadata.json`,
          json: enc.encode(JSON.stringify({
            title: `Album ${Math.floor(n / 100)}`,
            description: "",
            access: "protected",
            date: { timestamp: String(taken), formatted: "" },
          })),
        });
      }
    }
  }
  return { byPart, items, copies, bytes };
}

/**
 * Deflate of incompressible data as zlib writes it: stored blocks of at
 * most 65535 bytes, each behind a 5-byte header.
 */
function storedDeflate(data: Uint8Array, last: boolean): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(data.length + 5 * blocks);
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    const from = b * 65535;
    const len = Math.min(65535, data.length - from);
    out[at] = last && b === blocks - 1 ? 1 : 0;
    out[at + 1] = len & 0xff;
    out[at + 2] = len >>> 8;
    out[at + 3] = ~len & 0xff;
    out[at + 4] = (~len >>> 8) & 0xff;
    out.set(data.subarray(from, from + len), at + 5);
    at += 5 + len;
  }
  return out;
}

/** Small writes are gathered into blocks of this size. */
const WRITE_BLOCK = 1 << 20;

class ZipWriter {
  #file: Deno.FsFile;
  #position = 0;
  #central: Uint8Array[] = [];
  #count = 0;
  #utf8 = new TextEncoder();
  #buffer = new Uint8Array(WRITE_BLOCK);
  #buffered = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  async #flush() {
    const bytes = this.#buffer.subarray(0, this.#buffered);
    for (let at = 0; at < bytes.length;) {
      at += await this.#file.write(bytes.subarray(at));
    }
    this.#buffered = 0;
  }

  async #write(bytes: Uint8Array) {
    if (this.#buffered + bytes.length > WRITE_BLOCK) await this.#flush();
    if (bytes.length >= WRITE_BLOCK) {
      for (let at = 0; at < bytes.length;) {
        at += await this.#file.write(bytes.subarray(at));
      }
    } else {
      this.#buffer.set(bytes, this.#buffered);
      this.#buffered += bytes.length;
    }
    this.#position += bytes.length;
  }

  #localHeader(name: Uint8Array, flags: number): Uint8Array {
    const header = new DataView(new ArrayBuffer(30));
    header.setUint32(0, 0x04034b50, true);
    header.setUint16(4, 20, true);
    header.setUint16(6, flags, true);
    header.setUint16(8, 8, true);
    header.setUint16(10, 0x6000, true);
    header.setUint16(12, 0x5821, true);
    header.setUint16(26, name.length, true);
    return new Uint8Array(header.buffer);
  }

  /** One deflated entry, streamed: sizes and CRC in a data descriptor. */
  async add(name: string, pieces: Iterable<Uint8Array>, size: number) {
    const nameBytes = this.#utf8.encode(name);
    const offset = this.#position;
    await this.#write(this.#localHeader(nameBytes, 0x0808));
    await this.#write(nameBytes);
    let crc = 0;
    let csize = 0;
    let seen = 0;
    for (const piece of pieces) {
      crc = zlib.crc32(piece, crc);
      seen += piece.length;
      const deflated = storedDeflate(piece, seen === size);
      csize += deflated.length;
      await this.#write(deflated);
    }
    const descriptor = new DataView(new ArrayBuffer(16));
    descriptor.setUint32(0, 0x08074b50, true);
    descriptor.setUint32(4, crc, true);
    descriptor.setUint32(8, csize, true);
    descriptor.setUint32(12, size, true);
    await this.#write(new Uint8Array(descriptor.buffer));
    this.#directory(nameBytes, crc, csize, size, offset);
  }

  /** A small entry (a sidecar) compressed by zlib, sizes in its header. */
  async addText(name: string, data: Uint8Array) {
    const nameBytes = this.#utf8.encode(name);
    const offset = this.#position;
    const packed = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const header = this.#localHeader(nameBytes, 0x0800);
    const v = new DataView(header.buffer);
    v.setUint32(14, crc, true);
    v.setUint32(18, packed.length, true);
    v.setUint32(22, data.length, true);
    await this.#write(header);
    await this.#write(nameBytes);
    await this.#write(packed);
    this.#directory(nameBytes, crc, packed.length, data.length, offset);
  }

  #directory(
    nameBytes: Uint8Array,
    crc: number,
    csize: number,
    size: number,
    offset: number,
  ) {
    const record = new DataView(new ArrayBuffer(46));
    record.setUint32(0, 0x02014b50, true);
    record.setUint16(4, 0x031e, true);
    record.setUint16(6, 20, true);
    record.setUint16(8, 0x0808, true);
    record.setUint16(10, 8, true);
    record.setUint16(12, 0x6000, true);
    record.setUint16(14, 0x5821, true);
    record.setUint32(16, crc, true);
    record.setUint32(20, csize, true);
    record.setUint32(24, size, true);
    record.setUint16(28, nameBytes.length, true);
    record.setUint32(38, (0o100644 << 16) >>> 0, true);
    record.setUint32(42, offset, true);
    this.#central.push(new Uint8Array(record.buffer), nameBytes);
    this.#count++;
    if (this.#position >= 0xffff_ffff) {
      throw new Error("A bench part passed 4 GiB: use more --parts.");
    }
  }

  async finish() {
    const cdStart = this.#position;
    for (const piece of this.#central) await this.#write(piece);
    this.#central = [];
    const cdSize = this.#position - cdStart;
    const many = this.#count >= 0xffff;
    if (many) {
      // More entries than the end record counts: ZIP64 end record and
      // locator, as Takeout writes for large parts.
      const zip64At = this.#position;
      const z = new DataView(new ArrayBuffer(56));
      z.setUint32(0, 0x06064b50, true);
      z.setBigUint64(4, 44n, true);
      z.setUint16(12, 0x031e, true);
      z.setUint16(14, 45, true);
      z.setBigUint64(24, BigInt(this.#count), true);
      z.setBigUint64(32, BigInt(this.#count), true);
      z.setBigUint64(40, BigInt(cdSize), true);
      z.setBigUint64(48, BigInt(cdStart), true);
      await this.#write(new Uint8Array(z.buffer));
      const locator = new DataView(new ArrayBuffer(20));
      locator.setUint32(0, 0x07064b50, true);
      locator.setBigUint64(8, BigInt(zip64At), true);
      locator.setUint32(16, 1, true);
      await this.#write(new Uint8Array(locator.buffer));
    }
    const end = new DataView(new ArrayBuffer(22));
    end.setUint32(0, 0x06054b50, true);
    end.setUint16(8, many ? 0xffff : this.#count, true);
    end.setUint16(10, many ? 0xffff : this.#count, true);
    end.setUint32(12, cdSize, true);
    end.setUint32(16, cdStart, true);
    await this.#write(new Uint8Array(end.buffer));
    await this.#flush();
  }
}

/** Pieces of one media file: pool bytes with a unique first 16 bytes. */
function* mediaPieces(
  pool: Uint8Array,
  media: { size: number; offset: number; id: number },
): Iterable<Uint8Array> {
  const piece = 65535 * 64;
  for (let at = 0; at < media.size; at += piece) {
    const chunk = pool.slice(
      media.offset + at,
      media.offset + Math.min(media.size, at + piece),
    );
    if (at === 0) {
      new DataView(chunk.buffer).setFloat64(0, media.id);
      new DataView(chunk.buffer).setFloat64(8, media.offset);
    }
    yield chunk;
  }
}

/** Builds the parts in `dir`: `size` is GiB of large files, or a count of small items. */
export async function buildExport(
  dir: string,
  size: number | ExportSize,
  parts: number,
  stamp = "20240101T000000Z",
): Promise<{ paths: string[]; items: number; copies: number; bytes: number }> {
  const target = typeof size === "number" ? { bytes: size * 1024 * MIB } : size;
  const poolSize = "items" in target ? 4 * MIB : 128 * MIB;
  const pool = randomPool(poolSize);
  const plan = planExport(target, parts, poolSize);
  const paths: string[] = [];
  for (let p = 0; p < parts; p++) {
    const path = join(
      dir,
      `takeout-${stamp}-${String(p + 1).padStart(3, "0")}.zip`,
    );
    paths.push(path);
    using file = await Deno.open(path, {
      write: true,
      create: true,
      truncate: true,
    });
    const zip = new ZipWriter(file);
    for (const entry of plan.byPart[p]) {
      if (entry.media) {
        await zip.add(
          entry.name,
          mediaPieces(pool, entry.media),
          entry.media.size,
        );
      } else {
        await zip.addText(entry.name, entry.json!);
      }
    }
    await zip.finish();
  }
  return { paths, items: plan.items, copies: plan.copies, bytes: plan.bytes };
}

// ---- measuring --------------------------------------------------------------

export interface Measured {
  seconds: number;
  peakMb: number;
  code: number;
  stderr: string;
}

/** Peak resident set so far (VmHWM) of a live process, in kB; 0 if gone. */
async function vmHwmKb(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs a command, polling its peak memory until it ends. */
export async function measure(
  command: string,
  args: string[],
): Promise<Measured> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      peak = Math.max(peak, await vmHwmKb(child.pid));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await poll;
  if (peak === 0) {
    throw new Error(
      `Cannot read /proc/${child.pid}/status to measure memory: this ` +
        "benchmark runs on Linux, with --allow-all (Deno lets only that read /proc).",
    );
  }
  return { seconds, peakMb: peak / 1024, code: status.code, stderr };
}

/**
 * Writes back what the kernel still holds dirty (the parts just built, the
 * files of the previous run), so that neither run pays for the other's.
 */
async function settleDisk(): Promise<void> {
  try {
    await new Deno.Command("sync", { stdout: "null", stderr: "null" })
      .output();
  } catch {
    // No sync command: the figures are only noisier.
  }
}

async function hasUnzip(): Promise<boolean> {
  try {
    const out = await new Deno.Command("unzip", {
      args: ["-v"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i])).join("  ");
}

/**
 * The figures against their targets. With `items` (an export of many small
 * files) the time is judged per item, against ITEM_TARGET_MS, with unzip's
 * time per item on the same parts as the floor beside it: the 1.5x target
 * is for a few GB of media, where the bytes dominate; with thousands of
 * files of a few KB, the import also flushes each file to the disk before
 * it is recorded and writes its XMP sidecar, which unzip does not.
 */
export function resultTable(
  unzip: Measured,
  takeout: Measured,
  items?: number,
  durable?: Measured,
): { text: string; pass: boolean } {
  const ratio = takeout.seconds / unzip.seconds;
  const perItem = (m: Measured) => (m.seconds * 1000 / (items ?? 1)).toFixed(2);
  const timeOk = items !== undefined
    ? takeout.seconds * 1000 / items <= ITEM_TARGET_MS
    : ratio <= TIME_TARGET;
  const memOk = takeout.peakMb < MEMORY_TARGET_MB;
  const widths = [22, 12, 16, 24, 6];
  const lines = [
    row(["", "unzip", "gphotos-sync", "target", "result"], widths),
    row([
      "wall time",
      `${unzip.seconds.toFixed(1)} s`,
      `${takeout.seconds.toFixed(1)} s`,
      `<= ${TIME_TARGET}x unzip (${ratio.toFixed(2)}x)`,
      items !== undefined ? "-" : timeOk ? "pass" : "FAIL",
    ], widths),
    ...(items === undefined ? [] : [row([
      "time per item",
      `${perItem(unzip)} ms`,
      `${perItem(takeout)} ms`,
      `<= ${ITEM_TARGET_MS} ms/item`,
      timeOk ? "pass" : "FAIL",
    ], widths)]),
    ...(items === undefined || durable === undefined ? [] : [row([
      "  unzip + flush",
      `${perItem(durable)} ms`,
      `${perItem(takeout)} ms`,
      `report (${(takeout.seconds / durable.seconds).toFixed(2)}x)`,
      "-",
    ], widths)]),
    row([
      "peak memory (VmHWM)",
      `${unzip.peakMb.toFixed(0)} MB`,
      `${takeout.peakMb.toFixed(0)} MB`,
      `< ${MEMORY_TARGET_MB} MB`,
      memOk ? "pass" : "FAIL",
    ], widths),
  ];
  return { text: lines.join("\n"), pass: timeOk && memOk };
}

/**
 * The next scheduled export of the same library, all of it present: its
 * parts (the same bytes, under the next export's name) picked up with
 * `takeout --from`, against the floor of listing them (directories and
 * sidecars, as the import's listing pass reads them).
 */
async function alreadyPresent(
  work: string,
  root: string,
  parts: string[],
  items: number,
): Promise<{ text: string; pass: boolean }> {
  const inbox = join(work, "inbox");
  await Deno.mkdir(inbox);
  const later: string[] = [];
  for (const part of parts) {
    const name = part.slice(part.lastIndexOf("/") + 1).replace(
      "20240101T000000Z",
      "20240301T000000Z",
    );
    await Deno.link(part, join(inbox, name));
    later.push(join(inbox, name));
  }
  await settleDisk();
  const floor = await measure(Deno.execPath(), [
    ...runArgs(new URL(import.meta.url).pathname),
    LIST_ONLY,
    ...later,
  ]);
  if (floor.code !== 0) throw new Error(`listing failed: ${floor.stderr}`);
  const run = await measure(Deno.execPath(), [
    ...runArgs(MAIN),
    "takeout",
    root,
    "--from",
    inbox,
    "--settle",
    "0",
    "--json",
  ]);
  if (run.code !== 0) throw new Error(`takeout --from failed: ${run.stderr}`);
  console.error(run.stderr.trim());
  return presentTable(floor, run, items);
}

/** The already-present figure against its target. */
export function presentTable(
  floor: Measured,
  run: Measured,
  items: number,
): { text: string; pass: boolean } {
  const ratio = run.seconds / floor.seconds;
  const pass = ratio <= PRESENT_TARGET;
  const widths = [30, 16, 16, 24, 6];
  return {
    text: [
      row(
        [
          "a later export, all present",
          "listing (floor)",
          "gphotos-sync",
          "target",
          "result",
        ],
        widths,
      ),
      row([
        `${items} items: wall time`,
        `${floor.seconds.toFixed(1)} s`,
        `${run.seconds.toFixed(1)} s`,
        `<= ${PRESENT_TARGET}x listing (${ratio.toFixed(2)}x)`,
        pass ? "pass" : "FAIL",
      ], widths),
      row([
        "time per item",
        `${(floor.seconds * 1000 / items).toFixed(3)} ms`,
        `${(run.seconds * 1000 / items).toFixed(3)} ms`,
        "report",
        "-",
      ], widths),
      row([
        "peak memory (VmHWM)",
        `${floor.peakMb.toFixed(0)} MB`,
        `${run.peakMb.toFixed(0)} MB`,
        `< ${MEMORY_TARGET_MB} MB`,
        run.peakMb < MEMORY_TARGET_MB ? "pass" : "FAIL",
      ], widths),
    ].join("\n"),
    pass: pass && run.peakMb < MEMORY_TARGET_MB,
  };
}

/**
 * Lists parts as the import's listing pass does and reads each sidecar's
 * JSON, and nothing else: what any import must do to know which items it
 * holds already.
 */
async function listOnly(paths: string[]): Promise<void> {
  const decoder = new TextDecoder();
  const set = await ArchiveSet.open(paths);
  try {
    let entries = 0;
    let json = 0;
    await set.list({
      collect: (e) => isJsonName(e.name),
      collectMaxBytes: 4 * MIB,
      visit: (e) => {
        entries++;
        if (e.content === undefined) return;
        // What an import needs of each sidecar at least: its photo URL.
        json += e.content.length;
        try {
          JSON.parse(decoder.decode(e.content));
        } catch {
          // Not JSON after all: the import reports it; the floor goes on.
        }
      },
    });
    console.error(`Listed ${entries} entries, ${json} bytes of JSON.`);
  } finally {
    await set.close();
  }
}

async function main(args: string[]): Promise<number> {
  if (args[0] === LIST_ONLY) {
    await listOnly(args.slice(1));
    return 0;
  }
  const options = parseBenchArgs(args, Deno.cwd());
  if (!await hasUnzip()) {
    console.error(
      "unzip is not installed. Install it (Debian/Ubuntu: apt-get install " +
        "unzip; Fedora: dnf install unzip; macOS has it) and run again.",
    );
    return 1;
  }
  await Deno.mkdir(options.dir, { recursive: true });
  const work = await Deno.makeTempDir({ dir: options.dir, prefix: "run-" });
  try {
    const size = options.items === undefined
      ? options.gb
      : { items: options.items };
    console.error(
      `Building ${
        options.items === undefined
          ? `a ${options.gb} GiB export`
          : `an export of ${options.items} small items`
      } in ${options.parts} parts in ${work}...`,
    );
    const t0 = performance.now();
    const built = await buildExport(work, size, options.parts);
    console.error(
      `Built ${built.items} items (+${built.copies} album copies), ` +
        `${(built.bytes / 1024 / MIB).toFixed(2)} GiB in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s.`,
    );
    // Both start with the parts in the page cache (just written) and end
    // with the files handed to the kernel; the importer also flushes each
    // file to the disk before recording it, which unzip does not.
    const unzipDir = join(work, "unzip");
    await settleDisk();
    const started = performance.now();
    let unzipPeak = 0;
    for (const part of built.paths) {
      const r = await measure("unzip", ["-q", "-o", part, "-d", unzipDir]);
      if (r.code !== 0) throw new Error(`unzip failed: ${r.stderr}`);
      unzipPeak = Math.max(unzipPeak, r.peakMb);
    }
    const unzip: Measured = {
      seconds: (performance.now() - started) / 1000,
      peakMb: unzipPeak,
      code: 0,
      stderr: "",
    };
    // The floor of durable writes: unzip's files then flushed to the disk
    // (syncfs of their filesystem, one call for all of them: what the
    // import's flushes by batch cost at the least).
    const flush = await measure("sync", ["-f", unzipDir]).catch(() =>
      undefined
    );
    const durable: Measured | undefined = flush?.code === 0
      ? { ...unzip, seconds: unzip.seconds + flush.seconds }
      : undefined;
    // unzip's files stay until the end: ext4 does not give the inodes of
    // files deleted in the last minutes to new files, and looks at each of
    // them again for every file it creates, so an import run right after
    // 40,000 files were removed takes several times as long to create each
    // of its own (a cost of the bench's order, not of either program).
    await settleDisk();
    const root = join(work, "root");
    // Run as the tasks and the binary run it (RUNTIME_FLAGS).
    const takeout = await measure(Deno.execPath(), [
      ...runArgs(MAIN),
      "takeout",
      root,
      ...built.paths,
    ]);
    if (takeout.code !== 0) {
      throw new Error(`gphotos-sync takeout failed: ${takeout.stderr}`);
    }
    console.error(takeout.stderr.trim());
    const table = resultTable(
      unzip,
      takeout,
      options.items && built.items,
      durable,
    );
    console.log(
      `${built.items} items, ${built.copies} album copies, ${
        (built.bytes / 1024 / MIB).toFixed(2)
      } GiB in ${options.parts} zip parts\n`,
    );
    console.log(table.text);
    const present = await alreadyPresent(work, root, built.paths, built.items);
    console.log(`\n${present.text}`);
    return table.pass && present.pass ? 0 : 1;
  } finally {
    if (options.keep) console.error(`Kept ${work}.`);
    else await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exitCode = 1;
  }
}
