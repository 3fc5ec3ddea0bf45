// The XMP sidecar written beside each imported Takeout item (`IMG_1.jpg.xmp`,
// the name darktable and digiKam look for): the description, capture time,
// GPS position, favourite flag and tagged people that Takeout keeps in its
// JSON, in the properties photo managers read. The media bytes are never
// touched; this file is the only place the metadata goes besides the index.
//
// Choices, and who reads them:
// - caption: dc:description (language alternative, x-default): every XMP
//   reader.
// - capture time: exif:DateTimeOriginal, xmp:CreateDate and
//   photoshop:DateCreated, in UTC with "Z", since photoTakenTime is an
//   instant and Takeout does not say the local zone.
// - position: exif:GPSLatitude/GPSLongitude in XMP's "DDD,MM.mmmmmmK" form,
//   exif:GPSAltitude as a rational with exif:GPSAltitudeRef.
// - favourite: xmp:Rating 5. Ratings are the one "I like this" mark that
//   digiKam, darktable, Lightroom, Shotwell and exiftool all read; colour
//   and pick labels differ per program. Items that are not favourites get no
//   rating, so "unrated" stays unrated.
// - people: Takeout has names but no face areas, so no MWG or Microsoft
//   regions (they need an area). The names go to dc:subject (keywords,
//   read everywhere), Iptc4xmpExt:PersonInImage (the IPTC standard),
//   digiKam:TagsList as "People/Name" (digiKam's people tags) and
//   lr:hierarchicalSubject as "People|Name" (darktable, Lightroom).

import type { GeoPoint, ItemMetadata } from "./metadata.ts";

/** What goes into an XMP sidecar. Absent fields are left out. */
export interface XmpData {
  description?: string;
  /** The capture instant (photoTakenTime). */
  takenAt?: Date;
  geo?: GeoPoint;
  favorite?: boolean;
  people?: readonly string[];
}

/**
 * The XMP data of a Takeout item. The capture time comes only from the
 * sidecar: a date guessed from EXIF or the file name is not written as if
 * Google had said it.
 */
export function xmpDataOf(
  item: Pick<
    ItemMetadata,
    "description" | "photoTakenTime" | "geo" | "favorited" | "people"
  >,
): XmpData {
  const data: XmpData = {};
  if (item.description !== undefined) data.description = item.description;
  if (item.photoTakenTime !== undefined) data.takenAt = item.photoTakenTime;
  if (item.geo !== undefined) data.geo = item.geo;
  if (item.favorited) data.favorite = true;
  if (item.people.length > 0) data.people = item.people;
  return data;
}

// XML 1.0 allows tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and the
// supplementary planes; lone surrogates cannot be encoded at all.
const FORBIDDEN_XML =
  // deno-lint-ignore no-control-regex -- these are the characters XML forbids
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` without the characters XML 1.0 cannot hold. */
export function stripInvalidXmlChars(text: string): string {
  return text.replace(FORBIDDEN_XML, "");
}

/** Escape text for element content (CR kept as a reference: parsers drop a bare one). */
export function xmlText(text: string): string {
  return stripInvalidXmlChars(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("\r", "&#xD;");
}

/** Escape text for a double- or single-quoted attribute value. */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;")
    .replaceAll("\n", "&#xA;")
    .replaceAll("\t", "&#x9;");
}

/**
 * A coordinate in XMP's GPSCoordinate form, degrees and decimal minutes:
 * 48.8584 -> "48,51.504000N", -2.5 (longitude) -> "2,30.000000W".
 */
export function xmpGpsCoordinate(
  value: number,
  axis: "latitude" | "longitude",
): string {
  const limit = axis === "latitude" ? 90 : 180;
  if (!Number.isFinite(value) || Math.abs(value) > limit) {
    throw new RangeError(`${value} is not a ${axis}`);
  }
  const ref = axis === "latitude"
    ? (value < 0 ? "S" : "N")
    : (value < 0 ? "W" : "E");
  // Whole micro-minutes, so rounding never yields "60.000000" minutes.
  const micro = Math.round(Math.abs(value) * 60 * 1e6);
  const degrees = Math.floor(micro / 60e6);
  const minutes = (micro - degrees * 60e6) / 1e6;
  return `${degrees},${minutes.toFixed(6)}${ref}`;
}

/** "2023-10-06T06:39:09Z" (XMP dates are ISO 8601; no milliseconds). */
function xmpDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const NAMESPACES: [string, string][] = [
  ["dc", "http://purl.org/dc/elements/1.1/"],
  ["xmp", "http://ns.adobe.com/xap/1.0/"],
  ["photoshop", "http://ns.adobe.com/photoshop/1.0/"],
  ["exif", "http://ns.adobe.com/exif/1.0/"],
  ["Iptc4xmpExt", "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"],
  ["digiKam", "http://www.digikam.org/ns/1.0/"],
  ["lr", "http://ns.adobe.com/lightroom/1.0/"],
];

/** A person's name as one level of a tag path (no separator inside). */
function tagLevel(name: string, separator: string): string {
  return name.replaceAll(separator, "-");
}

/** The XMP sidecar document for `data`, as UTF-8 text. */
export function xmpDocument(data: XmpData): string {
  const attributes = xmpAttributes(data);
  const elements = [...descriptionElements(data), ...peopleElements(data)];
  const namespaces = NAMESPACES.map(([prefix, uri]) =>
    `   xmlns:${prefix}="${uri}"`
  );
  const head = [`  <rdf:Description rdf:about=""`, ...namespaces, ...attributes]
    .join("\n");
  const body = elements.length === 0
    ? `${head}/>`
    : [`${head}>`, ...elements, "  </rdf:Description>"].join("\n");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="gphotos-sync">`,
    ` <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`,
    body,
    " </rdf:RDF>",
    "</x:xmpmeta>",
    "",
  ].join("\n");
}

/** The rating, dates and GPS: attributes of the description, one a line. */
function xmpAttributes(data: XmpData): string[] {
  const attributes: string[] = [];
  const attr = (name: string, value: string) =>
    attributes.push(`   ${name}="${xmlAttribute(value)}"`);
  if (data.favorite) attr("xmp:Rating", "5");
  if (data.takenAt !== undefined && !Number.isNaN(data.takenAt.getTime())) {
    const when = xmpDate(data.takenAt);
    attr("exif:DateTimeOriginal", when);
    attr("xmp:CreateDate", when);
    attr("photoshop:DateCreated", when);
  }
  if (data.geo !== undefined) {
    attr("exif:GPSVersionID", "2.2.0.0");
    attr("exif:GPSLatitude", xmpGpsCoordinate(data.geo.latitude, "latitude"));
    attr(
      "exif:GPSLongitude",
      xmpGpsCoordinate(data.geo.longitude, "longitude"),
    );
    const altitude = data.geo.altitude;
    if (altitude !== undefined && Number.isFinite(altitude)) {
      attr("exif:GPSAltitude", `${Math.round(Math.abs(altitude) * 1000)}/1000`);
      attr("exif:GPSAltitudeRef", altitude < 0 ? "1" : "0");
    }
  }
  return attributes;
}

/** The description, when it has more than blanks. */
function descriptionElements(data: XmpData): string[] {
  const description = data.description === undefined
    ? ""
    : stripInvalidXmlChars(data.description);
  if (description.trim() === "") return [];
  return [
    "   <dc:description>",
    "    <rdf:Alt>",
    `     <rdf:li xml:lang="x-default">${xmlText(description)}</rdf:li>`,
    "    </rdf:Alt>",
    "   </dc:description>",
  ];
}

/** The people, as keywords and as the tag paths of digiKam and Lightroom. */
function peopleElements(data: XmpData): string[] {
  const people = [
    ...new Set(
      (data.people ?? []).map((p) => stripInvalidXmlChars(p).trim()).filter(
        (p) => p !== "",
      ),
    ),
  ];
  if (people.length === 0) return [];
  const list = (name: string, kind: "Bag" | "Seq", items: string[]) => [
    `   <${name}>`,
    `    <rdf:${kind}>`,
    ...items.map((item) => `     <rdf:li>${xmlText(item)}</rdf:li>`),
    `    </rdf:${kind}>`,
    `   </${name}>`,
  ];
  return [
    ...list("dc:subject", "Bag", people),
    ...list("Iptc4xmpExt:PersonInImage", "Bag", people),
    ...list(
      "digiKam:TagsList",
      "Seq",
      people.map((p) => `People/${tagLevel(p, "/")}`),
    ),
    ...list(
      "lr:hierarchicalSubject",
      "Bag",
      people.map((p) => `People|${tagLevel(p, "|")}`),
    ),
  ];
}
