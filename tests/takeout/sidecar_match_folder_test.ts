// matchSidecars() settles the files their exact sidecar names serve in a
// pre-pass, without the rules' objects, and runs the rules on the rest;
// with the pre-pass off it runs every rule on every file. The two must
// always agree, for a folder given with its `folder` (what the importer
// passes) and for paths alone: these folders are drawn at random from the
// names that make matching hard.

import { assertEquals } from "../assert.ts";
import {
  type MatchMedia,
  type MatchSidecar,
  matchSidecars,
} from "../../src/takeout/sidecar_match.ts";

const MEDIA = [
  "IMG_1.jpg",
  "IMG_1(1).jpg",
  "IMG_1-edited.jpg",
  "IMG_1-edited(1).jpg",
  "IMG_2.HEIC",
  "IMG_2-bearbeitet.HEIC",
  "IMG_2.MP4",
  "PXL_20231006_063909898.MP.jpg",
  "PXL_20231006_063909898.MP",
  "MVIMG_3.jpg",
  "MVIMG_3.MP4",
  "VID_4.mp4",
  "IMG_5.JPG",
  "img_5.jpg",
  "Peanut Butter Balls.jpg",
  "Screenshot_20191231-235959_A_very_long_name_of_an_app.jpg",
  "Screenshot_20191231-235959_A_very_long_name_of_an_ap.jpg",
  "Screenshot_20191231-235959_A_very_long_name_of_-ed.jpg",
  "Cafe\u0301.jpg",
  "noextension",
  "photo(2).png",
  "PXL_20210102_221126856.MP~2",
  "PXL_20210102_221126856.MP~2.jpg",
  "MVIMG_3",
  "IMG_9(1).MP4",
  "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P.jpg",
  "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P(1).jpg",
  "IMG_2.HEIC.jpg",
];

const SIDECARS = [
  "IMG_1.jpg.supplemental-metadata.json",
  "IMG_1.jpg.json",
  "IMG_1.jpg(1).json",
  "IMG_1.jpg.supplemental-metadata(1).json",
  "IMG_2.HEIC.supplemental-metadata.json",
  "IMG_2.HEIC.json",
  "IMG_2.MP4.json",
  "PXL_20231006_063909898.MP.jpg.supplemental-metadata.json",
  "MVIMG_3.jpg.json",
  "VID_4.mp4.supple.json",
  "VID_4.mp4.json",
  "IMG_5.JPG.json",
  "img_5.jpg.json",
  "Peanut Butter Balls.supplemental-metadata.json",
  "Screenshot_20191231-235959_A_very_long_name_of_a.json",
  "Screenshot_20191231-235959_A_very_long_name_o(1).json",
  "Café.jpg.supplemental-metadata.json",
  "noextension.supplemental-metadata.json",
  "photo.png(2).json",
  "orphan.jpg.json",
  "PXL_20210102_221126856.MP~2.jpg.json",
  "IMG_9.HEIC.supplemental-metadata(1).json",
  "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_.json",
];

const TITLES = [
  undefined,
  "same",
  "IMG_1.jpg",
  "IMG_2.HEIC",
  "Screenshot_20191231-235959_A_very_long_name_of_an_app.jpg",
  "Peanut Butter Balls",
  "other.jpg",
];

/** Deterministic numbers. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

function pick<T>(list: readonly T[], rand: () => number, p: number): T[] {
  return list.filter(() => rand() < p);
}

Deno.test("the exact-name pre-pass decides as every rule run on every file would", () => {
  const folder = "Takeout/Google Photos/Photos from 2023";
  for (let seed = 1; seed <= 400; seed++) {
    const rand = random(seed);
    const media = pick(MEDIA, rand, 0.6);
    const sidecars = pick(SIDECARS, rand, 0.6);
    const titled = sidecars.map((name) => {
      const t = TITLES[Math.floor(rand() * TITLES.length)];
      // "same": the title is the media name the sidecar is named for.
      const title = t === "same"
        ? name.replace(/(\.supplemental-metadata)?(\(\d\))?\.json$/, "")
        : t;
      return { name, title };
    });
    const given = (withFolder: boolean) => ({
      media: media.map((name): MatchMedia => ({
        path: `${folder}/${name}`,
        ...(withFolder ? { folder } : {}),
      })),
      sidecars: titled.map(({ name, title }): MatchSidecar => ({
        path: `${folder}/${name}`,
        ...(withFolder ? { folder } : {}),
        ...(title === undefined ? {} : { title }),
      })),
    });
    const one = given(true);
    const all = given(false);
    const rulesOnly = matchSidecars(all.media, all.sidecars, {
      exactPrePass: false,
    });
    const why = `seed ${seed}: ${JSON.stringify({ media, titled })}`;
    assertEquals(matchSidecars(one.media, one.sidecars), rulesOnly, why);
    assertEquals(matchSidecars(all.media, all.sidecars), rulesOnly, why);
    assertEquals(
      matchSidecars(one.media, one.sidecars, { exactPrePass: false }),
      rulesOnly,
      why,
    );
  }
});

Deno.test("a folder given under two prefixes (parts unpacked side by side) matches as one", () => {
  const folder = "Takeout/Google Photos/Photos from 2023";
  const media = [
    { path: `p1/${folder}/IMG_1.jpg`, folder },
    { path: `p2/${folder}/IMG_1.jpg`, folder },
    { path: `p1/${folder}/IMG_2.jpg`, folder },
  ];
  const sidecars = [
    { path: `p2/${folder}/IMG_1.jpg.json`, folder, title: "IMG_1.jpg" },
    { path: `p1/${folder}/IMG_2.jpg.json`, folder },
  ];
  const result = matchSidecars(media, sidecars);
  assertEquals(
    result.matches.map((m) => [m.media, m.sidecar, m.matchedBy]),
    [
      [`p1/${folder}/IMG_1.jpg`, `p2/${folder}/IMG_1.jpg.json`, "exact-json"],
      [`p2/${folder}/IMG_1.jpg`, undefined, "none"],
      [`p1/${folder}/IMG_2.jpg`, `p1/${folder}/IMG_2.jpg.json`, "exact-json"],
    ],
  );
});
