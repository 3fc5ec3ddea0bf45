import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  stripInvalidXmlChars,
  xmlAttribute,
  xmlText,
  xmpDataOf,
  xmpDocument,
  xmpGpsCoordinate,
} from "../../src/takeout/xmp.ts";
import { xmpSidecarPath } from "../../src/media/naming.ts";
import { parseItemMetadata } from "../../src/takeout/metadata.ts";

// Deno has no DOMParser, so the tests read the XMP back with a strict
// little XML 1.0 parser: it refuses anything not well-formed (mismatched or
// unclosed tags, a bare "<" or "&", unknown entities, duplicate or unquoted
// attributes, characters XML forbids, text outside the root element).

interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  children: (XmlElement | string)[];
}

const FORBIDDEN =
  // deno-lint-ignore no-control-regex -- the characters XML 1.0 forbids
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NAME = /^[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?$/;

function decodeEntities(raw: string, where: string): string {
  if (/[<]/.test(raw)) throw new Error(`bare "<" in ${where}`);
  return raw.replace(/&([^;&\s]*);?/g, (all, body: string) => {
    if (!all.endsWith(";")) throw new Error(`bare "&" in ${where}`);
    const named: Record<string, string> = {
      amp: "&",
      lt: "<",
      gt: ">",
      quot: '"',
      apos: "'",
    };
    if (body in named) return named[body];
    const hex = /^#x([0-9a-fA-F]+)$/.exec(body);
    const dec = /^#(\d+)$/.exec(body);
    const code = hex ? parseInt(hex[1], 16) : dec ? Number(dec[1]) : NaN;
    if (Number.isNaN(code)) {
      throw new Error(`unknown entity &${body}; in ${where}`);
    }
    const char = String.fromCodePoint(code);
    if (FORBIDDEN.test(char)) throw new Error(`forbidden reference ${all}`);
    return char;
  });
}

function parseXml(text: string): XmlElement {
  if (FORBIDDEN.test(text)) throw new Error("a character XML 1.0 forbids");
  let at = 0;
  const declaration = /^<\?xml[^?]*\?>/.exec(text);
  if (declaration) at = declaration[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < text.length) {
    const lt = text.indexOf("<", at);
    const chunk = text.slice(at, lt < 0 ? text.length : lt);
    if (chunk !== "") {
      const decoded = decodeEntities(chunk, "text");
      if (stack.length === 0) {
        if (decoded.trim() !== "") throw new Error("text outside the root");
      } else {
        stack[stack.length - 1].children.push(decoded);
      }
    }
    if (lt < 0) break;
    const gt = text.indexOf(">", lt);
    if (gt < 0) throw new Error("unclosed tag");
    const tag = text.slice(lt + 1, gt);
    at = gt + 1;
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (open === undefined || open.name !== tag.slice(1).trim()) {
        throw new Error(`mismatched </${tag.slice(1)}>`);
      }
      continue;
    }
    if (tag.startsWith("?") || tag.startsWith("!")) {
      throw new Error(`unexpected <${tag.slice(0, 10)}`);
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const nameMatch = /^\s*([^\s/>]+)/.exec(body)!;
    if (!NAME.test(nameMatch[1])) throw new Error(`bad name ${nameMatch[1]}`);
    const element: XmlElement = {
      name: nameMatch[1],
      attributes: new Map(),
      children: [],
    };
    let rest = body.slice(nameMatch[0].length);
    const attr = /^\s+([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/;
    for (let m = attr.exec(rest); m !== null; m = attr.exec(rest)) {
      if (!NAME.test(m[1])) throw new Error(`bad attribute name ${m[1]}`);
      if (element.attributes.has(m[1])) throw new Error(`duplicate ${m[1]}`);
      const raw = m[3] ?? m[4];
      element.attributes.set(m[1], decodeEntities(raw, `attribute ${m[1]}`));
      rest = rest.slice(m[0].length);
    }
    if (rest.trim() !== "") throw new Error(`bad attributes: ${rest.trim()}`);
    if (stack.length === 0) {
      if (root !== undefined) throw new Error("two root elements");
      root = element;
    } else {
      stack[stack.length - 1].children.push(element);
    }
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (root === undefined) throw new Error("no root element");
  return root;
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c): c is XmlElement =>
    typeof c !== "string" && c.name === name
  );
}

function textOf(element: XmlElement): string {
  return element.children.filter((c) => typeof c === "string").join("");
}

function description(doc: string): XmlElement {
  const root = parseXml(doc);
  assertEquals(root.name, "x:xmpmeta");
  assertEquals(root.attributes.get("xmlns:x"), "adobe:ns:meta/");
  const rdf = child(root, "rdf:RDF")!;
  assertEquals(
    rdf.attributes.get("xmlns:rdf"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  );
  const desc = child(rdf, "rdf:Description")!;
  assertEquals(desc.attributes.get("rdf:about"), "");
  return desc;
}

/** The rdf:li texts of a list property. */
function listOf(desc: XmlElement, property: string, kind: string): string[] {
  const container = child(child(desc, property)!, kind)!;
  return container.children.filter((c): c is XmlElement =>
    typeof c !== "string"
  ).map((li) => {
    assertEquals(li.name, "rdf:li");
    return textOf(li);
  });
}

/** "48,51.504000N" back to degrees. */
function gpsBack(text: string): number {
  const m = /^(\d+),(\d+\.\d+)([NSEW])$/.exec(text);
  assert(m !== null, `bad GPS coordinate ${text}`);
  const value = Number(m[1]) + Number(m[2]) / 60;
  return m[3] === "S" || m[3] === "W" ? -value : value;
}

const TRICKY =
  "Tom & Jerry <3 \"quoted\" 'single' > end\n2nd line\r\n\ttab 🎉 \u0001\u001f\uffff\ud800";
const CLEAN = "Tom & Jerry <3 \"quoted\" 'single' > end\n2nd line\r\n\ttab 🎉 ";

Deno.test("the XMP document carries description, date, position, rating and people, read back exactly", () => {
  const doc = xmpDocument({
    description: TRICKY,
    takenAt: new Date("2023-10-06T06:39:09.500Z"),
    geo: { latitude: 48.8584, longitude: -2.2945, altitude: -12.3456 },
    favorite: true,
    people: ["Alice", "Jean/Pierre", "Bob|Ross", "Дочь", "Alice", " "],
  });
  const desc = description(doc);
  const a = desc.attributes;
  assertEquals(a.get("xmp:Rating"), "5");
  assertEquals(a.get("exif:DateTimeOriginal"), "2023-10-06T06:39:09Z");
  assertEquals(a.get("xmp:CreateDate"), "2023-10-06T06:39:09Z");
  assertEquals(a.get("photoshop:DateCreated"), "2023-10-06T06:39:09Z");
  assertEquals(a.get("exif:GPSLatitude"), "48,51.504000N");
  assertEquals(a.get("exif:GPSLongitude"), "2,17.670000W");
  assert(Math.abs(gpsBack(a.get("exif:GPSLatitude")!) - 48.8584) < 1e-7);
  assert(Math.abs(gpsBack(a.get("exif:GPSLongitude")!) + 2.2945) < 1e-7);
  assertEquals(a.get("exif:GPSAltitude"), "12346/1000");
  assertEquals(a.get("exif:GPSAltitudeRef"), "1");
  assertEquals(a.get("xmlns:dc"), "http://purl.org/dc/elements/1.1/");
  assertEquals(a.get("xmlns:exif"), "http://ns.adobe.com/exif/1.0/");

  const alt = child(child(desc, "dc:description")!, "rdf:Alt")!;
  const li = child(alt, "rdf:li")!;
  assertEquals(li.attributes.get("xml:lang"), "x-default");
  assertEquals(textOf(li), CLEAN);

  const people = ["Alice", "Jean/Pierre", "Bob|Ross", "Дочь"];
  assertEquals(listOf(desc, "dc:subject", "rdf:Bag"), people);
  assertEquals(listOf(desc, "Iptc4xmpExt:PersonInImage", "rdf:Bag"), people);
  assertEquals(listOf(desc, "digiKam:TagsList", "rdf:Seq"), [
    "People/Alice",
    "People/Jean-Pierre",
    "People/Bob|Ross",
    "People/Дочь",
  ]);
  assertEquals(listOf(desc, "lr:hierarchicalSubject", "rdf:Bag"), [
    "People|Alice",
    "People|Jean/Pierre",
    "People|Bob-Ross",
    "People|Дочь",
  ]);
});

Deno.test("absent data is left out: no rating unless favourite, no altitude, no lists", () => {
  const doc = xmpDocument({
    geo: { latitude: -33.5, longitude: 151.25 },
    description: "  ",
    people: [],
    favorite: false,
  });
  const desc = description(doc);
  assertEquals(desc.attributes.get("xmp:Rating"), undefined);
  assertEquals(desc.attributes.get("exif:GPSLatitude"), "33,30.000000S");
  assertEquals(desc.attributes.get("exif:GPSLongitude"), "151,15.000000E");
  assertEquals(desc.attributes.get("exif:GPSAltitude"), undefined);
  assertEquals(desc.attributes.get("exif:DateTimeOriginal"), undefined);
  assertEquals(desc.children.filter((c) => typeof c !== "string"), []);
  const empty = description(xmpDocument({}));
  assertEquals(
    [...empty.attributes.keys()].filter((k) => !k.startsWith("xmlns:")),
    ["rdf:about"],
  );
});

Deno.test("GPS coordinates round without reaching 60 minutes and refuse impossible values", () => {
  assertEquals(xmpGpsCoordinate(10.99999999999, "latitude"), "11,0.000000N");
  assertEquals(xmpGpsCoordinate(0, "longitude"), "0,0.000000E");
  assertEquals(xmpGpsCoordinate(-0.5, "latitude"), "0,30.000000S");
  assertEquals(xmpGpsCoordinate(-180, "longitude"), "180,0.000000W");
  assertThrows(() => xmpGpsCoordinate(91, "latitude"), RangeError);
  assertThrows(() => xmpGpsCoordinate(Number.NaN, "longitude"), RangeError);
});

Deno.test("escaping covers every XML special character and strips forbidden ones", () => {
  assertEquals(xmlText("a&b<c>d\re"), "a&amp;b&lt;c&gt;d&#xD;e");
  assertEquals(
    xmlAttribute(`"it's"\n\t`),
    "&quot;it&apos;s&quot;&#xA;&#x9;",
  );
  assertEquals(stripInvalidXmlChars("a\u0000b\u0008c\u000bd\ud83d"), "abcd");
  assertEquals(stripInvalidXmlChars("ok 🎉\t\n\r"), "ok 🎉\t\n\r");
});

Deno.test("the tests' XML reader refuses malformed documents", () => {
  const bad = [
    "<a><b></a></b>",
    "<a>x & y</a>",
    "<a>x < y</a>",
    "<a b=1/>",
    '<a b="1" b="2"/>',
    "<a>&nbsp;</a>",
    "<a>\u0001</a>",
    "<a/><b/>",
    "<a>",
  ];
  for (const text of bad) {
    let failed = false;
    try {
      parseXml(text);
    } catch {
      failed = true;
    }
    assert(failed, `accepted ${JSON.stringify(text)}`);
  }
});

Deno.test("an item sidecar becomes XMP data; the sidecar path is the media name plus .xmp", () => {
  const parsed = parseItemMetadata({
    title: "IMG_1.jpg",
    description: "Plage",
    photoTakenTime: { timestamp: "1696574349" },
    geoDataExif: { latitude: 43.7, longitude: 7.25, altitude: 5 },
    people: [{ name: "Ana" }],
    favorited: true,
  });
  assert(parsed.ok);
  assertEquals(xmpDataOf(parsed.value), {
    description: "Plage",
    takenAt: new Date("2023-10-06T06:39:09Z"),
    geo: { latitude: 43.7, longitude: 7.25, altitude: 5 },
    favorite: true,
    people: ["Ana"],
  });
  const plain = parseItemMetadata({ title: "a.jpg" });
  assert(plain.ok);
  assertEquals(xmpDataOf(plain.value), {});
  assertEquals(
    xmpSidecarPath("photos/2023/10/IMG_1.jpg"),
    "photos/2023/10/IMG_1.jpg.xmp",
  );
});

const hasXmllint = await (async () => {
  try {
    const out = await new Deno.Command("xmllint", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "libxml2's xmllint finds the document well-formed (when installed)",
  ignore: !hasXmllint,
  fn: async () => {
    const doc = xmpDocument({
      description: TRICKY,
      takenAt: new Date("2020-01-01T00:00:00Z"),
      geo: { latitude: 1, longitude: 2, altitude: 3 },
      favorite: true,
      people: ["A & B", "<C>"],
    });
    const child = new Deno.Command("xmllint", {
      args: ["--noout", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(doc));
    await writer.close();
    const out = await child.output();
    assertEquals(new TextDecoder().decode(out.stderr), "");
    assert(out.success);
  },
});
