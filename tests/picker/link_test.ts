import { assert, assertEquals } from "../assert.ts";
import { silentLogger } from "../../src/log.ts";
import { qrText, showPickerLink } from "../../src/picker/link.ts";

const LINK = {
  sessionId: "s-1",
  pickerUri:
    "https://photos.google.com/picker/3f2b9c0e-1234-4abc-9def-0123456789ab",
  expireTime: new Date("2026-05-01T10:00:00Z"),
  maxItems: 2000,
};

function sinks(isTty: boolean, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    ctx: {
      print: (line: string) => out.push(line),
      stderr: (text: string) => err.push(text),
      isTty,
      env: (name: string) => env[name],
      logger: silentLogger,
    },
  };
}

Deno.test("the link goes to stdout; a terminal also gets a QR code on stderr", () => {
  const tty = sinks(true);
  showPickerLink(LINK, { json: false }, tty.ctx);
  assertEquals(tty.out, [LINK.pickerUri]);
  const qr = tty.err.join("");
  // Half-block characters, black on white set by the code itself.
  assert(/[▀▄█]/.test(qr), "no QR code drawn");
  assert(qr.includes("\x1b[47m"), "the QR code does not set its colours");
  const lines = qr.trim().split("\n");
  assert(lines.length > 10 && lines.length < 40, `${lines.length} lines`);

  const pipe = sinks(false);
  showPickerLink(LINK, { json: false }, pipe.ctx);
  assertEquals(pipe.out, [LINK.pickerUri]);
  assertEquals(pipe.err, [], "no QR code into a pipe or a log");
});

Deno.test("NO_COLOR gets a QR code without escape sequences", () => {
  const tty = sinks(true, { NO_COLOR: "1" });
  showPickerLink(LINK, { json: false }, tty.ctx);
  const qr = tty.err.join("");
  assert(/[▀▄█]/.test(qr), "no QR code drawn");
  assert(!qr.includes("\x1b["), "escape sequences despite NO_COLOR");
});

Deno.test("with --json the link is a JSON line naming the session", () => {
  const s = sinks(false);
  showPickerLink(LINK, { json: true }, s.ctx);
  assertEquals(s.out.map((l) => JSON.parse(l)), [{
    command: "pick",
    event: "session",
    sessionId: "s-1",
    pickerUri: LINK.pickerUri,
    expireTime: "2026-05-01T10:00:00.000Z",
    maxItems: 2000,
  }]);
});

Deno.test("two different links give two different QR codes", () => {
  const a = qrText("https://photos.google.com/picker/a", {
    color: false,
  });
  const b = qrText("https://photos.google.com/picker/b", {
    color: false,
  });
  assert(a !== undefined && b !== undefined);
  assert(a !== b);
});
