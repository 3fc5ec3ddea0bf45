// Showing the picker link: the pickerUri on stdout (a JSON line with
// --json), and on a terminal a QR code of it on stderr, so a person at a
// headless server's console can scan it with the phone that will pick.
// The code paints black on white itself, so it scans on dark and light
// terminals alike (NO_COLOR gets the uncoloured block rendering).

import { encodeQr, qrTerminalText } from "./qr_code.ts";
import type { RunContext } from "../backup/context.ts";

export interface LinkInfo {
  sessionId: string;
  pickerUri: string;
  expireTime: Date | undefined;
  maxItems: number | undefined;
}

/** The QR code of `text` as terminal text; undefined if it cannot be drawn. */
export function qrText(
  text: string,
  options: { color: boolean },
): string | undefined {
  // Low error correction keeps the code small enough for an 80-column
  // terminal; a screen is not a crumpled label.
  const qr = encodeQr(text, "L");
  return qr && qrTerminalText(qr, options);
}

export function showPickerLink(
  link: LinkInfo,
  options: { json: boolean },
  ctx: Pick<RunContext, "print" | "stderr" | "isTty" | "env" | "logger">,
): void {
  if (options.json) {
    ctx.print(JSON.stringify({
      command: "pick",
      event: "session",
      sessionId: link.sessionId,
      pickerUri: link.pickerUri,
      expireTime: link.expireTime?.toISOString() ?? null,
      maxItems: link.maxItems ?? null,
    }));
  } else {
    ctx.print(link.pickerUri);
  }
  if (!ctx.isTty) return;
  const qr = qrText(link.pickerUri, {
    color: ctx.env("NO_COLOR") === undefined || ctx.env("NO_COLOR") === "",
  });
  if (qr === undefined) {
    ctx.logger.debug("The QR code could not be drawn; the link is above.");
    return;
  }
  ctx.stderr(`\n${qr.replace(/\n*$/, "")}\n\n`);
}
