import { assert, assertEquals } from "../assert.ts";
import {
  type MatchRule,
  matchSidecars,
  type SidecarMatchResult,
} from "../../src/takeout/sidecar_match.ts";

/** The same rules, in two locales' folders. */
const FOLDERS = [
  "Takeout/Google Photos/Photos from 2023",
  "Takeout/Google Fotos/Fotos von 2023",
];

type SidecarSpec = string | { name: string; title: string };

interface Seen {
  sidecar?: string;
  rule: MatchRule;
  originalName: string;
  editOf?: string;
  pairOf?: string;
}

/** Match names in one folder; results by media name, paths as names. */
function run(
  folder: string,
  media: string[],
  sidecars: SidecarSpec[],
): { seen: Map<string, Seen>; result: SidecarMatchResult } {
  const at = (name: string) => `${folder}/${name}`;
  const strip = (path: string | undefined) =>
    path === undefined ? undefined : path.slice(folder.length + 1);
  const result = matchSidecars(
    media.map((name) => ({ path: at(name) })),
    sidecars.map((s) =>
      typeof s === "string"
        ? { path: at(s) }
        : { path: at(s.name), title: s.title }
    ),
  );
  assertEquals(result.matches.length, media.length, "one result per file");
  const seen = new Map<string, Seen>();
  for (const m of result.matches) {
    const entry: Seen = { rule: m.matchedBy, originalName: m.originalName };
    if (m.sidecar !== undefined) entry.sidecar = strip(m.sidecar);
    if (m.editOf !== undefined) entry.editOf = strip(m.editOf);
    if (m.pairOf !== undefined) entry.pairOf = strip(m.pairOf);
    seen.set(strip(m.media)!, entry);
  }
  return { seen, result };
}

function expectMatch(
  seen: Map<string, Seen>,
  media: string,
  sidecar: string | undefined,
  rule: MatchRule,
) {
  const got = seen.get(media);
  assert(got !== undefined, `no result for ${media}`);
  assertEquals(
    { sidecar: got.sidecar, rule: got.rule },
    { sidecar, rule },
    media,
  );
}

Deno.test("NAME.EXT.json and NAME.EXT.supplemental-metadata.json both match, in one export", () => {
  for (const folder of FOLDERS) {
    const { seen, result } = run(folder, ["IMG_1.jpg", "IMG_2.jpg"], [
      "IMG_1.jpg.json",
      "IMG_2.jpg.supplemental-metadata.json",
    ]);
    expectMatch(seen, "IMG_1.jpg", "IMG_1.jpg.json", "exact-json");
    expectMatch(
      seen,
      "IMG_2.jpg",
      "IMG_2.jpg.supplemental-metadata.json",
      "exact-supplemental",
    );
    assertEquals(result.unmatchedMedia, []);
    assertEquals(result.unclaimedSidecars, []);
  }
});

Deno.test("the spec's clipped sidecar names match at exactly 46 characters before .json", () => {
  for (const folder of FOLDERS) {
    const a = "Screenshot_20231027_123303_Facebook.jpg";
    const b = "MVIMG_20191230_232926.jpg";
    const sa = "Screenshot_20231027_123303_Facebook.jpg.supple.json";
    const sb = "MVIMG_20191230_232926.jpg.supplemental-metadat.json";
    assertEquals([sa.length, sb.length], [51, 51]);
    const { seen } = run(folder, [a, b], [sa, sb]);
    expectMatch(seen, a, sa, "clipped");
    expectMatch(seen, b, sb, "clipped");
  }
});

Deno.test("every clipped prefix of .supplemental-metadata, down to nothing, matches", () => {
  const suffix = ".supplemental-metadata";
  for (const folder of FOLDERS) {
    const media: string[] = [];
    const sidecars: string[] = [];
    const expected = new Map<string, [string, MatchRule]>();
    // Names of 24..51 characters: the cut lands on every prefix of the
    // suffix (24: whole suffix, 45: "."), then on the name itself.
    for (let length = 24; length <= 51; length++) {
      const name = `${String(length).padStart(2, "0")}_${
        "x".repeat(length - 7)
      }.jpg`;
      assertEquals(name.length, length);
      const sidecar = `${(name + suffix).slice(0, 46)}.json`;
      media.push(name);
      sidecars.push(sidecar);
      const rule: MatchRule = length === 24
        ? "exact-supplemental"
        : length === 46
        ? "exact-json"
        : "clipped";
      expected.set(name, [sidecar, rule]);
    }
    const { seen, result } = run(folder, media, sidecars);
    for (const [name, [sidecar, rule]] of expected) {
      expectMatch(seen, name, sidecar, rule);
    }
    assertEquals(result.unmatchedMedia, []);
    assertEquals(result.unclaimedSidecars, []);
  }
});

Deno.test("a shortened supplemental suffix on a short name matches too", () => {
  const { seen } = run(FOLDERS[0], ["IMG_3.jpg", "IMG_4.jpg"], [
    "IMG_3.jpg.supple.json",
    "IMG_4.jpg..json",
  ]);
  expectMatch(
    seen,
    "IMG_3.jpg",
    "IMG_3.jpg.supple.json",
    "supplemental-prefix",
  );
  expectMatch(seen, "IMG_4.jpg", "IMG_4.jpg..json", "supplemental-prefix");
});

Deno.test("clipped media names (stem 47) match the 46-character sidecar and get their title back", () => {
  for (const folder of FOLDERS) {
    const title = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg";
    const media = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg";
    const sidecar = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json";
    assertEquals(media.length - 4, 47);
    const { seen } = run(folder, [media], [{ name: sidecar, title }]);
    expectMatch(seen, media, sidecar, "clipped");
    assertEquals(seen.get(media)!.originalName, title);
  }
});

Deno.test("a stem of exactly 47 is not clipped, and 48 is cut to 47", () => {
  const stem47 = "s".repeat(47);
  const stem48 = "t".repeat(48);
  const { seen } = run(FOLDERS[0], [
    `${stem47}.jpg`,
    `${stem48.slice(0, 47)}.jpg`,
  ], [
    { name: `${stem47.slice(0, 46)}.json`, title: `${stem47}.jpg` },
    { name: `${stem48.slice(0, 46)}.json`, title: `${stem48}.jpg` },
  ]);
  expectMatch(seen, `${stem47}.jpg`, `${stem47.slice(0, 46)}.json`, "clipped");
  assertEquals(seen.get(`${stem47}.jpg`)!.originalName, `${stem47}.jpg`);
  expectMatch(
    seen,
    `${stem48.slice(0, 47)}.jpg`,
    `${stem48.slice(0, 46)}.json`,
    "clipped",
  );
  assertEquals(
    seen.get(`${stem48.slice(0, 47)}.jpg`)!.originalName,
    `${stem48}.jpg`,
  );
});

Deno.test("emoji names are clipped in UTF-16 units (immich-go's sample)", () => {
  const media = "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg";
  const sidecar = "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json";
  assertEquals(sidecar.length - 5, 46);
  const { seen } = run(FOLDERS[1], [media], [sidecar]);
  expectMatch(seen, media, sidecar, "clipped");
});

Deno.test("duplicates IMG.jpg, IMG(1).jpg, IMG(2).jpg match IMG.jpg.json, IMG.jpg(1).json, IMG.jpg(2).json", () => {
  for (const folder of FOLDERS) {
    const { seen, result } = run(folder, [
      "IMG(2).jpg",
      "IMG.jpg",
      "IMG(1).jpg",
    ], ["IMG.jpg(1).json", "IMG.jpg(2).json", {
      name: "IMG.jpg.json",
      title: "IMG.jpg",
    }]);
    expectMatch(seen, "IMG.jpg", "IMG.jpg.json", "exact-json");
    expectMatch(seen, "IMG(1).jpg", "IMG.jpg(1).json", "duplicate");
    expectMatch(seen, "IMG(2).jpg", "IMG.jpg(2).json", "duplicate");
    assertEquals(result.unclaimedSidecars, []);
  }
});

Deno.test("duplicates match in every other form of the (n)", () => {
  for (const folder of FOLDERS) {
    const { seen, result } = run(folder, [
      "IMG.jpg",
      "IMG(1).jpg",
      "PIC.jpg",
      "PIC(1).jpg",
      "IMG_2710(1).HEIC",
      "2013-12-23.jpg",
      "2013-12-23(1).jpg",
      "13039_327707840323_537645323_9470255_27214_n(1).jpg",
      "Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg",
    ], [
      "IMG.jpg.supplemental-metadata.json",
      "IMG.jpg.supplemental-metadata(1).json",
      "PIC.jpg.supplemental-metadata.json",
      "PIC(1).jpg.supplemental-metadata.json",
      "IMG_2710.HEIC(1).supplemental-metadata.json",
      "2013-12-23.supplemental-metadata.json",
      "2013-12-23.supplemental-metadata(1).json",
      "13039_327707840323_537645323_9470255_27214_n.j(1).json",
      "Backyard_ceremony_wedding_photography_xxxxxxx_(494).json",
    ]);
    expectMatch(
      seen,
      "IMG(1).jpg",
      "IMG.jpg.supplemental-metadata(1).json",
      "duplicate",
    );
    expectMatch(
      seen,
      "PIC(1).jpg",
      "PIC(1).jpg.supplemental-metadata.json",
      "exact-supplemental",
    );
    expectMatch(
      seen,
      "IMG_2710(1).HEIC",
      "IMG_2710.HEIC(1).supplemental-metadata.json",
      "duplicate",
    );
    expectMatch(
      seen,
      "2013-12-23(1).jpg",
      "2013-12-23.supplemental-metadata(1).json",
      "no-extension",
    );
    expectMatch(
      seen,
      "13039_327707840323_537645323_9470255_27214_n(1).jpg",
      "13039_327707840323_537645323_9470255_27214_n.j(1).json",
      "clipped",
    );
    expectMatch(
      seen,
      "Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg",
      "Backyard_ceremony_wedding_photography_xxxxxxx_(494).json",
      "clipped",
    );
    assertEquals(result.unmatchedMedia, []);
    assertEquals(result.unclaimedSidecars, []);
  }
});

Deno.test("a (n) on a clipped supplemental name matches its numbered file", () => {
  const stem = "VID_20200101_101010_a_long_descriptive_name";
  const sidecar0 = `${(stem + ".mp4.supplemental-metadata").slice(0, 46)}.json`;
  const sidecar1 = `${
    (stem + ".mp4.supplemental-metadata").slice(0, 46)
  }(1).json`;
  const { seen } = run(FOLDERS[0], [`${stem}.mp4`, `${stem}(1).mp4`], [
    sidecar1,
    sidecar0,
  ]);
  expectMatch(seen, `${stem}.mp4`, sidecar0, "clipped");
  expectMatch(seen, `${stem}(1).mp4`, sidecar1, "clipped");
});

Deno.test("a (n) that does not agree never matches", () => {
  const { seen, result } = run(FOLDERS[0], [
    "DSC_0102(1).JPG",
    "DSC_0104(1).JPG",
  ], [
    "DSC_0102.JPG(2).json",
    { name: "DSC_0104.JPG.json", title: "DSC_0104.JPG" },
  ]);
  expectMatch(seen, "DSC_0102(1).JPG", undefined, "none");
  expectMatch(seen, "DSC_0104(1).JPG", undefined, "none");
  assertEquals(result.unmatchedMedia, [
    `${FOLDERS[0]}/DSC_0102(1).JPG`,
    `${FOLDERS[0]}/DSC_0104(1).JPG`,
  ]);
  assertEquals(result.unclaimedSidecars, [
    `${FOLDERS[0]}/DSC_0102.JPG(2).json`,
    `${FOLDERS[0]}/DSC_0104.JPG.json`,
  ]);
});

Deno.test("uploads without an extension match sidecars without one", () => {
  for (const folder of FOLDERS) {
    const { seen } = run(folder, ["Peanut Butter Balls.jpg", "20030616.jpg"], [
      {
        name: "Peanut Butter Balls.supplemental-metadata.json",
        title: "Peanut Butter Balls",
      },
      "20030616.json",
    ]);
    expectMatch(
      seen,
      "Peanut Butter Balls.jpg",
      "Peanut Butter Balls.supplemental-metadata.json",
      "no-extension",
    );
    expectMatch(seen, "20030616.jpg", "20030616.json", "no-extension");
    assertEquals(
      seen.get("Peanut Butter Balls.jpg")!.originalName,
      "Peanut Butter Balls.jpg",
    );
  }
});

Deno.test("the sidecar title matches a file whose sidecar name follows no rule, and names it", () => {
  const { seen } = run(FOLDERS[0], ["Soirée.jpg", "IMG_0001(1).png"], [
    { name: "b2f6c1.json", title: "Soirée.jpg" },
    { name: "IMG_0001.PNG(1).json", title: "IMG_0001.PNG" },
  ]);
  expectMatch(seen, "Soirée.jpg", "b2f6c1.json", "title");
  expectMatch(
    seen,
    "IMG_0001(1).png",
    "IMG_0001.PNG(1).json",
    "title",
  );
  // Google's name, extension case included, as the Library API gives it.
  assertEquals(seen.get("IMG_0001(1).png")!.originalName, "IMG_0001.PNG");
});

Deno.test("names that differ only in case match last", () => {
  for (const folder of FOLDERS) {
    const { seen } = run(
      folder,
      ["IMG_0002.png", "DSC(1).JPG", "IMG_0002.PNG"],
      [
        "IMG_0002.PNG.json",
        "dsc.jpg(1).json",
      ],
    );
    expectMatch(seen, "IMG_0002.PNG", "IMG_0002.PNG.json", "exact-json");
    expectMatch(seen, "IMG_0002.png", undefined, "none");
    expectMatch(seen, "DSC(1).JPG", "dsc.jpg(1).json", "case-insensitive");
  }
});

Deno.test("the title picks the right file when clipped names are ambiguous", () => {
  const prefix = "Screenshot_2022-04-21-10-11-12_com.example.app";
  assertEquals(prefix.length, 46);
  const x = `${prefix}X.jpg`;
  const y = `${prefix}Y.jpg`;
  // Listed so that y comes first by name order in the sidecar list.
  const { seen, result } = run(FOLDERS[0], [y, x], [
    { name: `${prefix}.json`, title: x },
    { name: `${prefix}(1).json`, title: y },
  ]);
  expectMatch(seen, x, `${prefix}.json`, "clipped");
  expectMatch(seen, y, `${prefix}(1).json`, "title");
  assertEquals(result.unclaimedSidecars, []);
});

Deno.test("the title restores a renamed file's name, keeping the file's own extension", () => {
  const { seen } = run(FOLDERS[0], ["IMG_0042.jpg", "clip.mp4"], [
    { name: "IMG_0042.jpg.json", title: "Vacances à Nice.HEIC" },
    { name: "clip.mp4.json", title: "a/b.mp4" },
  ]);
  assertEquals(seen.get("IMG_0042.jpg")!.originalName, "Vacances à Nice.jpg");
  // A title that is not a file name is not used.
  assertEquals(seen.get("clip.mp4")!.originalName, "clip.mp4");
});

Deno.test("edited copies take their original's sidecar in English, French and German", () => {
  for (
    const [folder, suffix] of [
      [FOLDERS[0], "-edited"],
      [FOLDERS[1], "-bearbeitet"],
      [FOLDERS[0], "-modifié"],
    ]
  ) {
    const edited = `PXL_20220405_090123740.PORTRAIT${suffix}.jpg`.normalize(
      "NFD",
    );
    const { seen, result } = run(folder, [
      "PXL_20220405_090123740.PORTRAIT.jpg",
      edited,
    ], ["PXL_20220405_090123740.PORTRAIT.jpg.json"]);
    expectMatch(
      seen,
      edited,
      "PXL_20220405_090123740.PORTRAIT.jpg.json",
      "edited",
    );
    assertEquals(
      seen.get(edited)!.editOf,
      "PXL_20220405_090123740.PORTRAIT.jpg",
    );
    assertEquals(
      seen.get(edited)!.originalName,
      `PXL_20220405_090123740.PORTRAIT${suffix}.jpg`.normalize("NFC"),
    );
    assertEquals(result.unmatchedMedia, []);
  }
});

Deno.test("edited copies of duplicates, with (n) on either side, find the right original", () => {
  const { seen } = run(FOLDERS[1], [
    "IMG.jpg",
    "IMG(1).jpg",
    "IMG(1)-bearbeitet.jpg",
    "IMG-bearbeitet(1).jpg",
    "IMG-edited.jpg",
  ], ["IMG.jpg.json", "IMG.jpg(1).json"]);
  expectMatch(seen, "IMG(1)-bearbeitet.jpg", "IMG.jpg(1).json", "edited");
  assertEquals(seen.get("IMG(1)-bearbeitet.jpg")!.editOf, "IMG(1).jpg");
  expectMatch(seen, "IMG-bearbeitet(1).jpg", "IMG.jpg(1).json", "edited");
  assertEquals(seen.get("IMG-bearbeitet(1).jpg")!.editOf, "IMG(1).jpg");
  expectMatch(seen, "IMG-edited.jpg", "IMG.jpg.json", "edited");
  assertEquals(seen.get("IMG-edited.jpg")!.editOf, "IMG.jpg");
});

Deno.test("an edit saved as JPEG finds its HEIC original", () => {
  const { seen } = run(FOLDERS[0], ["IMG_5.HEIC", "IMG_5-edited.jpg"], [
    "IMG_5.HEIC.supplemental-metadata.json",
  ]);
  expectMatch(
    seen,
    "IMG_5-edited.jpg",
    "IMG_5.HEIC.supplemental-metadata.json",
    "edited",
  );
  assertEquals(seen.get("IMG_5-edited.jpg")!.editOf, "IMG_5.HEIC");
});

Deno.test("an edit whose original is missing takes the original's unclaimed sidecar", () => {
  const { seen, result } = run(FOLDERS[1], ["IMG_7-bearbeitet.jpg"], [
    "IMG_7.jpg.supplemental-metadata.json",
  ]);
  expectMatch(
    seen,
    "IMG_7-bearbeitet.jpg",
    "IMG_7.jpg.supplemental-metadata.json",
    "edited",
  );
  assertEquals(seen.get("IMG_7-bearbeitet.jpg")!.editOf, undefined);
  assertEquals(result.unclaimedSidecars, []);
  // Its name is its own: the title is the original's.
  assertEquals(
    seen.get("IMG_7-bearbeitet.jpg")!.originalName,
    "IMG_7-bearbeitet.jpg",
  );
});

Deno.test("a sidecar numbered (1) does not go to the file without the number when IMG(1).jpg is not there", () => {
  // IMG.jpg's own sidecar and IMG(1).jpg's file are in a part not given:
  // taking IMG(1).jpg's sidecar, IMG.jpg would stand for IMG(1).jpg, which
  // a later import would then take for present.
  for (
    const name of [
      "IMG.jpg.supplemental-metadata(1).json",
      "IMG.jpg(1).json",
      "IMG(1).jpg.supplemental-metadata.json",
    ]
  ) {
    const { seen, result } = run(FOLDERS[0], ["IMG.jpg"], [
      { name, title: "IMG.jpg" },
    ]);
    expectMatch(seen, "IMG.jpg", undefined, "none");
    assertEquals(result.unclaimedSidecars, [`${FOLDERS[0]}/${name}`]);
  }
  // A title that holds the number names the file as it is.
  const { seen } = run(FOLDERS[0], ["Party(1).jpg"], [
    {
      name: "Party(1).jpg.supplemental-metadat(1).json",
      title: "Party(1).jpg",
    },
  ]);
  assertEquals(seen.get("Party(1).jpg")!.rule !== "none", true);
});

Deno.test("an edit whose name was clipped at 47 finds its original", () => {
  const stem = "a".repeat(45);
  const { seen } = run(FOLDERS[0], [`${stem}.jpg`, `${stem}-e.jpg`], [
    `${stem}.jpg.json`,
  ]);
  expectMatch(seen, `${stem}-e.jpg`, `${stem}.jpg.json`, "edited-clipped");
  assertEquals(seen.get(`${stem}-e.jpg`)!.editOf, `${stem}.jpg`);
});

Deno.test("an edit clipped to its original's stem plus \"-\" does not take the original's sidecar", () => {
  const stem = `VID_20231027_123303_${"q".repeat(26)}`;
  assertEquals(stem.length, 46);
  for (
    const order of [[`${stem}.mp4`, `${stem}-.mp4`], [
      `${stem}-.mp4`,
      `${stem}.mp4`,
    ]]
  ) {
    // No title to tell them apart: the sidecar could not be read.
    const { seen } = run(FOLDERS[0], order, [`${stem}.json`]);
    expectMatch(seen, `${stem}.mp4`, `${stem}.json`, "clipped");
    expectMatch(seen, `${stem}-.mp4`, `${stem}.json`, "edited-clipped");
    assertEquals(seen.get(`${stem}-.mp4`)!.editOf, `${stem}.mp4`);
  }
});

Deno.test("an edit of a clipped original gets the original's restored name", () => {
  const title = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg";
  const original = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg";
  const edit = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA-edited.jpg";
  const { seen } = run(FOLDERS[0], [original, edit], [
    { name: "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json", title },
  ]);
  assertEquals(seen.get(edit)!.editOf, original);
  assertEquals(
    seen.get(edit)!.originalName,
    "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL-edited.jpg",
  );
});

Deno.test("live and motion photo video halves take the still's sidecar", () => {
  for (const folder of FOLDERS) {
    const { seen, result } = run(folder, [
      "PXL_20231006_063909898.MP.jpg",
      "PXL_20231006_063909898.MP",
      "PXL_20231007_101010101.MP.jpg",
      "PXL_20231007_101010101.mp4",
      "MVIMG_20191230_232926.jpg",
      "MVIMG_20191230_232926.MP4",
      "IMG_1234.HEIC",
      "IMG_1234.MOV",
      "IMG_1234(1).HEIC",
      "IMG_1234(1).MOV",
    ], [
      "PXL_20231006_063909898.MP.jpg.supplemental-metadata.json",
      "PXL_20231007_101010101.MP.jpg.json",
      "MVIMG_20191230_232926.jpg.json",
      "IMG_1234.HEIC.supplemental-metadata.json",
      "IMG_1234.HEIC.supplemental-metadata(1).json",
    ]);
    const pairs: [string, string, string][] = [
      [
        "PXL_20231006_063909898.MP",
        "PXL_20231006_063909898.MP.jpg",
        "PXL_20231006_063909898.MP.jpg.supplemental-metadata.json",
      ],
      [
        "PXL_20231007_101010101.mp4",
        "PXL_20231007_101010101.MP.jpg",
        "PXL_20231007_101010101.MP.jpg.json",
      ],
      [
        "MVIMG_20191230_232926.MP4",
        "MVIMG_20191230_232926.jpg",
        "MVIMG_20191230_232926.jpg.json",
      ],
      [
        "IMG_1234.MOV",
        "IMG_1234.HEIC",
        "IMG_1234.HEIC.supplemental-metadata.json",
      ],
      [
        "IMG_1234(1).MOV",
        "IMG_1234(1).HEIC",
        "IMG_1234.HEIC.supplemental-metadata(1).json",
      ],
    ];
    for (const [video, still, sidecar] of pairs) {
      expectMatch(seen, video, sidecar, "live-pair");
      assertEquals(seen.get(video)!.pairOf, still, video);
      assertEquals(seen.get(video)!.originalName, video);
    }
    assertEquals(result.unmatchedMedia, []);
    assertEquals(result.unclaimedSidecars, []);
  }
});

Deno.test("a video half whose still is in no part takes the still's sidecar; a video in another folder never does", () => {
  for (const folder of FOLDERS) {
    const { seen, result } = run(folder, [
      "PXL_20231006_063909898.MP",
      "IMG_1976(1).MP4",
      "MVIMG_20191230_232926",
    ], [
      "PXL_20231006_063909898.MP.jpg.supplemental-metadata.json",
      {
        name: "IMG_1976.HEIC.supplemental-metadata(1).json",
        title: "IMG_1976.HEIC",
      },
      "MVIMG_20191230_232926.jpg.json",
    ]);
    expectMatch(
      seen,
      "PXL_20231006_063909898.MP",
      "PXL_20231006_063909898.MP.jpg.supplemental-metadata.json",
      "live-pair",
    );
    expectMatch(
      seen,
      "IMG_1976(1).MP4",
      "IMG_1976.HEIC.supplemental-metadata(1).json",
      "live-pair",
    );
    expectMatch(
      seen,
      "MVIMG_20191230_232926",
      "MVIMG_20191230_232926.jpg.json",
      "live-pair",
    );
    for (const m of seen.keys()) {
      assertEquals(seen.get(m)!.pairOf, undefined, m);
      assertEquals(seen.get(m)!.originalName, m, "keeps its own name");
    }
    assertEquals(result.unclaimedSidecars, []);
  }
  // immich-go #390: IMG_0170.MP4 in 2018 is not IMG_0170.HEIC of 2023.
  const apart = matchSidecars(
    [{ path: "Takeout/Google Photos/Photos from 2018/IMG_0170.MP4" }],
    [{ path: "Takeout/Google Photos/Photos from 2023/IMG_0170.HEIC.json" }],
  );
  assertEquals(apart.matches[0].matchedBy, "none");
  assertEquals(apart.unclaimedSidecars.length, 1);
});

Deno.test("a motion photo's edited alternate (.MP~2) pairs with its own still", () => {
  const { seen } = run(FOLDERS[0], [
    "PXL_20210102_221126856.MP",
    "PXL_20210102_221126856.MP~2",
    "PXL_20210102_221126856.MP.jpg",
    "PXL_20210102_221126856.MP~2.jpg",
  ], [
    "PXL_20210102_221126856.MP.jpg.json",
    "PXL_20210102_221126856.MP~2.jpg.json",
  ]);
  assertEquals(
    seen.get("PXL_20210102_221126856.MP")!.pairOf,
    "PXL_20210102_221126856.MP.jpg",
  );
  assertEquals(
    seen.get("PXL_20210102_221126856.MP~2")!.pairOf,
    "PXL_20210102_221126856.MP~2.jpg",
  );
});

Deno.test("a numbered file at Takeout's cut with no sidecar of its own is a forgotten duplicate; below the cut it is not", () => {
  const stem = "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_";
  const title = `${stem}PXL_20220516_164814158.jpg`;
  // With and without the first copy beside it (immich-go #68).
  for (
    const media of [[`${stem}P.jpg`, `${stem}P(1).jpg`], [`${stem}P(1).jpg`]]
  ) {
    const { seen, result } = run(FOLDERS[0], media, [
      { name: `${stem}.json`, title },
    ]);
    const dup = seen.get(`${stem}P(1).jpg`)!;
    assertEquals(dup.sidecar, `${stem}.json`);
    assertEquals(
      dup.originalName,
      title,
      "the upload's name, as the API has it",
    );
    if (media.length === 2) {
      assertEquals(dup.rule, "forgotten-duplicate");
      expectMatch(seen, `${stem}P.jpg`, `${stem}.json`, "clipped");
    }
    assertEquals(result.unclaimedSidecars, []);
  }
  // Below the cut the name of a sidecar tells numbered files apart.
  const { seen, result } = run(
    FOLDERS[0],
    ["DSC_0104.JPG", "DSC_0104(1).JPG"],
    [
      { name: "DSC_0104.JPG.json", title: "DSC_0104.JPG" },
    ],
  );
  expectMatch(seen, "DSC_0104.JPG", "DSC_0104.JPG.json", "exact-json");
  expectMatch(seen, "DSC_0104(1).JPG", undefined, "none");
  assertEquals(result.unmatchedMedia, [`${FOLDERS[0]}/DSC_0104(1).JPG`]);
});

Deno.test("a copy named after the whole title plus its own extension (IMG.HEIC.jpg) finds the sidecar by its title", () => {
  const { seen } = run(FOLDERS[0], [
    "IMG_2367(1).HEIC.jpg",
    "Fin de año.HEIC.jpg",
  ], [
    {
      name: "IMG_2367.HEIC.supplemental-metadata(1).json",
      title: "IMG_2367.HEIC",
    },
    {
      name: "Fin de año.HEIC.supplemental-metadata.json",
      title: "Fin de año.HEIC",
    },
  ]);
  expectMatch(
    seen,
    "IMG_2367(1).HEIC.jpg",
    "IMG_2367.HEIC.supplemental-metadata(1).json",
    "title",
  );
  expectMatch(
    seen,
    "Fin de año.HEIC.jpg",
    "Fin de año.HEIC.supplemental-metadata.json",
    "no-extension",
  );
});

Deno.test("a video with its own sidecar is not a live pair; a still with none leaves both unmatched", () => {
  const { seen, result } = run(FOLDERS[0], [
    "IMG_1.HEIC",
    "IMG_1.MOV",
    "IMG_2.JPG",
    "IMG_2.MOV",
  ], ["IMG_1.HEIC.json", "IMG_1.MOV.json"]);
  expectMatch(seen, "IMG_1.MOV", "IMG_1.MOV.json", "exact-json");
  assertEquals(seen.get("IMG_1.MOV")!.pairOf, undefined);
  expectMatch(seen, "IMG_2.MOV", undefined, "live-pair");
  assertEquals(seen.get("IMG_2.MOV")!.pairOf, "IMG_2.JPG");
  assertEquals(result.unmatchedMedia, [
    `${FOLDERS[0]}/IMG_2.JPG`,
    `${FOLDERS[0]}/IMG_2.MOV`,
  ]);
});

Deno.test("a sidecar is claimed once: the still wins over its video half", () => {
  const { seen, result } = run(FOLDERS[0], ["IMG_9.MOV", "IMG_9.HEIC"], [
    { name: "IMG_9.json", title: "IMG_9" },
  ]);
  expectMatch(seen, "IMG_9.HEIC", "IMG_9.json", "no-extension");
  expectMatch(seen, "IMG_9.MOV", "IMG_9.json", "live-pair");
  assertEquals(result.unclaimedSidecars, []);
});

Deno.test("unmatched files are reported and none is dropped", () => {
  const media = [
    "Takeout/Google Photos/Photos from 2020/lonely.jpg",
    "Takeout/Google Photos/Photos from 2020/IMG_1.jpg",
    "Takeout/Google Photos/Trip/IMG_1.jpg",
    "Takeout/Google Photos/Trip/IMG_1.jpg",
    "Takeout/Google Photos/Trip/other.png",
  ];
  const sidecars = [
    { path: "Takeout/Google Photos/Photos from 2020/IMG_1.jpg.json" },
    { path: "Takeout/Google Photos/Trip/IMG_1.jpg.supplemental-metadata.json" },
    { path: "Takeout/Google Photos/Trip/orphan.jpg.json" },
    // Same name, other folder: never matched across folders.
    { path: "Takeout/Google Photos/Photos from 2020/other.png.json" },
  ];
  const result = matchSidecars(media.map((path) => ({ path })), sidecars);
  assertEquals(result.matches.map((m) => m.media), media);
  assertEquals(
    result.matches.map((m) => m.sidecar),
    [
      undefined,
      "Takeout/Google Photos/Photos from 2020/IMG_1.jpg.json",
      "Takeout/Google Photos/Trip/IMG_1.jpg.supplemental-metadata.json",
      "Takeout/Google Photos/Trip/IMG_1.jpg.supplemental-metadata.json",
      undefined,
    ],
  );
  assertEquals(result.unmatchedMedia, [
    "Takeout/Google Photos/Photos from 2020/lonely.jpg",
    "Takeout/Google Photos/Trip/other.png",
  ]);
  assertEquals(result.unclaimedSidecars, [
    "Takeout/Google Photos/Photos from 2020/other.png.json",
    "Takeout/Google Photos/Trip/orphan.jpg.json",
  ]);
});

Deno.test("NFC and NFD names, of files and folders, match each other", () => {
  const folderNfd = "Takeout/Google Photos/Été à Nice".normalize("NFD");
  const folderNfc = "Takeout/Google Photos/Été à Nice";
  const result = matchSidecars(
    [{ path: `${folderNfd}/Crème brûlée.jpg`.normalize("NFD") }],
    [{ path: `${folderNfc}/Crème brûlée.jpg.supplemental-metadata.json` }],
  );
  assertEquals(result.matches[0].matchedBy, "exact-supplemental");
  assertEquals(result.matches[0].originalName, "Crème brûlée.jpg");
  assertEquals(result.unclaimedSidecars, []);
});

Deno.test("the outcome does not depend on the order of the listing", () => {
  const media = [
    "IMG.jpg",
    "IMG(1).jpg",
    "IMG-edited.jpg",
    "IMG_1.HEIC",
    "IMG_1.MOV",
    "x".repeat(47) + ".jpg",
    "x".repeat(46) + "y.jpg",
    "lonely.png",
  ];
  const sidecars: SidecarSpec[] = [
    "IMG.jpg.json",
    "IMG.jpg(1).json",
    "IMG_1.HEIC.json",
    { name: `${"x".repeat(46)}.json`, title: `${"x".repeat(46)}y.jpg` },
    { name: `${"x".repeat(46)}(1).json`, title: `${"x".repeat(48)}.jpg` },
    "stray.json",
  ];
  const sorted = (r: SidecarMatchResult) =>
    [...r.matches].sort((a, b) => a.media < b.media ? -1 : 1);
  const first = run(FOLDERS[0], media, sidecars).result;
  for (let seed = 1; seed <= 5; seed++) {
    const shuffle = <T>(list: T[]) =>
      list.map((v, i) => ({ v, k: (i * 7919 * seed) % 101 }))
        .sort((a, b) => a.k - b.k).map((e) => e.v);
    const again = run(FOLDERS[0], shuffle(media), shuffle(sidecars)).result;
    assertEquals(sorted(again), sorted(first));
    assertEquals(again.unmatchedMedia, first.unmatchedMedia);
    assertEquals(again.unclaimedSidecars, first.unclaimedSidecars);
  }
  const seen = run(FOLDERS[0], media, sidecars).seen;
  expectMatch(
    seen,
    "x".repeat(46) + "y.jpg",
    `${"x".repeat(46)}.json`,
    "clipped",
  );
  expectMatch(
    seen,
    "x".repeat(47) + ".jpg",
    `${"x".repeat(46)}(1).json`,
    "title",
  );
});
