// The fields of Takeout's JSON, read without trusting their shape: a field
// of the wrong type is dropped with a warning, a text too long is cut, a
// number may come as a string. metadata.ts reads the files with it.

/** A GPS position from Takeout (0,0 is Google's "none" and never appears). */
export interface GeoPoint {
  latitude: number;
  longitude: number;
  /** Metres; absent when Google wrote 0 or nothing. */
  altitude?: number;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A sidecar's text fields (title, description, names) are kept to this
 * many characters: Google Photos takes far shorter ones, and a crafted
 * sidecar of megabyte descriptions would otherwise be held in memory for
 * every item. A longer text is cut, and says so at its end.
 */
export const MAX_TEXT_CHARS = 16 * 1024;
/** People tagged on one item, at most (the rest are left out, said so). */
export const MAX_PEOPLE = 1000;

/** Reads the fields of one file, gathering warnings. */
export class Reader {
  readonly warnings: string[] = [];

  warn(field: string, problem: string): void {
    this.warnings.push(`${field}: ${problem}`);
  }

  /** A string field, or undefined (with a warning when of another type). */
  text(
    object: JsonObject,
    field: string,
    path = field,
    max = MAX_TEXT_CHARS,
  ): string | undefined {
    const value = object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      this.warn(path, `expected a string, found ${typeName(value)}`);
      return undefined;
    }
    if (value.length > max) {
      this.warn(path, `${value.length} characters, cut to ${max}`);
      return `${value.slice(0, max)} [cut from ${value.length} characters]`;
    }
    return value;
  }

  /** A string field with blanks meaning "none". */
  nonEmptyText(
    object: JsonObject,
    field: string,
    path = field,
    max = MAX_TEXT_CHARS,
  ): string | undefined {
    const value = this.text(object, field, path, max);
    return value === undefined || value.trim() === "" ? undefined : value;
  }

  /** `{ "timestamp": "1696574349" }` as a Date. */
  time(object: JsonObject, field: string): Date | undefined {
    const value = object[field];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      this.warn(field, `expected an object, found ${typeName(value)}`);
      return undefined;
    }
    const stamp = value.timestamp;
    if (stamp === undefined) {
      this.warn(`${field}.timestamp`, "missing");
      return undefined;
    }
    let seconds: number;
    if (typeof stamp === "string" && /^\s*-?\d{1,15}\s*$/.test(stamp)) {
      seconds = Number(stamp);
    } else if (typeof stamp === "number" && Number.isFinite(stamp)) {
      // Ente writes numbers; Google writes strings. Read both.
      seconds = Math.floor(stamp);
    } else {
      this.warn(`${field}.timestamp`, `not epoch seconds: ${show(stamp)}`);
      return undefined;
    }
    if (seconds === 0) {
      // Google writes 0 when it has no time: 1970-01-01 is never meant.
      this.warn(`${field}.timestamp`, "is 0 (no time)");
      return undefined;
    }
    const date = new Date(seconds * 1000);
    if (Number.isNaN(date.getTime())) {
      this.warn(`${field}.timestamp`, `out of range: ${show(stamp)}`);
      return undefined;
    }
    return date;
  }

  /** A geoData object as a point, or undefined for 0,0 and bad values. */
  geo(object: JsonObject, field: string): GeoPoint | undefined {
    const value = object[field];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      this.warn(field, `expected an object, found ${typeName(value)}`);
      return undefined;
    }
    const latitude = this.number(value, "latitude", `${field}.latitude`);
    const longitude = this.number(value, "longitude", `${field}.longitude`);
    if (latitude === undefined || longitude === undefined) return undefined;
    if (latitude === 0 && longitude === 0) return undefined;
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
      this.warn(field, `not a position: ${latitude},${longitude}`);
      return undefined;
    }
    const point: GeoPoint = { latitude, longitude };
    const altitude = this.number(value, "altitude", `${field}.altitude`);
    if (altitude !== undefined && altitude !== 0) point.altitude = altitude;
    return point;
  }

  number(object: JsonObject, field: string, path: string): number | undefined {
    const value = object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && value.trim() !== "") {
      const parsed = Number(value);
      if (Number.isFinite(parsed)) return parsed;
    }
    this.warn(path, `expected a number, found ${show(value)}`);
    return undefined;
  }

  /** `true` only when the field is exactly true. */
  flag(object: JsonObject, field: string): true | undefined {
    const value = object[field];
    if (value === true) return true;
    if (value !== undefined && value !== false && value !== null) {
      this.warn(field, `expected true or false, found ${show(value)}`);
    }
    return undefined;
  }
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
