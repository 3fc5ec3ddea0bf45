// The peer corpus: every case the public test suites of immich-go
// (adapters/googlePhotos/, its e2e data) and of GooglePhotosTakeoutHelper
// Neo (its metadata matcher tests, the tests of its issues #123, #133,
// #139 and #140, motion photo extensions, truncated names, its end-to-end
// tests of GitHub issues) state about the names of a Takeout export, as our
// own cases: which sidecar belongs to which file, which album holds what.
// Titles are what Google writes (the upload's name) where a fixture left
// them out. Each case runs as an unpacked folder, a zip and a tgz, in two
// entry orders (see takeout_corpus.ts). Where the peers disagree, the case
// states this program's rule (README, "Back up your whole library with
// Takeout", "When the tools disagree").

import { album, type CorpusCase, m, runCase, s } from "./takeout_corpus.ts";

const Y = "Photos from 2023";
const IMMICH_MATCHER =
  "immich-go adapters/googlePhotos/matcher_test.go, Test_matchers";
const IMMICH_BROWSE =
  "immich-go adapters/googlePhotos/testgp_samples_test.nogo + testgp_test.nogo";
const GPTH = "GPTH Neo test/unit";

/** A media file and its own sidecar in one folder, matched. */
function pair(
  from: string,
  file: string,
  sidecar: string,
  title = file,
  folder = Y,
): CorpusCase {
  return {
    from,
    name: `${file} <- ${sidecar}`,
    files: [m(`${folder}/${file}`, "a"), s(`${folder}/${sidecar}`, "a", title)],
    carries: { a: "a" },
  };
}

/** A media file and a sidecar that is not its own. */
function apart(
  from: string,
  file: string,
  sidecar: string,
  title: string,
): CorpusCase {
  return {
    from,
    name: `${file} is not ${sidecar}'s`,
    files: [m(`${Y}/${file}`, "a"), s(`${Y}/${sidecar}`, "x", title)],
    carries: { a: null },
    unclaimed: ["x"],
  };
}

const EMOJI_SIDECAR = "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json";
const EMOJI_FILE = "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg";
const EMOJI_TITLE =
  "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸🤩🥳😏😒😞😔😟😕🙁☹️😣😖😫😩🥺😢😭😤😠😡🤬🤯😳🥵🥶.jpg";
const BACKYARD = "Backyard_ceremony_wedding_photography_xxxxxxx_";
const ORIGINAL = "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_";
const ORIGINAL_TITLE = `${ORIGINAL}PXL_20220516_164814158.jpg`;

const CASES: CorpusCase[] = [
  // ---- immich-go, matcher_test.go: one case per row of Test_matchers.
  pair(
    IMMICH_MATCHER,
    "PXL_20211013_220651983.jpg",
    "PXL_20211013_220651983.jpg.json",
  ),
  apart(
    IMMICH_MATCHER,
    "PXL_20211013_220651958.jpg",
    "PXL_20211013_220651983.jpg.json",
    "PXL_20211013_220651983.jpg",
  ),
  {
    from: IMMICH_MATCHER,
    name: "an edit (-modifié) whose original is in no part takes its sidecar",
    files: [
      m(`${Y}/PXL_20220405_090123740.PORTRAIT-modifié.jpg`, "e"),
      s(
        `${Y}/PXL_20220405_090123740.PORTRAIT.jpg.json`,
        "o",
        "PXL_20220405_090123740.PORTRAIT.jpg",
      ),
    ],
    carries: { e: "o" },
    names: { e: "PXL_20220405_090123740.PORTRAIT-modifié.jpg" },
  },
  apart(
    IMMICH_MATCHER,
    "PXL_20220405_090123741.PORTRAIT-modifié.jpg",
    "PXL_20220405_090123740.PORTRAIT.jpg.json",
    "PXL_20220405_090123740.PORTRAIT.jpg",
  ),
  pair(IMMICH_MATCHER, "DSC_0100.JPG", "DSC_0100.JPG.json"),
  pair(
    IMMICH_MATCHER,
    "DSC_0101(1).JPG",
    "DSC_0101.JPG(1).json",
    "DSC_0101.JPG",
  ),
  apart(
    IMMICH_MATCHER,
    "DSC_0102(1).JPG",
    "DSC_0102.JPG(2).json",
    "DSC_0102.JPG",
  ),
  apart(IMMICH_MATCHER, "DSC_0103.JPG", "DSC_0103.JPG(1).json", "DSC_0103.JPG"),
  apart(IMMICH_MATCHER, "DSC_0104(1).JPG", "DSC_0104.JPG.json", "DSC_0104.JPG"),
  pair(
    IMMICH_MATCHER,
    "IMG_2710(1).HEIC",
    "IMG_2710.HEIC(1).json",
    "IMG_2710.HEIC",
  ),
  pair(
    IMMICH_MATCHER,
    "PXL_20231118_035751175.MP.jpg",
    "PXL_20231118_035751175.MP.jpg.json",
  ),
  pair(
    IMMICH_MATCHER,
    "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg",
    "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json",
    "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg",
  ),
  pair(
    IMMICH_MATCHER,
    "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg",
    "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json",
  ),
  pair(IMMICH_MATCHER, EMOJI_FILE, EMOJI_SIDECAR, EMOJI_TITLE),
  pair(
    IMMICH_MATCHER,
    `${BACKYARD}m(494).jpg`,
    `${BACKYARD}(494).json`,
    "Backyard_ceremony_wedding_photography_markham_magnoliastudios-19.jpg",
  ),
  apart(
    IMMICH_MATCHER,
    `${BACKYARD}m(185).jpg`,
    `${BACKYARD}(494).json`,
    "Backyard_ceremony_wedding_photography_markham_magnoliastudios-19.jpg",
  ),
  pair(IMMICH_MATCHER, `${ORIGINAL}P.jpg`, `${ORIGINAL}.json`, ORIGINAL_TITLE),
  {
    from: `${IMMICH_MATCHER} (matchForgottenDuplicates)`,
    name: "a numbered copy at the cut takes its upload's sidecar",
    files: [
      m(`${Y}/${ORIGINAL}P(1).jpg`, "d"),
      s(`${Y}/${ORIGINAL}.json`, "o", ORIGINAL_TITLE),
    ],
    carries: { d: "o" },
  },
  pair(
    IMMICH_MATCHER,
    "PXL_20210102_221126856.MP~2.jpg",
    "PXL_20210102_221126856.MP~2.jpg.json",
  ),
  pair(
    `${IMMICH_MATCHER} (#613)`,
    "13039_327707840323_537645323_9470255_27214_n(1).jpg",
    "13039_327707840323_537645323_9470255_27214_n.j(1).json",
    "13039_327707840323_537645323_9470255_27214_n.jpg",
  ),
  pair(
    `${IMMICH_MATCHER} (#652)`,
    "20161105_170829.jpg",
    "20161105_170829.jpg.supplemental-metadata.json",
  ),
  pair(
    `${IMMICH_MATCHER} (#652)`,
    "Screenshot_20231027_123303_Facebook.jpg",
    "Screenshot_20231027_123303_Facebook.jpg.supple.json",
  ),
  pair(
    `${IMMICH_MATCHER} (#652)`,
    "Screenshot_20231027_123303_Facebook(1).jpg",
    "Screenshot_20231027_123303_Facebook.jpg.supple(1).json",
    "Screenshot_20231027_123303_Facebook.jpg",
  ),
  pair(
    `${IMMICH_MATCHER} (#652)`,
    "MVIMG_20191230_232926.jpg",
    "MVIMG_20191230_232926.jpg.supplemental-metadat.json",
  ),
  pair(
    `${IMMICH_MATCHER} (#652)`,
    "Screenshot_20200301-161151.png",
    "Screenshot_20200301-161151.png.supplemental-me.json",
  ),
  pair(
    `${IMMICH_MATCHER} (#652)`,
    "MVIMG_20200207_134534~2.jpg",
    "MVIMG_20200207_134534~2.jpg.supplemental-metad.json",
  ),
  pair(
    `${IMMICH_MATCHER} (#673)`,
    "Scan35(1).jpg",
    "Scan35.jpg.supplemental-metadata(1).json",
    "Scan35.jpg",
  ),
  pair(
    `${IMMICH_MATCHER} (#673)`,
    "CLIP0001(10).AVI",
    "CLIP0001.AVI.supplemental-metadata(10).json",
    "CLIP0001.AVI",
  ),
  ...[
    [
      "#698",
      "IMAG0061-edited.JPG",
      "IMAG0061.JPG.supplemental-metadata.json",
      "IMAG0061.JPG",
    ],
    [
      "#674",
      "IMG-20230325-WA0122~2-edited.jpg",
      "IMG-20230325-WA0122~2.jpg.supplemental-metadat.json",
      "IMG-20230325-WA0122~2.jpg",
    ],
    [
      "#674",
      "2234089303984509579-edited.jpg",
      "2234089303984509579.supplemental-metadata.json",
      "2234089303984509579",
    ],
    [
      "#652",
      "Screenshot_20231027_123303_Facebook-edited.jpg",
      "Screenshot_20231027_123303_Facebook.jpg.supple.json",
      "Screenshot_20231027_123303_Facebook.jpg",
    ],
  ].map(([issue, file, sidecar, title]): CorpusCase => ({
    from: `${IMMICH_MATCHER} (${issue}, matchEditedName)`,
    name: `the edit ${file} takes ${sidecar}`,
    files: [m(`${Y}/${file}`, "e"), s(`${Y}/${sidecar}`, "o", title)],
    carries: { e: "o" },
    names: { e: file },
  })),
  pair(
    IMMICH_MATCHER,
    "Screenshot_2024-08-31-00-53-48-647_com.snapchat.jpg",
    "Screenshot_2024-08-31-00-53-48-647_com.snapcha.json",
  ),

  // ---- immich-go, testgp_samples_test.nogo / testgp_test.nogo: TestBrowse
  // and TestAlbums (and the listings it keeps for reference).
  {
    from: `${IMMICH_BROWSE}: simpleYear`,
    name: "two photos in a year folder",
    files: [
      s(
        `${Y}/PXL_20230922_144936660.jpg.json`,
        "a",
        "PXL_20230922_144936660.jpg",
      ),
      m(`${Y}/PXL_20230922_144936660.jpg`, "a"),
      s(
        `${Y}/PXL_20230922_144956000.jpg.json`,
        "b",
        "PXL_20230922_144956000.jpg",
      ),
      m(`${Y}/PXL_20230922_144956000.jpg`, "b"),
    ],
    carries: { a: "a", b: "b" },
  },
  {
    from: `${IMMICH_BROWSE}: simpleAlbum`,
    name:
      "an album of copies with their sidecars, and a same name in another year",
    files: [
      s("Photos from 2020/IMG_8172.jpg.json", "i20", "IMG_8172.jpg"),
      m("Photos from 2020/IMG_8172.jpg", "i20"),
      s(
        `${Y}/PXL_20230922_144936660.jpg.json`,
        "p6",
        "PXL_20230922_144936660.jpg",
      ),
      s(
        `${Y}/PXL_20230922_144934440.jpg.json`,
        "p4",
        "PXL_20230922_144934440.jpg",
      ),
      s(`${Y}/IMG_8172.jpg.json`, "i23", "IMG_8172.jpg"),
      m(`${Y}/PXL_20230922_144936660.jpg`, "p6"),
      m(`${Y}/PXL_20230922_144934440.jpg`, "p4"),
      m(`${Y}/IMG_8172.jpg`, "i23"),
      // Album metadata under a name no locale uses: told by its content.
      album("Album/anyname.json", "Album"),
      s("Album/IMG_8172.jpg.json", "i23", "IMG_8172.jpg"),
      s(
        "Album/PXL_20230922_144936660.jpg.json",
        "p6",
        "PXL_20230922_144936660.jpg",
      ),
      m("Album/IMG_8172.jpg", "i23"),
      m("Album/PXL_20230922_144936660.jpg", "p6"),
    ],
    carries: { i20: "i20", p6: "p6", p4: "p4", i23: "i23" },
    albums: { Album: ["i23", "p6"] },
  },
  {
    from: `${IMMICH_BROWSE}: simpleAlbum, its copies without their sidecars`,
    name:
      "album copies without sidecars are the year folder's items, dated by their sidecars",
    files: [
      s("Photos from 2020/IMG_8172.jpg.json", "i20", "IMG_8172.jpg"),
      m("Photos from 2020/IMG_8172.jpg", "i20"),
      s(
        `${Y}/PXL_20230922_144936660.jpg.json`,
        "p6",
        "PXL_20230922_144936660.jpg",
      ),
      s(`${Y}/IMG_8172.jpg.json`, "i23", "IMG_8172.jpg"),
      m(`${Y}/PXL_20230922_144936660.jpg`, "p6"),
      m(`${Y}/IMG_8172.jpg`, "i23"),
      album("Album/anyname.json", "Album"),
      m("Album/IMG_8172.jpg", "i23"),
      m("Album/PXL_20230922_144936660.jpg", "p6"),
    ],
    carries: { i20: "i20", p6: "p6", i23: "i23" },
    albums: { Album: ["i23", "p6"] },
  },
  {
    from: `${IMMICH_BROWSE}: albumWithoutImage`,
    name:
      "an album sidecar without its file beside it still makes its item a member",
    files: [
      album("Album/anyname.json", "Album"),
      s(
        "Album/PXL_20230922_144936660.jpg.json",
        "p6",
        "PXL_20230922_144936660.jpg",
      ),
      s(
        "Album/PXL_20230922_144934440.jpg.json",
        "p4",
        "PXL_20230922_144934440.jpg",
      ),
      m("Album/PXL_20230922_144936660.jpg", "p6"),
      s(
        `${Y}/PXL_20230922_144934440.jpg.json`,
        "p4",
        "PXL_20230922_144934440.jpg",
      ),
      s(
        `${Y}/PXL_20230922_144936660.jpg.json`,
        "p6",
        "PXL_20230922_144936660.jpg",
      ),
      m(`${Y}/PXL_20230922_144934440.jpg`, "p4"),
      m(`${Y}/PXL_20230922_144936660.jpg`, "p6"),
    ],
    carries: { p4: "p4", p6: "p6" },
    // immich-go lists only the photo whose copy is in the album folder;
    // here (with GPTH Neo #133) the lone sidecar adds its item too.
    albums: { Album: ["p4", "p6"] },
  },
  {
    from: `${IMMICH_BROWSE}: namesWithNumbers`,
    name: "IMG_3479.JPG, (1), (2) each take their numbered sidecar",
    files: [
      s("Photos from 2009/IMG_3479.JPG.json", "a", "IMG_3479.JPG"),
      m("Photos from 2009/IMG_3479.JPG", "a"),
      s("Photos from 2009/IMG_3479.JPG(1).json", "b", "IMG_3479.JPG"),
      m("Photos from 2009/IMG_3479(1).JPG", "b"),
      s("Photos from 2009/IMG_3479.JPG(2).json", "c", "IMG_3479.JPG"),
      m("Photos from 2009/IMG_3479(2).JPG", "c"),
    ],
    carries: { a: "a", b: "b", c: "c" },
  },
  {
    from: `${IMMICH_BROWSE}: namesTruncated`,
    name: "clipped emoji, long-exposure and ' 2' names",
    files: [
      s(`${Y}/${EMOJI_SIDECAR}`, "e", EMOJI_TITLE),
      m(`${Y}/${EMOJI_FILE}`, "e"),
      s(
        `${Y}/PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json`,
        "l",
        "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg",
      ),
      m(`${Y}/PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg`, "l"),
      s(
        `${Y}/05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json`,
        "t",
        "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg",
      ),
      m(`${Y}/05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg`, "t"),
    ],
    carries: { e: "e", l: "l", t: "t" },
    names: {
      l: "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg",
      t: "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg",
    },
  },
  {
    from: `${IMMICH_BROWSE}: imagesEditedJSON (imagesWithoutJSON)`,
    name:
      "an edit takes its original's sidecar; an edit of no original is kept undated",
    files: [
      s(
        `${Y}/PXL_20220405_090123740.PORTRAIT.jpg.json`,
        "o",
        "PXL_20220405_090123740.PORTRAIT.jpg",
      ),
      m(`${Y}/PXL_20220405_090123740.PORTRAIT.jpg`, "o"),
      m(`${Y}/PXL_20220405_090123740.PORTRAIT-modifié.jpg`, "e"),
      // immich-go leaves this file out; here no file is ever dropped.
      m(`${Y}/PXL_20220405_090200110.PORTRAIT-modifié.jpg`, "lone"),
    ],
    carries: { o: "o", e: "o", lone: null },
  },
  {
    from: `${IMMICH_BROWSE}: titlesWithForbiddenChars`,
    name: "titles with '/' keep the archive's names",
    files: [
      s("Photos from 2012/27_06_12 - 1.mov.json", "a", "27/06/12 - 1"),
      m("Photos from 2012/27_06_12 - 1.mov", "a"),
      s("Photos from 2012/27_06_12 - 2.json", "b", "27/06/12 - 2"),
      m("Photos from 2012/27_06_12 - 2.jpg", "b"),
    ],
    carries: { a: "a", b: "b" },
    names: { a: "27_06_12 - 1.mov", b: "27_06_12 - 2.jpg" },
  },
  {
    from: `${IMMICH_BROWSE}: namesIssue39`,
    name: "clipped names told apart by (n), in an album and a year folder",
    files: [
      album("Album/anyname.json", "Album"),
      s(`Album/${BACKYARD}.json`, "a", `${BACKYARD}magnoliastudios-371.jpg`),
      s(`Album/${BACKYARD}(1).json`, "b", `${BACKYARD}magnoliastudios-181.jpg`),
      s(
        `Album/${BACKYARD}(494).json`,
        "c",
        "Backyard_ceremony_wedding_photography_markham_magnoliastudios-19.jpg",
      ),
      m(`Album/${BACKYARD}m.jpg`, "a"),
      m(`Album/${BACKYARD}m(1).jpg`, "b"),
      m(`Album/${BACKYARD}m(494).jpg`, "c"),
      s(
        `Photos from 2020/${BACKYARD}.json`,
        "a",
        `${BACKYARD}magnoliastudios-371.jpg`,
      ),
      s(
        `Photos from 2020/${BACKYARD}(1).json`,
        "b",
        `${BACKYARD}magnoliastudios-181.jpg`,
      ),
      s(
        `Photos from 2020/${BACKYARD}(494).json`,
        "c",
        "Backyard_ceremony_wedding_photography_markham_magnoliastudios-19.jpg",
      ),
      m(`Photos from 2020/${BACKYARD}m(1).jpg`, "b"),
      m(`Photos from 2020/${BACKYARD}m(494).jpg`, "c"),
      m(`Photos from 2020/${BACKYARD}m.jpg`, "a"),
    ],
    carries: { a: "a", b: "b", c: "c" },
    albums: { Album: ["a", "b", "c"] },
    names: {
      a: `${BACKYARD}magnoliastudios-371.jpg`,
      c: "Backyard_ceremony_wedding_photography_markham_magnoliastudios-19.jpg",
    },
  },
  {
    from: `${IMMICH_BROWSE}: issue68MPFiles`,
    name:
      "a Pixel motion photo: the .MP video half takes the .MP.jpg's sidecar",
    files: [
      s(
        "Photos from 2022/PXL_20221228_185930354.MP.jpg.json",
        "a",
        "PXL_20221228_185930354.MP.jpg",
      ),
      m("Photos from 2022/PXL_20221228_185930354.MP", "v"),
      m("Photos from 2022/PXL_20221228_185930354.MP.jpg", "a"),
    ],
    // immich-go lists the still only; here the video half is kept beside it.
    carries: { a: "a", v: "a" },
  },
  {
    from: `${IMMICH_BROWSE}: issue68LongExposure`,
    name: "long-exposure cover and original with clipped sidecars",
    files: [
      s(
        `${Y}/PXL_20230814_201154491.LONG_EXPOSURE-01.COVER..json`,
        "c",
        "PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg",
      ),
      m(`${Y}/PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg`, "c"),
      s(
        `${Y}/PXL_20230814_201154491.LONG_EXPOSURE-02.ORIGIN.json`,
        "o",
        "PXL_20230814_201154491.LONG_EXPOSURE-02.ORIGINAL.jpg",
      ),
      m(`${Y}/PXL_20230814_201154491.LONG_EXPOSURE-02.ORIGINA.jpg`, "o"),
    ],
    carries: { c: "c", o: "o" },
  },
  {
    from: `${IMMICH_BROWSE}: issue68ForgottenDuplicates`,
    name: "X_P.jpg and X_P(1).jpg share the one sidecar X_.json",
    files: [
      s(`Photos from 2022/${ORIGINAL}.json`, "o", ORIGINAL_TITLE),
      m(`Photos from 2022/${ORIGINAL}P.jpg`, "p"),
      m(`Photos from 2022/${ORIGINAL}P(1).jpg`, "d"),
    ],
    carries: { p: "o", d: "o" },
    names: {
      p: ORIGINAL_TITLE,
      d: ORIGINAL_TITLE.replace(".jpg", " (2).jpg"),
    },
  },
  {
    from: `${IMMICH_BROWSE}: issue390WrongCount`,
    name:
      "image000000.gif and .jpg each take their own sidecar; (1) is nobody's",
    files: [
      s("Photos from 2021/image000000.jpg.json", "j", "image000000.jpg"),
      s("Photos from 2021/image000000.jpg(1).json", "j1", "image000000.jpg"),
      s("Photos from 2021/image000000.gif.json", "g", "image000000.gif"),
      m("Photos from 2021/image000000.gif", "g"),
      m("Photos from 2021/image000000.jpg", "j"),
    ],
    carries: { g: "g", j: "j" },
    unclaimed: ["j1"],
  },
  {
    from: `${IMMICH_BROWSE}: issue390WrongCount2 (kept for reference there)`,
    name:
      "IMG_0170 in five folders: a video takes a still's data only in its own folder",
    files: [
      s("2017 - Croatia/IMG_0170.jpg.json", "j17", "IMG_0170.jpg"),
      s("Photos from 2018/IMG_0170.JPG.json", "J18", "IMG_0170.JPG"),
      s("Photos from 2018/IMG_0170.HEIC.json", "h18", "IMG_0170.HEIC"),
      s("Photos from 2023/IMG_0170.HEIC.json", "h23", "IMG_0170.HEIC"),
      s("2018 - Cambodia/IMG_0170.JPG.json", "J18", "IMG_0170.JPG"),
      s("2023 - Belize/IMG_0170.HEIC.json", "h23", "IMG_0170.HEIC"),
      s("Photos from 2017/IMG_0170.jpg.json", "j17", "IMG_0170.jpg"),
      m("2017 - Croatia/IMG_0170.jpg", "j17"),
      m("Photos from 2018/IMG_0170.HEIC", "h18"),
      m("Photos from 2018/IMG_0170.JPG", "J18"),
      m("Photos from 2023/IMG_0170.MP4", "v23"),
      m("Photos from 2023/IMG_0170.HEIC", "h23"),
      m("Photos from 2018/IMG_0170.MP4", "v18"),
      m("2018 - Cambodia/IMG_0170.JPG", "J18"),
      m("2023 - Belize/IMG_0170.MP4", "v23"),
      m("2023 - Belize/IMG_0170.HEIC", "h23"),
      m("Photos from 2017/IMG_0170.jpg", "j17"),
    ],
    carries: {
      j17: "j17",
      J18: "J18",
      h18: "h18",
      v18: "h18",
      h23: "h23",
      v23: "h23",
    },
    albums: {
      "2017 - Croatia": ["j17"],
      "2018 - Cambodia": ["J18"],
      "2023 - Belize": ["h23", "v23"],
    },
  },
  {
    from: `${IMMICH_BROWSE}: checkLivePhoto (kept for reference there)`,
    name:
      "live photos: a .MP4, a Pixel .MP and an MVIMG half without extension",
    files: [
      s("Motion test/20231227_152817.jpg.json", "a", "20231227_152817.jpg"),
      m("Motion test/20231227_152817.jpg", "a"),
      m("Motion test/20231227_152817.MP4", "av"),
      s(
        "Motion Test/PXL_20231118_035751175.MP.jpg.json",
        "b",
        "PXL_20231118_035751175.MP.jpg",
      ),
      m("Motion Test/PXL_20231118_035751175.MP", "bv"),
      m("Motion Test/PXL_20231118_035751175.MP.jpg", "b"),
      s(
        "Motion Test/MVIMG_20180418_113218.jpg.json",
        "c",
        "MVIMG_20180418_113218.jpg",
      ),
      m("Motion Test/MVIMG_20180418_113218.jpg", "c"),
      m("Motion Test/MVIMG_20180418_113218", "cv"),
    ],
    carries: { a: "a", av: "a", b: "b", bv: "b", c: "c", cv: "c" },
    albums: {
      "Motion test": ["a", "av"],
      "Motion Test": ["b", "bv", "c", "cv"],
    },
  },
  {
    from: `${IMMICH_BROWSE}: checkLivePhotoPixil (kept for reference there)`,
    name: "an iPhone live photo in a year folder and two albums",
    files: [
      album("2022 - Germany/metadata.json", "2022 - Germany"),
      s("2022 - Germany/IMG_4573.HEIC.json", "h", "IMG_4573.HEIC"),
      m("2022 - Germany/IMG_4573.MP4", "v"),
      m("2022 - Germany/IMG_4573.HEIC", "h"),
      album(
        "2022 - Germany - Private/metadata.json",
        "2022 - Germany - Private",
      ),
      s("2022 - Germany - Private/IMG_4573.HEIC.json", "h", "IMG_4573.HEIC"),
      m("2022 - Germany - Private/IMG_4573.HEIC", "h"),
      m("2022 - Germany - Private/IMG_4573.MP4", "v"),
      s("Photos from 2022/IMG_4573.HEIC.json", "h", "IMG_4573.HEIC"),
      m("Photos from 2022/IMG_4573.HEIC", "h"),
      m("Photos from 2022/IMG_4573.MP4", "v"),
    ],
    carries: { h: "h", v: "h" },
    albums: {
      "2022 - Germany": ["h", "v"],
      "2022 - Germany - Private": ["h", "v"],
    },
  },
  {
    from: `${IMMICH_BROWSE}: checkMissingJSON (kept for reference there)`,
    name: "files without sidecars, over two roots, are kept",
    root: "Takeout",
    files: [
      s(
        "Google Photos/Photos from 2022/IMG_4573.HEIC.json",
        "h",
        "IMG_4573.HEIC",
      ),
      m("Google Photos/Photos from 2022/IMG_4573.HEIC", "h"),
      m("Google Foto/Photos from 2016/IMG-20161201-WA0035.jpeg", "w"),
      m("Google Photos/2022 - Germany - Private/IMG_4553.HEIC", "p"),
      album("Google Photos/2022 - Germany/metadata.json", "2022 - Germany"),
      m("Google Photos/2022 - Germany/IMG_1234.MP4", "v"),
      m("Google Photos/2022 - Germany/IMG_1234.HEIC", "s"),
    ],
    carries: { h: "h", w: null, p: null, v: null, s: null },
    albums: {
      "2022 - Germany": ["s", "v"],
      "2022 - Germany - Private": ["p"],
    },
  },
  {
    from: `${IMMICH_BROWSE}: checkDuplicates (kept for reference there)`,
    name: "the same album entry in two parts, and an album's other version",
    root: "Takeout/Google Foto",
    files: [
      m(
        "[E&S] 2016-01-05 - Castello De Albertis e Mostra d/20160105_121621_LLS.jpg",
        "es",
        undefined,
      ),
      s(
        "[E&S] 2016-01-05 - Castello De Albertis e Mostra d/20160105_121621_LLS.jpg.json",
        "es",
        "20160105_121621_LLS.jpg",
      ),
      m("Photos from 2016/20160105_121621_LLS.jpg", "y"),
      s(
        "Photos from 2016/20160105_121621_LLS.jpg.json",
        "y",
        "20160105_121621_LLS.jpg",
      ),
      s(
        "2016-01-05 - _3/20160105_121621_LLS.jpg.json",
        "y",
        "20160105_121621_LLS.jpg",
      ),
      m("2016-01-05 - _3/20160105_121621_LLS.jpg", "y"),
      { ...m("2016-01-05 - _3/20160105_121621_LLS.jpg", "y"), part: 1 },
      {
        ...s(
          "2016-01-05 - _3/20160105_121621_LLS.jpg.json",
          "y",
          "20160105_121621_LLS.jpg",
        ),
        part: 1,
      },
    ],
    carries: { es: "es", y: "y" },
    albums: {
      "[E&S] 2016-01-05 - Castello De Albertis e Mostra d": ["es"],
      "2016-01-05 - _3": ["y"],
    },
  },
  {
    from: `${IMMICH_BROWSE}: checkMPissue405 (kept for reference there)`,
    name:
      "a motion photo and its edited alternate (.MP~2), each half with its still",
    files: [
      s(
        "Untitled(1)/PXL_20210102_221126856.MP~2.jpg.json",
        "e",
        "PXL_20210102_221126856.MP~2.jpg",
      ),
      s(
        "Untitled(1)/PXL_20210102_221126856.MP.jpg.json",
        "o",
        "PXL_20210102_221126856.MP.jpg",
      ),
      m("Untitled(1)/PXL_20210102_221126856.MP", "ov"),
      m("Untitled(1)/PXL_20210102_221126856.MP~2", "ev"),
      m("Untitled(1)/PXL_20210102_221126856.MP~2.jpg", "e"),
      m("Untitled(1)/PXL_20210102_221126856.MP.jpg", "o"),
    ],
    carries: { e: "e", ev: "e", o: "o", ov: "o" },
    albums: { "Untitled(1)": ["e", "ev", "o", "ov"] },
  },
  {
    from: "immich-go internal/e2e/client/DATA/fromGooglePhotos/gophers",
    name:
      "five photos in a year folder and in an album, without a Takeout folder",
    root: "Google Photos",
    files: [
      "PinClipart.com_gopher-clipart_4000224.jpg",
      "PinClipart.com_gopher-clipart_4000227.jpg",
      "PinClipart.com_gopher-clipart_4000243.jpg",
      "PinClipart.com_gopher-clipart_4860947.jpg",
      "PinClipart.com_st-clipart_4010097.jpg",
    ].flatMap((name, i) =>
      ["Photos from 2025", "gophers"].flatMap((folder) => [
        m(`${folder}/${name}`, `g${i}`),
        s(`${folder}/${name}.supplemental-metadata.json`, `g${i}`, name),
      ])
    ).concat([album("gophers/metadata.json", "Gopher's gallery")]),
    carries: { g0: "g0", g1: "g1", g2: "g2", g3: "g3", g4: "g4" },
    albums: { "Gopher's gallery": ["g0", "g1", "g2", "g3", "g4"] },
  },
];

for (const c of CASES) {
  Deno.test(`peer corpus: ${c.from}: ${c.name}`, () => runCase(c));
}
