// Deterministic opaque strings for the fake Google server: media item and
// album ids that look like Google's (long, URL-safe, meaningless), tokens,
// and sealed payloads (page tokens, baseUrls) that the server can verify and
// a client cannot forge or edit.

import { createHash, createHmac } from "node:crypto";

/** URL-safe base64 without padding, so a client may append `=d` to it. */
export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}

/** Inverse of base64url; null when the text is not valid base64url. */
export function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") +
    "=".repeat((4 - text.length % 4) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** SHA-256 of the parts, separated so ("ab","c") and ("a","bc") differ. */
export function digest(...parts: string[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\u0000");
  return new Uint8Array(h.digest());
}

export function sha256Base64url(text: string): string {
  return base64url(new Uint8Array(createHash("sha256").update(text).digest()));
}

/**
 * An id shaped like Google's media item / album ids: a capital letter, then
 * base64url text, `length` characters in all, derived only from the inputs.
 */
export function googleLikeId(
  seed: string,
  kind: string,
  n: number,
  length = 98,
): string {
  let text = "";
  for (let block = 0; text.length < length - 1; block++) {
    text += base64url(digest(seed, kind, String(n), String(block)));
  }
  return "A" + text.slice(0, length - 1);
}

/**
 * Seals JSON payloads with an HMAC: `seal` gives an opaque base64url string,
 * `open` returns the payload only if the string is exactly one this signer made.
 */
export class Signer {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  seal(payload: unknown): string {
    const body = new TextEncoder().encode(JSON.stringify(payload));
    const mac = this.#mac(body);
    const all = new Uint8Array(mac.length + body.length);
    all.set(mac);
    all.set(body, mac.length);
    return base64url(all);
  }

  open(token: string): unknown {
    const all = fromBase64url(token);
    if (all === null || all.length <= 16) return undefined;
    const mac = all.subarray(0, 16);
    const body = all.subarray(16);
    const expected = this.#mac(body);
    for (let i = 0; i < 16; i++) if (mac[i] !== expected[i]) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(body));
    } catch {
      return undefined;
    }
  }

  #mac(body: Uint8Array): Uint8Array {
    return new Uint8Array(
      createHmac("sha256", this.#secret).update(body).digest(),
    ).subarray(0, 16);
  }
}
