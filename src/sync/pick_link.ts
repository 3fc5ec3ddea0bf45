// Showing the picker link: the pickerUri on stdout (a JSON line with
// --json), and on a terminal a QR code of it on stderr, so a person at a
// headless server's console can scan it with the phone that will pick.
// The QR code comes from the npm package qrcode, loaded only when one is
// drawn; it paints black on white itself, so it scans on dark and light
// terminals alike (NO_COLOR gets the uncoloured block rendering).

import type { RunContext } from "./context.ts";

export interface LinkInfo {
  sessionId: string;
  pickerUri: string;
  expireTime: Date | undefined;
  maxItems: number | undefined;
}

type QrToString = (
  text: string,
  options: {
    type: "terminal" | "utf8";
    small?: boolean;
    errorCorrectionLevel?: string;
  },
) => Promise<string>;

/** The QR code of `text` as terminal text; undefined if it cannot be drawn. */
export async function qrText(
  text: string,
  options: { color: boolean },
): Promise<string | undefined> {
  try {
    // Loaded only when a code is drawn (on a terminal).
    const mod = await import("qrcode");
    const toString = (mod.default ?? mod).toString as QrToString;
    // Low error correction keeps the code small enough for an 80-column
    // terminal; a screen is not a crumpled label.
    return await toString(text, {
      type: options.color ? "terminal" : "utf8",
      small: true,
      errorCorrectionLevel: "L",
    });
  } catch {
    return undefined;
  }
}

export async function showPickerLink(
  link: LinkInfo,
  options: { json: boolean },
  ctx: Pick<RunContext, "print" | "stderr" | "isTty" | "env" | "logger">,
): Promise<void> {
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
  const qr = await qrText(link.pickerUri, {
    color: ctx.env("NO_COLOR") === undefined || ctx.env("NO_COLOR") === "",
  });
  if (qr === undefined) {
    ctx.logger.debug("The QR code could not be drawn; the link is above.");
    return;
  }
  ctx.stderr(`\n${qr.replace(/\n*$/, "")}\n\n`);
}
