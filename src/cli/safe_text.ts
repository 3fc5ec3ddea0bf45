// Text from outside (entry names in an archive, file names and titles from
// Google, error bodies) is shown to a person and written to the log. Raw
// control characters there could clear the screen, retitle the terminal or
// hide text (ESC sequences, C1 controls such as CSI, carriage returns), so
// every line printed or logged passes through safeText: secrets removed
// (src/google/redact.ts), control characters shown as escapes.

import { redact } from "../google/redact.ts";

// C0 controls but tab and newline (which lay out messages), DEL, C1.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with control characters (but \t and \n) as \xNN escapes. */
export function escapeControls(text: string): string {
  return text.replace(
    CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** What may reach a terminal or the log: redacted, controls escaped. */
export function safeText(text: string): string {
  return escapeControls(redact(text));
}
