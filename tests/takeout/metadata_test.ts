import { assert, assertEquals } from "../assert.ts";
import {
  jsonKind,
  locationText,
  parseAlbumMetadata,
  parseAlbumMetadataText,
  parseItemMetadata,
  parseItemMetadataText,
} from "../../src/takeout/metadata.ts";

const ITEM = {
  title: "PXL_20231006_063909898.LS.mp4",
  description: "Tour Eiffel <3 & friends",
  imageViews: "2",
  creationTime: {
    timestamp: "1697872351",
    formatted: "21 oct. 2023, 07:12:31 UTC",
  },
  photoTakenTime: {
    timestamp: "1696574349",
    // Deliberately wrong: `formatted` must never be read.
    formatted: "1 janv. 1999, 00:00:00 UTC",
  },
  geoData: {
    latitude: 48.85,
    longitude: 2.29,
    altitude: 35.0,
    latitudeSpan: 0.0,
    longitudeSpan: 0.0,
  },
  geoDataExif: {
    latitude: 48.8584,
    longitude: 2.2945,
    altitude: 36.5,
    latitudeSpan: 0.0,
    longitudeSpan: 0.0,
  },
  people: [{ name: "Alice" }, { name: "Дочь" }, { name: "Alice" }],
  url: "https://photos.google.com/photo/AF1QipExample",
  googlePhotosOrigin: {
    mobileUpload: {
      deviceFolder: { localFolderName: "Camera" },
      deviceType: "ANDROID_PHONE",
    },
  },
  favorited: true,
  archived: true,
};

Deno.test("an item sidecar is read field by field, times as UTC epoch seconds", () => {
  const result = parseItemMetadata(ITEM);
  assert(result.ok);
  assertEquals(result.warnings, []);
  assertEquals(result.value, {
    title: "PXL_20231006_063909898.LS.mp4",
    description: "Tour Eiffel <3 & friends",
    photoTakenTime: new Date("2023-10-06T06:39:09Z"),
    creationTime: new Date("2023-10-21T07:12:31Z"),
    geo: { latitude: 48.8584, longitude: 2.2945, altitude: 36.5 },
    geoSource: "geoDataExif",
    people: ["Alice", "Дочь"],
    url: "https://photos.google.com/photo/AF1QipExample",
    origin: {
      kind: "mobileUpload",
      deviceType: "ANDROID_PHONE",
      deviceFolder: "Camera",
    },
    fromPartner: false,
    favorited: true,
    archived: true,
    imageViews: 2,
  });
});

Deno.test("geoDataExif at 0,0 means no position and geoData is used", () => {
  const result = parseItemMetadata({
    ...ITEM,
    geoDataExif: { latitude: 0.0, longitude: 0.0, altitude: 0.0 },
  });
  assert(result.ok);
  assertEquals(result.value.geo, {
    latitude: 48.85,
    longitude: 2.29,
    altitude: 35,
  });
  assertEquals(result.value.geoSource, "geoData");
  assertEquals(locationText(result.value.geo!), "48.85,2.29");
});

Deno.test("0,0 in both geo blocks means no position at all", () => {
  const zero = { latitude: 0.0, longitude: 0.0, altitude: 0.0 };
  const result = parseItemMetadata({
    ...ITEM,
    geoData: zero,
    geoDataExif: zero,
  });
  assert(result.ok);
  assertEquals(result.value.geo, undefined);
  assertEquals(result.value.geoSource, undefined);
});

Deno.test("flags are set only when true, and a partner's item is recognized", () => {
  const result = parseItemMetadata({
    title: "IMG_1559.HEIC",
    photoTakenTime: { timestamp: "1687791968" },
    favorited: false,
    trashed: true,
    googlePhotosOrigin: { fromPartnerSharing: {} },
  });
  assert(result.ok);
  assertEquals(result.value.favorited, undefined);
  assertEquals(result.value.archived, undefined);
  assertEquals(result.value.trashed, true);
  assertEquals("favorited" in result.value, false);
  assertEquals(result.value.fromPartner, true);
  assertEquals(result.value.origin, { kind: "fromPartnerSharing" });
});

Deno.test("timestamps before 1970 and numeric timestamps are read; 0 and garbage are not", () => {
  const old = parseItemMetadata({
    title: "scan.jpg",
    photoTakenTime: { timestamp: "-315619200" },
    creationTime: { timestamp: 1697872351.7 },
  });
  assert(old.ok);
  assertEquals(old.value.photoTakenTime, new Date("1960-01-01T00:00:00Z"));
  assertEquals(old.value.creationTime, new Date("2023-10-21T07:12:31Z"));

  const bad = parseItemMetadata({
    title: "x.jpg",
    photoTakenTime: { timestamp: "0" },
    creationTime: { timestamp: "21 oct. 2023" },
  });
  assert(bad.ok);
  assertEquals(bad.value.photoTakenTime, undefined);
  assertEquals(bad.value.creationTime, undefined);
  assertEquals(bad.warnings.length, 2);
});

Deno.test("fields of the wrong type are dropped with a warning, the rest is kept", () => {
  const result = parseItemMetadata({
    title: 12,
    description: ["a"],
    photoTakenTime: "1696574349",
    creationTime: { timestamp: "1697872351" },
    geoData: { latitude: "48.5", longitude: "north" },
    geoDataExif: { latitude: 123.0, longitude: 2.0 },
    people: [{ name: 5 }, "Bob", { name: "  Carol " }, { name: "" }],
    favorited: "yes",
    imageViews: "many",
    googlePhotosOrigin: "phone",
  });
  assert(result.ok);
  assertEquals(result.value.title, undefined);
  assertEquals(result.value.description, undefined);
  assertEquals(result.value.photoTakenTime, undefined);
  assertEquals(result.value.creationTime, new Date("2023-10-21T07:12:31Z"));
  assertEquals(result.value.geo, undefined);
  assertEquals(result.value.people, ["Carol"]);
  assertEquals(result.value.favorited, undefined);
  assertEquals(result.value.imageViews, undefined);
  const fields = result.warnings.map((w) => w.split(":")[0]).sort();
  assertEquals(fields, [
    "description",
    "favorited",
    "geoData.longitude",
    "geoDataExif",
    "googlePhotosOrigin",
    "imageViews",
    "people[0].name",
    "people[1]",
    "photoTakenTime",
    "title",
  ]);
});

Deno.test("malformed sidecars give a typed failure, never an exception", () => {
  const cases: [string | Uint8Array, string][] = [
    ['{"title": "IMG.jpg", ', "invalid-json"],
    ["", "invalid-json"],
    [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "invalid-json"],
    ["[1, 2]", "not-an-object"],
    ["null", "not-an-object"],
    ['"text"', "not-an-object"],
    [
      '{"externalOrderId": "417", "creationTime": {"formatted": "Dec 12, 2022"}}',
      "not-item-metadata",
    ],
    [
      '{"title": "Trip", "date": {"timestamp": "1502439626"}}',
      "not-item-metadata",
    ],
  ];
  for (const [text, reason] of cases) {
    const result = parseItemMetadataText(text);
    assert(!result.ok, String(text));
    assertEquals(result.reason, reason, String(text));
    assert(result.message.length > 0);
  }
});

Deno.test("sidecar bytes with a BOM are read", () => {
  const bytes = new TextEncoder().encode(
    '\ufeff{"title": "Été.jpg", "photoTakenTime": {"timestamp": "1"}}',
  );
  const result = parseItemMetadataText(bytes);
  assert(result.ok);
  assertEquals(result.value.title, "Été.jpg");
  assertEquals(result.value.photoTakenTime, new Date(1000));
});

Deno.test("album metadata is read in the current form with enrichments", () => {
  const result = parseAlbumMetadata({
    title: "Album test 6/10/23",
    description: "",
    access: "protected",
    date: { timestamp: "1697872351", formatted: "21 oct. 2023, 07:12:31 UTC" },
    location: "Paris",
    geoData: { latitude: 48.85, longitude: 2.35, altitude: 0 },
    enrichments: [
      { narrativeEnrichment: { text: "Ici c'est du text" } },
      {
        locationEnrichment: {
          location: [{
            name: "Saint-Maur-des-Fossés",
            description: "Île-de-France",
            latitudeE7: 488029439,
            longitudeE7: 24854290,
          }],
        },
      },
      {
        mapEnrichment: {
          origin: {
            name: "Lyon",
            latitudeE7: 457640000,
            longitudeE7: 48357000,
          },
          destination: { name: "Nice" },
        },
      },
      "junk",
    ],
  });
  assert(result.ok);
  assertEquals(result.value, {
    title: "Album test 6/10/23",
    access: "protected",
    date: new Date("2023-10-21T07:12:31Z"),
    location: "Paris",
    geo: { latitude: 48.85, longitude: 2.35 },
    enrichments: [
      { kind: "text", text: "Ici c'est du text" },
      {
        kind: "location",
        name: "Saint-Maur-des-Fossés",
        description: "Île-de-France",
        latitude: 48.8029439,
        longitude: 2.485429,
      },
      { kind: "location", name: "Lyon", latitude: 45.764, longitude: 4.8357 },
      { kind: "location", name: "Nice" },
    ],
    wrapped: false,
  });
  assertEquals(result.warnings, ["enrichments[3]: expected an object"]);
});

Deno.test("old album metadata wrapped in albumData is unwrapped", () => {
  const result = parseAlbumMetadataText(`{
    "albumData": {
      "title": "Trip to Gdańsk", "description": "", "access": "protected",
      "location": "",
      "date": {"timestamp": "1502439626", "formatted": "11 sie 2017, 08:20:26 UTC"},
      "geoData": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0}
    }
  }`);
  assert(result.ok);
  assertEquals(result.value, {
    title: "Trip to Gdańsk",
    access: "protected",
    date: new Date("2017-08-11T08:20:26Z"),
    enrichments: [],
    wrapped: true,
  });
});

Deno.test("an untitled album has no title; item sidecars and garbage are not albums", () => {
  const untitled = parseAlbumMetadata({
    title: "",
    date: { timestamp: "1502439626" },
  });
  assert(untitled.ok);
  assertEquals(untitled.value.title, undefined);

  const item = parseAlbumMetadata(ITEM);
  assert(!item.ok);
  assertEquals(item.reason, "not-album-metadata");
  const other = parseAlbumMetadata({ externalOrderId: "1" });
  assert(!other.ok);
  assertEquals(other.reason, "not-album-metadata");
  const text = parseAlbumMetadataText("{oops");
  assert(!text.ok);
  assertEquals(text.reason, "invalid-json");
  const wrong = parseAlbumMetadata({ title: ["x"], date: "yesterday" });
  assert(wrong.ok);
  assertEquals(wrong.value.title, undefined);
  assertEquals(wrong.value.date, undefined);
  assertEquals(wrong.warnings.length, 2);
});

Deno.test("jsonKind tells item sidecars from album metadata", () => {
  assertEquals(jsonKind(ITEM), "item");
  assertEquals(jsonKind({ albumData: { title: "x" } }), "album");
  assertEquals(
    jsonKind({ title: "Trip", access: "protected", date: { timestamp: "1" } }),
    "album",
  );
  assertEquals(
    jsonKind({ externalOrderId: "1", category: "PRINTS" }),
    "unknown",
  );
  assertEquals(jsonKind([ITEM]), "unknown");
  assertEquals(jsonKind(null), "unknown");
});
