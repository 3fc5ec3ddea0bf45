// Defensive reading of JSON that a server sent: each field is checked for
// the type the API documents, so a malformed answer becomes one ApiError that
// names the call and the field, not a TypeError deep inside a sync step.

import { ApiError } from "../errors.ts";

export type JsonObject = Record<string, unknown>;

export const MALFORMED_RESPONSE = "MALFORMED_RESPONSE";

/** Checks the JSON answer of one call; `call` names it in messages. */
export class JsonReader {
  readonly call: string;
  constructor(call: string) {
    this.call = call;
  }

  fail(path: string, expected: string, value: unknown): never {
    throw new ApiError(
      `Google sent a malformed answer to ${this.call}: ${path} should be ` +
        `${expected} but is ${kindOf(value)}. Run again later; if it keeps ` +
        "happening, run with --log-level trace and report the trace.",
      200,
      MALFORMED_RESPONSE,
    );
  }

  object(value: unknown, path: string): JsonObject {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(path, "an object", value);
    }
    return value as JsonObject;
  }

  string(obj: JsonObject, key: string, path: string): string {
    const value = obj[key];
    if (typeof value !== "string" || value === "") {
      this.fail(`${path}.${key}`, "a non-empty string", value);
    }
    return value;
  }

  // Absent and null both mean "not given": Google omits empty fields, and
  // other servers speaking the same API sometimes send null instead.

  optString(obj: JsonObject, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      this.fail(`${path}.${key}`, "a string", value);
    }
    return value;
  }

  optBoolean(obj: JsonObject, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") {
      this.fail(`${path}.${key}`, "a boolean", value);
    }
    return value;
  }

  optNumber(obj: JsonObject, key: string, path: string): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.fail(`${path}.${key}`, "a number", value);
    }
    return value;
  }

  /** int64 fields travel as decimal strings; a plain integer is accepted too. */
  optInt64(obj: JsonObject, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isSafeInteger(value)) {
      return String(value);
    }
    if (typeof value !== "string" || !/^-?\d+$/.test(value)) {
      this.fail(`${path}.${key}`, "an integer string", value);
    }
    return value;
  }

  optObject(
    obj: JsonObject,
    key: string,
    path: string,
  ): JsonObject | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    return this.object(value, `${path}.${key}`);
  }

  optArray(obj: JsonObject, key: string, path: string): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) this.fail(`${path}.${key}`, "an array", value);
    return value;
  }

  optStringArray(
    obj: JsonObject,
    key: string,
    path: string,
  ): string[] | undefined {
    const items = this.optArray(obj, key, path);
    if (items === undefined) return undefined;
    return items.map((item, i) => {
      if (typeof item !== "string") {
        this.fail(`${path}.${key}[${i}]`, "a string", item);
      }
      return item;
    });
  }

  /**
   * A string enum; a value this program does not know yet becomes
   * `unknown` rather than failing a whole listing (Google adds values).
   */
  optEnum<T extends string>(
    obj: JsonObject,
    key: string,
    path: string,
    allowed: readonly T[],
    unknown: T,
  ): T | undefined {
    const value = this.optString(obj, key, path);
    if (value === undefined) return undefined;
    return (allowed as readonly string[]).includes(value)
      ? value as T
      : unknown;
  }
}

function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return value === ""
      ? "an empty string"
      : `the string ${
        JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
      }`;
  }
  return `a ${typeof value}`;
}
