// Builds the zip and tar parts the archive reader tests read, in code, so
// that every odd case (ZIP64 on small entries, cp437 names, data
// descriptors, GNU long names, pax headers, base-256 sizes, truncation) is
// made on purpose rather than found in a fixture. Data can be generated on
// the fly, so multi-megabyte entries are never held in memory, and long
// runs of zeros are written as holes, so a >4 GB entry costs no disk.

import zlib from "node:zlib";

/** Entry data: bytes, a generated stream, or zeros (stored as a hole). */
export type DataSpec =
  | Uint8Array
  | { readonly stream: () => AsyncIterable<Uint8Array> }
  | { readonly zeros: number };

export interface ZipEntrySpec {
  name: string;
  /** Bytes written as the name instead of UTF-8 (cp437 names). */
  rawName?: Uint8Array;
  data?: DataSpec;
  /** 0 stored, 8 deflate; any other number is written as is. */
  method?: number;
  /** Sets general purpose bit 11; default: when the name is not ASCII. */
  utf8Flag?: boolean;
  /** An Info-ZIP Unicode path field (0x7075) for this name. */
  unicodePath?: string;
  /** Writes ZIP64 fields even for a small entry. */
  zip64?: boolean;
  /** Sizes and CRC in a data descriptor (always for streamed data). */
  descriptor?: boolean;
  /** A descriptor without its PK 07 08 signature. */
  unsignedDescriptor?: boolean;
  mtime?: Date;
  /** Unix mode and type, e.g. 0o120777 for a symlink (made by Unix). */
  unixMode?: number;
  /** A CRC to write instead of the true one. */
  crc?: number;
  /** General purpose flags to add (1: encrypted). */
  extraFlags?: number;
}

export interface ZipOptions {
  /** ZIP64 end records even when not needed. */
  zip64End?: boolean;
  /** Bytes before the archive (a self-extractor stub). */
  prefix?: Uint8Array;
  comment?: string;
}

export interface ZipLayout {
  size: number;
  localOffsets: number[];
  cdOffset: number;
  /** Where the end of central directory record starts. */
  eocdOffset: number;
}

const U32 = 0xffffffff;
const utf8 = new TextEncoder();

/** Writes a zip part, streaming entry data, and returns where things went. */
export async function writeZip(
  path: string,
  entries: ZipEntrySpec[],
  options: ZipOptions = {},
): Promise<ZipLayout> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  const out = new Output(file);
  try {
    // Offsets count from the archive's start, as when a stub is prepended
    // with cat: readers must find the shift.
    const prefixLength = options.prefix?.length ?? 0;
    if (options.prefix) await out.write(options.prefix);
    const central: Uint8Array[] = [];
    const localOffsets: number[] = [];
    for (const spec of entries) {
      const offset = out.position;
      localOffsets.push(offset);
      central.push(await writeZipEntry(out, spec, offset, prefixLength));
    }
    const cdOffset = out.position;
    for (const record of central) await out.write(record);
    const cdSize = out.position - cdOffset;
    const zip64 = options.zip64End || entries.length > 0xffff ||
      cdOffset >= U32 || cdSize >= U32;
    if (zip64) {
      const z64At = out.position;
      const rec = new Bytes(56);
      rec.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0)
        .u64(entries.length).u64(entries.length).u64(cdSize)
        .u64(cdOffset - prefixLength);
      await out.write(rec.bytes);
      const loc = new Bytes(20);
      loc.u32(0x07064b50).u32(0).u64(z64At - prefixLength).u32(1);
      await out.write(loc.bytes);
    }
    const eocdOffset = out.position;
    const comment = utf8.encode(options.comment ?? "");
    const eocd = new Bytes(22 + comment.length);
    const count = zip64 ? 0xffff : entries.length;
    eocd.u32(0x06054b50).u16(0).u16(0).u16(count).u16(count)
      .u32(zip64 ? U32 : cdSize).u32(zip64 ? U32 : cdOffset - prefixLength)
      .u16(comment.length).raw(comment);
    await out.write(eocd.bytes);
    await out.flush();
    return { size: out.position, localOffsets, cdOffset, eocdOffset };
  } finally {
    file.close();
  }
}

async function writeZipEntry(
  out: Output,
  spec: ZipEntrySpec,
  position: number,
  prefixLength: number,
): Promise<Uint8Array> {
  const offset = position - prefixLength;
  const nameBytes = spec.rawName ?? utf8.encode(spec.name);
  const data = spec.data ?? new Uint8Array(0);
  const method = spec.method ?? (isEmpty(data) ? 0 : 8);
  const streamed = !(data instanceof Uint8Array) && "stream" in data;
  const descriptor = spec.descriptor || streamed;
  const utf8Flag = spec.utf8Flag ?? (!spec.rawName && !isAscii(spec.name));
  const flags = (descriptor ? 0x0008 : 0) | (utf8Flag ? 0x0800 : 0) |
    (spec.extraFlags ?? 0);
  const { time, date } = dosDateTime(
    spec.mtime ?? new Date(Date.UTC(2023, 9, 6, 6, 39, 8)),
  );

  // Sizes known up front unless streamed.
  let known: {
    crc: number;
    size: number;
    compressed: Uint8Array | undefined;
    csize: number;
  } | undefined;
  if (data instanceof Uint8Array) {
    const compressed = method === 8 ? await deflate(data) : data;
    known = {
      crc: zlib.crc32(data),
      size: data.length,
      compressed,
      csize: compressed.length,
    };
  } else if ("zeros" in data) {
    if (method !== 0) throw new Error("zeros are written stored only");
    known = {
      crc: crcOfZeros(data.zeros),
      size: data.zeros,
      compressed: undefined,
      csize: data.zeros,
    };
  }
  const zip64 = spec.zip64 || (known !== undefined &&
    (known.size >= U32 || known.csize >= U32)) ||
    offset >= U32;

  const unicode = spec.unicodePath === undefined
    ? undefined
    : new Bytes(5 + utf8.encode(spec.unicodePath).length)
      .u8(1).u32(zlib.crc32(nameBytes)).raw(utf8.encode(spec.unicodePath))
      .bytes;
  const localExtra: Uint8Array[] = [];
  if (zip64) {
    const showSizes = !descriptor && known;
    localExtra.push(
      new Bytes(20).u16(1).u16(16).u64(showSizes ? known!.size : 0)
        .u64(showSizes ? known!.csize : 0).bytes,
    );
  }
  if (unicode) localExtra.push(extraBlock(0x7075, unicode));
  const localExtraBytes = concat(localExtra);
  const header = new Bytes(30 + nameBytes.length + localExtraBytes.length);
  const headerCrc = descriptor ? 0 : (spec.crc ?? known!.crc);
  const headerCsize = descriptor ? 0 : zip64 ? U32 : known!.csize;
  const headerSize = descriptor ? 0 : zip64 ? U32 : known!.size;
  header.u32(0x04034b50).u16(zip64 ? 45 : 20).u16(flags).u16(method)
    .u16(time).u16(date).u32(headerCrc).u32(headerCsize).u32(headerSize)
    .u16(nameBytes.length).u16(localExtraBytes.length).raw(nameBytes)
    .raw(localExtraBytes);
  await out.write(header.bytes);

  let crc: number;
  let size: number;
  let csize: number;
  if (known?.compressed) {
    await out.write(known.compressed);
    ({ crc, size, csize } = known);
  } else if (known) {
    await out.hole(known.size);
    ({ crc, size, csize } = known);
  } else {
    const source = (data as { stream: () => AsyncIterable<Uint8Array> })
      .stream();
    ({ crc, size, csize } = await writeStreamed(out, source, method));
  }
  const storedCrc = spec.crc ?? crc;
  if (descriptor) {
    const d = new Bytes(24);
    if (!spec.unsignedDescriptor) d.u32(0x08074b50);
    d.u32(storedCrc);
    if (zip64) d.u64(csize).u64(size);
    else d.u32(csize).u32(size);
    await out.write(d.bytes.subarray(0, d.length));
  }

  const centralExtra: Uint8Array[] = [];
  if (zip64) {
    centralExtra.push(
      new Bytes(28).u16(1).u16(24).u64(size).u64(csize).u64(offset).bytes,
    );
  }
  if (unicode) centralExtra.push(extraBlock(0x7075, unicode));
  const centralExtraBytes = concat(centralExtra);
  const madeBy = spec.unixMode === undefined ? 20 : (3 << 8) | 20;
  const external = spec.unixMode === undefined
    ? (spec.name.endsWith("/") ? 0x10 : 0)
    : spec.unixMode << 16 >>> 0;
  const record = new Bytes(46 + nameBytes.length + centralExtraBytes.length);
  record.u32(0x02014b50).u16(madeBy).u16(zip64 ? 45 : 20).u16(flags)
    .u16(method).u16(time).u16(date).u32(storedCrc)
    .u32(zip64 ? U32 : csize).u32(zip64 ? U32 : size)
    .u16(nameBytes.length).u16(centralExtraBytes.length).u16(0).u16(0).u16(0)
    .u32(external).u32(zip64 ? U32 : offset).raw(nameBytes)
    .raw(centralExtraBytes);
  return record.bytes;
}

async function writeStreamed(
  out: Output,
  source: AsyncIterable<Uint8Array>,
  method: number,
): Promise<{ crc: number; size: number; csize: number }> {
  let crc = 0;
  let size = 0;
  let csize = 0;
  if (method === 0) {
    for await (const chunk of source) {
      crc = zlib.crc32(chunk, crc);
      size += chunk.length;
      await out.write(chunk);
    }
    return { crc, size, csize: size };
  }
  const counted = ReadableStream.from(source).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array<ArrayBuffer>>({
      transform(chunk, controller) {
        crc = zlib.crc32(chunk, crc);
        size += chunk.length;
        controller.enqueue(chunk as Uint8Array<ArrayBuffer>);
      },
    }),
  ).pipeThrough(new CompressionStream("deflate-raw"));
  for await (const chunk of counted) {
    csize += chunk.length;
    await out.write(chunk);
  }
  return { crc, size, csize };
}

// ---- tar ----

export interface TarEntrySpec {
  name: string;
  /** Type flag; default "5" for names ending in "/", else "0". */
  type?: string;
  data?: Uint8Array | {
    readonly stream: () => AsyncIterable<Uint8Array>;
    readonly size: number;
  };
  linkname?: string;
  mtime?: Date;
  mode?: number;
  /** How a name over 100 bytes is stored; default "pax". */
  longName?: "gnu" | "pax";
  /** More pax records for this entry. */
  pax?: Record<string, string>;
  /** Writes the size field in base-256 even when octal would do. */
  base256Size?: boolean;
  /** A size to claim in the header instead of the data's. */
  claimSize?: number;
}

/** Writes a tar part (gzipped unless `gzip` is false). */
export async function writeTar(
  path: string,
  entries: TarEntrySpec[],
  options: { gzip?: boolean; endBlocks?: boolean } = {},
): Promise<void> {
  let stream: ReadableStream<Uint8Array> = ReadableStream.from(
    tarBlocks(entries, options.endBlocks ?? true),
  );
  if (options.gzip ?? true) {
    stream = stream.pipeThrough(
      new CompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    );
  }
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  await stream.pipeTo(file.writable);
}

async function* tarBlocks(
  entries: TarEntrySpec[],
  endBlocks: boolean,
): AsyncIterable<Uint8Array> {
  for (const spec of entries) {
    const type = spec.type ?? (spec.name.endsWith("/") ? "5" : "0");
    const data = spec.data ?? new Uint8Array(0);
    const size = data instanceof Uint8Array ? data.length : data.size;
    const pax: Record<string, string> = { ...spec.pax };
    let name = spec.name;
    const nameBytes = utf8.encode(spec.name);
    if (nameBytes.length > 100) {
      if (spec.longName === "gnu") {
        const long = concat([nameBytes, new Uint8Array(1)]);
        yield tarHeader({
          name: "././@LongLink",
          type: "L",
          size: long.length,
          gnu: true,
        });
        yield padded(long);
      } else {
        pax.path = spec.name;
      }
      name = new TextDecoder().decode(nameBytes.subarray(0, 100))
        .replace(/\uFFFD+$/, "");
    }
    if (Object.keys(pax).length) {
      const body = utf8.encode(
        Object.entries(pax).map(([k, v]) => paxRecord(k, v)).join(""),
      );
      yield tarHeader({
        name: "PaxHeaders/" + name.slice(0, 80),
        type: "x",
        size: body.length,
      });
      yield padded(body);
    }
    yield tarHeader({
      name,
      type,
      size: spec.claimSize ?? size,
      linkname: spec.linkname,
      mtime: spec.mtime,
      mode: spec.mode,
      base256: spec.base256Size,
      gnu: spec.longName === "gnu",
    });
    if (data instanceof Uint8Array) {
      if (data.length) yield padded(data);
    } else {
      let written = 0;
      for await (const chunk of data.stream()) {
        written += chunk.length;
        yield chunk;
      }
      if (written % 512) yield new Uint8Array(512 - (written % 512));
    }
  }
  if (endBlocks) yield new Uint8Array(1024);
}

function tarHeader(h: {
  name: string;
  type: string;
  size: number;
  linkname?: string;
  mtime?: Date;
  mode?: number;
  base256?: boolean;
  gnu?: boolean;
}): Uint8Array {
  const block = new Uint8Array(512);
  const put = (text: string, at: number, length: number) => {
    block.set(utf8.encode(text).subarray(0, length), at);
  };
  const octal = (n: number, at: number, length: number) =>
    put(n.toString(8).padStart(length - 1, "0") + "\0", at, length);
  put(h.name, 0, 100);
  octal(h.mode ?? (h.type === "5" ? 0o755 : 0o644), 100, 8);
  octal(1000, 108, 8);
  octal(1000, 116, 8);
  if (h.base256 || h.size >= 8 ** 11) {
    block[124] = 0x80;
    let n = BigInt(h.size);
    for (let i = 135; i > 124; i--) {
      block[i] = Number(n & 0xffn);
      n >>= 8n;
    }
  } else {
    octal(h.size, 124, 12);
  }
  const mtime = Math.floor(
    (h.mtime ?? new Date(Date.UTC(2023, 9, 6, 6, 39, 9))).getTime() / 1000,
  );
  octal(mtime, 136, 12);
  put(h.type, 156, 1);
  put(h.linkname ?? "", 157, 100);
  if (h.gnu) put("ustar  \0", 257, 8);
  else {
    put("ustar\0", 257, 6);
    put("00", 263, 2);
  }
  put("user", 265, 32);
  put("user", 297, 32);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = utf8.encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length++;
  return `${length}${body}`;
}

function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
  out.set(bytes);
  return out;
}

// ---- generated data and reading helpers ----

/**
 * `size` deterministic bytes for `seed`, made in 1 MiB chunks as they are
 * consumed: never all in memory. By default they compress about 2:1; with
 * `runs`, they are runs of one byte with a little noise, which deflate
 * (CompressionStream has no level setting) compresses ~70:1 and five times
 * faster, for tests whose point is size rather than the ratio.
 */
export function generated(
  size: number,
  seed = 1,
  options: { runs?: boolean } = {},
): {
  stream: () => AsyncIterable<Uint8Array>;
} {
  return {
    stream: async function* () {
      const base = seededBlock(seed, options.runs ?? false);
      for (let at = 0, n = 0; at < size; at += base.length, n++) {
        const chunk = base.slice(0, Math.min(base.length, size - at));
        new DataView(chunk.buffer).setUint32(0, n);
        yield chunk;
      }
    },
  };
}

function seededBlock(seed: number, runs: boolean): Uint8Array {
  const block = new Uint8Array(1 << 20);
  let x = seed * 2654435761 >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>>= 0;
  };
  if (runs) {
    for (let i = 0; i < block.length; i += 512) {
      block.fill(next() & 0xff, i, i + 504);
      for (let j = 504; j < 512; j++) block[i + j] = next() & 0xff;
    }
    return block;
  }
  for (let i = 0; i < block.length; i++) block[i] = 0x40 + (next() & 0x0f);
  return block;
}

/** CRC-32 and length of a stream of chunks. */
export async function crcOf(
  source: AsyncIterable<Uint8Array>,
): Promise<{ crc: number; size: number }> {
  let crc = 0;
  let size = 0;
  for await (const chunk of source) {
    crc = zlib.crc32(chunk, crc);
    size += chunk.length;
  }
  return { crc, size };
}

/** Reads a stream, keeping only its count, CRC and largest chunk. */
export async function drain(
  stream: ReadableStream<Uint8Array>,
): Promise<{ crc: number; size: number; maxChunk: number }> {
  let crc = 0;
  let size = 0;
  let maxChunk = 0;
  for await (const chunk of stream) {
    crc = zlib.crc32(chunk, crc);
    size += chunk.length;
    maxChunk = Math.max(maxChunk, chunk.length);
  }
  return { crc, size, maxChunk };
}

export async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function readText(
  stream: ReadableStream<Uint8Array>,
): Promise<string> {
  return new TextDecoder().decode(await readAll(stream));
}

export async function withTempDir(
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "takeout_archive_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a command-line tool is on PATH. */
export async function hasTool(name: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Runs a tool in `cwd`; throws with its stderr when it fails. */
export async function run(
  cwd: string,
  command: string,
  args: string[],
): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C.UTF-8", TZ: "UTC" },
  }).output();
  const text = new TextDecoder();
  if (!success) {
    throw new Error(`${command} ${args.join(" ")}: ${text.decode(stderr)}`);
  }
  return text.decode(stdout);
}

// ---- byte plumbing ----

/** A little-endian record builder. */
class Bytes {
  readonly bytes: Uint8Array;
  length = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  u8(n: number): this {
    this.bytes[this.length++] = n;
    return this;
  }
  u16(n: number): this {
    this.bytes[this.length++] = n & 0xff;
    this.bytes[this.length++] = (n >>> 8) & 0xff;
    return this;
  }
  u32(n: number): this {
    return this.u16(n & 0xffff).u16((n >>> 16) & 0xffff);
  }
  u64(n: number): this {
    return this.u32(n % 2 ** 32).u32(Math.floor(n / 2 ** 32));
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.length);
    this.length += b.length;
    return this;
  }
}

/** Buffered sequential writes, with holes for runs of zeros. */
class Output {
  readonly #file: Deno.FsFile;
  #buffer = new Uint8Array(1 << 20);
  #used = 0;
  position = 0;
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length > this.#buffer.length - this.#used) {
      await this.flush();
      if (bytes.length > this.#buffer.length) {
        await writeFully(this.#file, bytes);
        this.position += bytes.length;
        return;
      }
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    this.position += bytes.length;
  }
  async hole(length: number): Promise<void> {
    await this.flush();
    await this.#file.seek(length, Deno.SeekMode.Current);
    this.position += length;
  }
  async flush(): Promise<void> {
    if (this.#used) {
      await writeFully(this.#file, this.#buffer.subarray(0, this.#used));
      this.#used = 0;
    }
  }
}

async function writeFully(file: Deno.FsFile, bytes: Uint8Array) {
  let at = 0;
  while (at < bytes.length) at += await file.write(bytes.subarray(at));
}

function extraBlock(id: number, body: Uint8Array): Uint8Array {
  return new Bytes(4 + body.length).u16(id).u16(body.length).raw(body).bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  return await readAll(
    ReadableStream.from([data as Uint8Array<ArrayBuffer>]).pipeThrough(
      new CompressionStream("deflate-raw"),
    ),
  );
}

function crcOfZeros(length: number): number {
  const zeros = new Uint8Array(Math.min(length, 16 << 20));
  let crc = 0;
  for (let left = length; left > 0; left -= zeros.length) {
    crc = zlib.crc32(zeros.subarray(0, Math.min(left, zeros.length)), crc);
  }
  return crc;
}

function isEmpty(data: DataSpec): boolean {
  return data instanceof Uint8Array && data.length === 0;
}

function isAscii(s: string): boolean {
  return [...s].every((c) => c.charCodeAt(0) < 0x80);
}

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) |
      (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) |
      d.getUTCDate(),
  };
}
