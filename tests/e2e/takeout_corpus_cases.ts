// The cases of the peer corpus: every case the public test suites of
// immich-go (adapters/googlePhotos/, its e2e data) and of
// GooglePhotosTakeoutHelper Neo (its metadata matcher tests, the tests of its
// issues #123, #133, #139 and #140, motion photo extensions, truncated
// names, its end-to-end tests of GitHub issues) state about the names of a
// Takeout export, as our own cases: which sidecar belongs to which file,
// which album holds what. Titles are what Google writes (the upload's name)
// where a fixture left them out. Where the peers disagree, the case states
// this program's rule (README, "Back up your whole library with Takeout",
// "When the tools disagree"). takeout_corpus_test.ts runs them;
// scripts/snapshot.ts imports them as fixed inputs.

import { album, type CorpusCase, m, s } from "./takeout_corpus.ts";

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

export const CORPUS: readonly CorpusCase[] = [
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

  // ---- GPTH Neo, issue_133_orphan_album_json_test.dart.
  {
    from: `${GPTH}/issue_133_orphan_album_json_test.dart`,
    name: "attaches album membership from a JSON-only album folder",
    files: [
      m(`${Y}/photo.jpg`, "p"),
      s(`${Y}/photo.jpg.supplemental-metadata.json`, "p", "photo.jpg"),
      s("Vacation/photo.jpg.supplemental-metadata.json", "p", "photo.jpg"),
    ],
    carries: { p: "p" },
    albums: { Vacation: ["p"] },
  },
  {
    from: `${GPTH}/issue_133_orphan_album_json_test.dart`,
    name:
      "a JSON-only album finds a photo without a sidecar by title and capture time",
    files: [
      m(`${Y}/photo.jpg`, "p", "2023:06:18 17:40:00"),
      s("Vacation/photo.jpg.supplemental-metadata.json", "v", "photo.jpg", {
        taken: "2023-06-18T17:40:00Z",
        noUrl: true,
      }),
    ],
    // The album's sidecar is the photo's: its facts (description, place)
    // are the photo's, as if it lay beside it.
    carries: { p: "v" },
    albums: { Vacation: ["p"] },
  },
  {
    from: `${GPTH}/issue_133_orphan_album_json_test.dart`,
    name: "does not recover when the asset exists in the album",
    files: [
      m(`${Y}/photo.jpg`, "p"),
      m("Vacation/photo.jpg", "p"),
      s("Vacation/photo.jpg.supplemental-metadata.json", "p", "photo.jpg"),
    ],
    // One upload: the year folder's copy has no sidecar of its own, the
    // album's has; the album copy's sidecar dates the one item.
    carries: { p: "p" },
    albums: { Vacation: ["p"] },
  },
  {
    from: `${GPTH}/issue_133_orphan_album_json_test.dart`,
    name: "counts sidecars whose asset exists nowhere as unmatched",
    files: [
      m(`${Y}/other.jpg`, "o"),
      s("Vacation/missing.jpg.supplemental-metadata.json", "x", "missing.jpg"),
    ],
    carries: { o: null },
    unclaimed: ["x"],
  },
  {
    from: `${GPTH}/issue_133_orphan_album_json_test.dart`,
    name: "disambiguates same-name assets by capture year",
    files: [
      m("Photos from 2022/pic.jpg", "p22"),
      s(
        "Photos from 2022/pic.jpg.supplemental-metadata.json",
        "p22",
        "pic.jpg",
        {
          taken: "2022-06-18T17:40:00Z",
          noUrl: true,
        },
      ),
      m(`${Y}/pic.jpg`, "p23"),
      s(`${Y}/pic.jpg.supplemental-metadata.json`, "p23", "pic.jpg", {
        taken: "2023-06-18T17:40:00Z",
        noUrl: true,
      }),
      s("Trip/pic.jpg.supplemental-metadata.json", "t", "pic.jpg", {
        taken: "2023-06-18T17:40:00Z",
        noUrl: true,
      }),
    ],
    carries: { p22: "p22", p23: "p23" },
    albums: { Trip: ["p23"] },
  },
  {
    from: `${GPTH}/issue_133_orphan_album_json_test.dart`,
    name: "ignores album-level metadata files",
    files: [
      m(`${Y}/photo.jpg`, "p"),
      s(`${Y}/photo.jpg.supplemental-metadata.json`, "p", "photo.jpg"),
      m("Vacation/photo.jpg", "p"),
      album("Vacation/metadata.json", "Vacation"),
    ],
    carries: { p: "p" },
    albums: { Vacation: ["p"] },
  },
  ...[
    ["photo.jpg", "photo.jpg.supplemental-metadata.json", "photo.jpg"],
    ["photo.jpg", "photo.jpg.json", "photo.jpg"],
    ["photo.jpg", "photo.jpg.suppl.json", "photo.jpg"],
    ["photo.jpg", "photo.jpg.supplemental-met.json", "photo.jpg"],
    [
      "IMG_2367(1).HEIC",
      "IMG_2367.HEIC.supplemental-metadata(1).json",
      "IMG_2367.HEIC",
    ],
    [
      "IMG_2367(1).HEIC",
      "IMG_2367.HEIC(1).supplemental-metadata.json",
      "IMG_2367.HEIC",
    ],
    ["video.mp4", "video.mp4.json", "video.mp4"],
    ["clip.MP", "clip.MP.supplemental-metadata.json", "clip.MP"],
  ].map(([file, sidecar, title]) =>
    pair(
      `${GPTH}/issue_133_orphan_album_json_test.dart, getMediaNameCandidatesForJsonName / isMediaJsonSidecarName`,
      file,
      sidecar,
      title,
    )
  ),
  {
    from:
      `${GPTH}/issue_133_orphan_album_json_test.dart, isMediaJsonSidecarName`,
    name: "album metadata and Takeout's own files are no sidecars",
    files: [
      m("Vacation/photo.jpg", "p"),
      s("Vacation/photo.jpg.supplemental-metadata.json", "p", "photo.jpg"),
      album("Vacation/metadata.json", "Vacation"),
      { path: "print-subscriptions.json", text: "[]" },
      { path: "shared_album_comments.json", text: "[]" },
      { path: "user-generated-memory-titles.json", text: "[]" },
    ],
    carries: { p: "p" },
    albums: { Vacation: ["p"] },
    otherFiles: 3,
  },

  // ---- GPTH Neo, issue_123_numbered_json_matching_test.dart.
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart`,
    "image(1).jpg",
    "image.json(1).json",
    "image.jpg",
  ),
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart`,
    "image(1).jpg",
    "image.jpg.supplemental-metadata(1).json",
    "image.jpg",
  ),
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart`,
    "image(1).jpg",
    "image(1).supplemental-metadata.json",
    "image",
  ),
  {
    from: `${GPTH}/issue_123_numbered_json_matching_test.dart, cross-extension`,
    name:
      "IMG_1976(1).MP4, its HEIC in no part, takes the HEIC's numbered sidecar",
    files: [
      m(`${Y}/IMG_1976(1).MP4`, "v"),
      s(
        `${Y}/IMG_1976.HEIC.supplemental-metadata(1).json`,
        "h",
        "IMG_1976.HEIC",
      ),
    ],
    carries: { v: "h" },
  },
  {
    from: `${GPTH}/issue_123_numbered_json_matching_test.dart, cross-extension`,
    name: "a JPEG never takes a HEIC's sidecar",
    files: [
      m(`${Y}/IMG_1976(1).JPG`, "j"),
      s(
        `${Y}/IMG_1976.HEIC.supplemental-metadata(1).json`,
        "h",
        "IMG_1976.HEIC",
      ),
    ],
    // GPTH Neo's "tryhard" mode gives it; here a photo takes only a
    // sidecar that names it (GPTH Neo #139: another photo's place).
    carries: { j: null },
    unclaimed: ["h"],
  },
  {
    from: `${GPTH}/issue_123_numbered_json_matching_test.dart, cross-extension`,
    name: "prefers direct match over cross-extension match when both exist",
    files: [
      m(`${Y}/IMG_1976(1).MP4`, "v"),
      s(
        `${Y}/IMG_1976(1).MP4.supplemental-metadata(1).json`,
        "d",
        "IMG_1976.MP4",
      ),
      s(
        `${Y}/IMG_1976.HEIC.supplemental-metadata(1).json`,
        "h",
        "IMG_1976.HEIC",
      ),
    ],
    carries: { v: "d" },
    unclaimed: ["h"],
  },
  {
    from: `${GPTH}/issue_123_numbered_json_matching_test.dart, cross-extension`,
    name: "does not match IMG_1976.MP4 to IMG_1976(1).HEIC's sidecar",
    files: [
      m(`${Y}/IMG_1976.MP4`, "v"),
      s(`${Y}/IMG_1976.MP4.supplemental-metadata.json`, "d", "IMG_1976.MP4"),
      s(
        `${Y}/IMG_1976(1).HEIC.supplemental-metadata.json`,
        "h",
        "IMG_1976.HEIC",
      ),
    ],
    carries: { v: "d" },
    unclaimed: ["h"],
  },
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart, UUID`,
    "0bf4bdc0-0194-43e1-a85b-8823858343c7(1).jpg",
    "0bf4bdc0-0194-43e1-a85b-8823858343c7.jpg.supplemental-metadata(1).json",
    "0bf4bdc0-0194-43e1-a85b-8823858343c7.jpg",
  ),
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart, UUID`,
    "0bf4bdc0-0194-43e1-a85b-8823858343c7(1).jpg",
    "0bf4bdc0-0194-43e1-a85b-8823858343c7.jpg.suppl(1).json",
    "0bf4bdc0-0194-43e1-a85b-8823858343c7.jpg",
  ),
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart, multiple numbers`,
    "FullSizeRender(1)(1).HEIC",
    "FullSizeRender(1)(1).HEIC.supplemental-metadata.json",
  ),
  {
    from:
      `${GPTH}/issue_123_numbered_json_matching_test.dart, multiple numbers`,
    name: "FullSizeRender(1)(1).MP4 takes its HEIC's sidecar",
    files: [
      m(`${Y}/FullSizeRender(1)(1).MP4`, "v"),
      s(
        `${Y}/FullSizeRender(1)(1).HEIC.supplemental-metadata.json`,
        "h",
        "FullSizeRender(1)(1).HEIC",
      ),
    ],
    carries: { v: "h" },
  },
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart, partner sharing`,
    "IMG_1976(1).HEIC",
    "IMG_1976.HEIC.supplemental-metadata(1).json",
    "IMG_1976.HEIC",
  ),
  pair(
    `${GPTH}/issue_123_numbered_json_matching_test.dart, partner sharing`,
    "IMG_1976(1).JPG",
    "IMG_1976.JPG.supplemental-metadata(1).json",
    "IMG_1976.JPG",
  ),
  {
    from:
      `${GPTH}/issue_123_numbered_json_matching_test.dart, strategy priority`,
    name:
      "(n).supplemental and supplemental(n) both there: the exact name wins",
    files: [
      m(`${Y}/IMG_1976(1).JPG`, "j"),
      s(`${Y}/IMG_1976.JPG.supplemental-metadata(1).json`, "n", "IMG_1976.JPG"),
      s(
        `${Y}/IMG_1976(1).JPG.supplemental-metadata.json`,
        "e",
        "IMG_1976(1).JPG",
      ),
    ],
    carries: { j: "e" },
    unclaimed: ["n"],
  },
  ...[
    ["photo(1).jpg", "photo.jpg", ["photograph.jpg"]],
    ["image(1).jpg", "image.jpg", ["imagine.jpg", "imagery.jpg"]],
    ["0bf4bdc0-0194(1).jpg", "0bf4bdc0-0194.jpg", ["0bf4bdc0-0194-43e1.jpg"]],
  ].map(([file, own, others]): CorpusCase => ({
    from: `${GPTH}/issue_123_numbered_json_matching_test.dart, false positives`,
    name: `${file} takes ${own}'s (1), not ${
      (others as string[]).join(" or ")
    }'s`,
    files: [
      m(`${Y}/${file}`, "a"),
      s(`${Y}/${own}.supplemental-metadata(1).json`, "a", own as string),
      ...(others as string[]).map((o, i) =>
        s(`${Y}/${o}.supplemental-metadata(1).json`, `x${i}`, o)
      ),
    ],
    carries: { a: "a" },
    unclaimed: (others as string[]).map((_, i) => `x${i}`),
  })),

  // ---- GPTH Neo, issue_139_cross_photo_gps_test.dart: where GPTH Neo
  // drops a borrowed sidecar's facts, this program keeps them (README).
  {
    from: `${GPTH}/issue_139_cross_photo_gps_test.dart, A`,
    name:
      "an edit beside its original takes the original's date, caption and place",
    files: [
      m(`${Y}/photo.jpg`, "o"),
      m(`${Y}/photo-edited.jpg`, "e"),
      s(`${Y}/photo.jpg.supplemental-metadata.json`, "o", "photo.jpg"),
    ],
    carries: { o: "o", e: "o" },
  },
  {
    from: `${GPTH}/issue_139_cross_photo_gps_test.dart, B`,
    name: "a live photo's video half takes the still's sidecar",
    files: [
      m(`${Y}/IMG_2367.MP4`, "v"),
      m(`${Y}/IMG_2367.HEIC`, "h"),
      s(`${Y}/IMG_2367.HEIC.supplemental-metadata.json`, "h", "IMG_2367.HEIC"),
    ],
    carries: { v: "h", h: "h" },
  },
  {
    from: `${GPTH}/issue_139_cross_photo_gps_test.dart, C`,
    name:
      "a numbered live photo's video half takes the numbered still's sidecar",
    files: [
      m(`${Y}/IMG_1976(1).MP4`, "v"),
      m(`${Y}/IMG_1976(1).HEIC`, "h"),
      s(
        `${Y}/IMG_1976.HEIC.supplemental-metadata(1).json`,
        "h",
        "IMG_1976.HEIC",
      ),
    ],
    carries: { v: "h", h: "h" },
  },
  pair(
    `${GPTH}/issue_139_cross_photo_gps_test.dart, own sidecar`,
    "mine.jpg",
    "mine.jpg.supplemental-metadata.json",
  ),

  // ---- GPTH Neo, issue_140_video_batch_date_contamination_test.dart: two
  // videos straight in the Google Photos folder, each its own date.
  {
    from: `${GPTH}/issue_140_video_batch_date_contamination_test.dart`,
    name: "two videos beside their sidecars in the Google Photos folder itself",
    files: [
      m("IMG_5948.MOV", "a"),
      s("IMG_5948.MOV.supplemental-metadata.json", "a", "IMG_5948.MOV", {
        taken: "2026-08-03T05:34:21Z",
      }),
      m("IMG_9304.MOV", "b"),
      s("IMG_9304.MOV.supplemental-metadata.json", "b", "IMG_9304.MOV", {
        taken: "2026-01-01T15:47:43Z",
      }),
    ],
    carries: { a: "a", b: "b" },
  },

  // ---- GPTH Neo, motion_photo_extension_recognition_test.dart: every name
  // it accepts or rejects as a motion photo is an item here (Google Photos
  // holds nothing else), each with its own sidecar.
  {
    from: `${GPTH}/motion_photo_extension_recognition_test.dart`,
    name: "motion, cover and odd extensions are items",
    files: [
      "IMG_0001.MP",
      "IMG_0001.mp",
      "IMG_0001.Mv",
      "IMG_0001.mv",
      "album.cover",
      "album.COVER",
      "video.mp~2",
      "video.mp~1",
      "video.mp~12",
      "video.MP~3",
      "IMG_0002.mp~2",
      "photo.jpg",
      "video.mp4",
      "photo.heic",
      "photo.dng",
      "photo.mpx",
      "photo",
      "video.mp~",
      "video.mp~abc",
      "video.mp~2.jpg",
      "album.cover.jpg",
    ].flatMap((name, i) => [
      m(`${Y}/${name}`, `f${i}`),
      s(`${Y}/${name}.supplemental-metadata.json`, `f${i}`, name),
    ]),
    carries: Object.fromEntries(
      Array.from({ length: 21 }, (_, i) => [`f${i}`, `f${i}`]),
    ),
  },
  {
    from:
      `${GPTH}/motion_photo_extension_recognition_test.dart (GPTH Neo #138)`,
    name: "Summer/cover.cover alone in an album folder is an item of the album",
    files: [m("Summer/cover.cover", "c")],
    carries: { c: null },
    albums: { Summer: ["c"] },
  },

  // ---- GPTH Neo, truncated_filename_fixer_service_test.dart: the title
  // gives back the name Takeout cut (here whether or not the file's name is
  // a prefix of it: the title is the upload's name).
  ...[
    [
      "This_is_a_very_long_file.jpg",
      ".json",
      "This_is_a_very_long_filename_that_was_truncated",
      "This_is_a_very_long_filename_that_was_truncated.jpg",
    ],
    ["normal_photo.jpg", ".json", "normal_photo", "normal_photo.jpg"],
    [
      "different_photo.jpg",
      ".json",
      "completely_different_name",
      "completely_different_name.jpg",
    ],
    [
      "Long_photo_name_that.jpg",
      ".json",
      "Long_photo_name_that_was_truncated.jpg",
      "Long_photo_name_that_was_truncated.jpg",
    ],
    [
      "Vacation_photo_fro.jpg",
      ".supplemental-metadata.json",
      "Vacation_photo_from_summer_2023",
      "Vacation_photo_from_summer_2023.jpg",
    ],
    [
      "日本の写真_trun.jpg",
      ".json",
      "日本の写真_truncated_name",
      "日本の写真_truncated_name.jpg",
    ],
    [
      "My_awesome_vacation_photo_from_summer_202.jpg",
      ".json",
      "My_awesome_vacation_photo_from_summer_2023_beach",
      "My_awesome_vacation_photo_from_summer_2023_beach.jpg",
    ],
    [
      "PXL_20230518_0954585.PANO.jpg",
      ".json",
      "PXL_20230518_095458599.PANO.jpg",
      "PXL_20230518_095458599.PANO.jpg",
    ],
    [
      "PXL_20230518_0954585.NIGHT.jpg",
      ".json",
      "PXL_20230518_095458599.NIGHT.jpg",
      "PXL_20230518_095458599.NIGHT.jpg",
    ],
    [
      "PXL_20230518_0954585.MP.mp4",
      ".json",
      "PXL_20230518_095458599.MP.mp4",
      "PXL_20230518_095458599.MP.mp4",
    ],
    [
      "PXL_20230518_0954585.vr.jpg",
      ".json",
      "PXL_20230518_095458599.vr.jpg",
      "PXL_20230518_095458599.vr.jpg",
    ],
    // GPTH Neo's own renaming made this .HEIC.jpg; the title's extension
    // is another media type's, so the name keeps the bytes' extension.
    [
      "IMG_2367_trunca.HEIC.jpg",
      "",
      "IMG_2367_truncated_full_name",
      "IMG_2367_truncated_full_name.jpg",
    ],
  ].map(([file, suffix, title, name]): CorpusCase => {
    const sidecar = suffix === ""
      ? "IMG_2367_trunca.HEIC.supplemental-metadata.json"
      : `${file}${suffix}`;
    return {
      from: `${GPTH}/truncated_filename_fixer_service_test.dart`,
      name: `${file} is stored as ${name}`,
      files: [m(`${Y}/${file}`, "a"), s(`${Y}/${sidecar}`, "a", title)],
      carries: { a: "a" },
      names: { a: name },
    };
  }),
  {
    from: `${GPTH}/truncated_filename_fixer_service_test.dart`,
    name: "handles multiple truncated files in collection",
    files: [1, 2, 3].flatMap((n) => [
      m(`${Y}/Photo_00${n}_trunca.jpg`, `p${n}`),
      s(
        `${Y}/Photo_00${n}_trunca.jpg.json`,
        `p${n}`,
        `Photo_00${n}_truncated_name_here`,
      ),
    ]),
    carries: { p1: "p1", p2: "p2", p3: "p3" },
    names: {
      p1: "Photo_001_truncated_name_here.jpg",
      p2: "Photo_002_truncated_name_here.jpg",
      p3: "Photo_003_truncated_name_here.jpg",
    },
  },
  {
    from: `${GPTH}/truncated_filename_fixer_service_test.dart, edge cases`,
    name: "no sidecar, an empty title, no title, a damaged sidecar",
    files: [
      m("Photos from 2021/orphan_photo.jpg", "o"),
      m("Photos from 2022/photo.jpg", "e"),
      s("Photos from 2022/photo.jpg.json", "e", "", {
        taken: "2022-01-01T10:00:00Z",
      }),
      m(`${Y}/photo.jpg`, "n"),
      s(`${Y}/photo.jpg.json`, "n", undefined, {
        taken: "2023-01-01T10:00:00Z",
      }),
      m("Photos from 2024/photo.jpg", "d"),
      s("Photos from 2024/photo.jpg.json", "d", undefined, {
        raw: "invalid json {{{",
      }),
    ],
    carries: { o: null, e: "e", n: "n", d: null },
    names: { e: "photo.jpg", n: "photo.jpg", d: "photo.jpg" },
  },
  {
    from: `${GPTH}/truncated_filename_fixer_service_test.dart`,
    name: "skips when target filename already exists",
    files: [
      m(`${Y}/truncated.jpg`, "t"),
      m(`${Y}/truncated_full_name.jpg`, "f"),
      s(`${Y}/truncated.jpg.json`, "t", "truncated_full_name"),
    ],
    carries: { t: "t", f: null },
    names: { t: "truncated_full_name.jpg" },
  },

  // ---- GPTH Neo, extension_fixing_metadata_matcher_test.dart: names its
  // extension fixing makes (NAME.HEIC.jpg) still find their sidecars.
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "IMG_2367.HEIC.jpg",
    "IMG_2367.HEIC.supplemental-metadata.json",
    "IMG_2367.HEIC",
  ),
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "IMG_2367(1).HEIC.jpg",
    "IMG_2367.HEIC.supplemental-metadata(1).json",
    "IMG_2367.HEIC",
  ),
  {
    from: `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    name: "IMG_2367.MP4, its HEIC in no part, takes the HEIC's sidecar",
    files: [
      m(`${Y}/IMG_2367.MP4`, "v"),
      s(`${Y}/IMG_2367.HEIC.supplemental-metadata.json`, "h", "IMG_2367.HEIC"),
    ],
    carries: { v: "h" },
  },
  {
    from: `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    name: "handles complex numbered duplicates with extension fixing",
    files: [
      s(
        `${Y}/IMG_2367.HEIC.supplemental-metadata(1).json`,
        "h",
        "IMG_2367.HEIC",
      ),
      s(`${Y}/IMG_2367.MP4.supplemental-metadata(1).json`, "v", "IMG_2367.MP4"),
      m(`${Y}/IMG_2367(1).HEIC.jpg`, "h"),
      m(`${Y}/IMG_2367(1).MP4`, "v"),
    ],
    carries: { h: "h", v: "v" },
  },
  {
    from: `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    name: "a HEIC made JPEG and its video, each with its own sidecar",
    files: [
      s(`${Y}/IMG_2367.HEIC.supplemental-metadata.json`, "h", "IMG_2367.HEIC"),
      s(`${Y}/IMG_2367.MP4.supplemental-metadata.json`, "v", "IMG_2367.MP4"),
      m(`${Y}/IMG_2367.HEIC.jpg`, "h"),
      m(`${Y}/IMG_2367.MP4`, "v"),
    ],
    carries: { h: "h", v: "v" },
  },
  {
    from: `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    name: "photo.jpg takes photo.jpg.json, not photo.jpg(1).json",
    files: [
      s(`${Y}/photo.jpg.json`, "p", "photo.jpg"),
      s(`${Y}/photo.jpg(1).json`, "x", "photo.jpg"),
      m(`${Y}/photo.jpg`, "p"),
    ],
    carries: { p: "p" },
    unclaimed: ["x"],
  },
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "IMG_2367(1).HEIC.jpg",
    "IMG_2367.HEIC(1).supplemental-metadata.json",
    "IMG_2367.HEIC",
  ),
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "photo.HEIC.NEF.jpg",
    "photo.HEIC.NEF.supplemental-metadata.json",
    "photo.HEIC.NEF",
  ),
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "Photo.HEIC.jpg",
    "Photo.HEIC.supplemental-metadata.json",
    "Photo.HEIC",
  ),
  {
    from:
      `${GPTH}/extension_fixing_metadata_matcher_test.dart (and metadata_matcher_service_test.dart)`,
    name: "prioritizes supplemental-metadata over standard json",
    files: [
      s(`${Y}/photo.jpg.supplemental-metadata.json`, "s", "photo.jpg"),
      s(`${Y}/photo.jpg.json`, "j", "photo.jpg"),
      m(`${Y}/photo.jpg`, "p"),
    ],
    carries: { p: "s" },
    unclaimed: ["j"],
  },
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "filename_for_truncation.jpg",
    "filename_for_truncation.jpg.supplemental-meta.json",
  ),
  apart(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "target_photo.jpg",
    "different_photo.jpg.json",
    "different_photo.jpg",
  ),
  pair(
    `${GPTH}/extension_fixing_metadata_matcher_test.dart`,
    "Fin de año 2023.HEIC.jpg",
    "Fin de año 2023.HEIC.supplemental-metadata.json",
    "Fin de año 2023.HEIC",
  ),

  // ---- GPTH Neo, metadata_matcher_service_test.dart (and its simplified
  // twin), metadata_matcher_confidence_test.dart and
  // metadata_matcher_tryhard_test.dart.
  ...[
    ["photo.jpg", "photo.jpg.supplemental-metadata.json"],
    ["photo.jpg", "photo.jpg.json"],
    ["test.jpg", "test.jpg.supplemental-metadata.json"],
    ["test.jpg", "test.jpg.json"],
    ["no_extension", "no_extension.supplemental-metadata.json"],
    ["no_extension", "no_extension.json"],
    ["file.with.dots.jpg", "file.with.dots.jpg.supplemental-metadata.json"],
    ["file.with.dots.jpg", "file.with.dots.jpg.json"],
    ["a.jpg", "a.jpg.supplemental-metadata.json"],
    ["a.jpg", "a.jpg.json"],
    ["Photo.JPG", "Photo.JPG.supplemental-metadata.json"],
    ["Photo.JPG", "Photo.JPG.json"],
    ["protected.jpg", "protected.jpg.supplemental-metadata.json"],
    ["wrap.jpg", "wrap.jpg.supplemental-metadata.json"],
  ].map(([file, sidecar]) =>
    pair(
      `${GPTH}/metadata_matcher_service_test.dart, metadata_matcher_service_simplified_test.dart`,
      file,
      sidecar,
    )
  ),
  {
    from: `${GPTH}/metadata_matcher_service_test.dart`,
    name: "a photo without a sidecar; tryhard finds none either",
    files: [m(`${Y}/photo.jpg`, "p"), m("Photos from 2022/image.jpg", "i")],
    carries: { p: null, i: null },
  },
  {
    from: `${GPTH}/metadata_matcher_service_simplified_test.dart`,
    name: "handles directories with many files efficiently",
    files: [
      m(`${Y}/target.jpg`, "t"),
      s(`${Y}/target.jpg.json`, "t", "target.jpg"),
      // GPTH Neo skips files it does not know; Google Photos stores only
      // photos and videos, so here every file is an item (and named in the
      // report as without metadata).
      ...[0, 1, 2, 3].map((i) => m(`${Y}/unrelated_${i}.txt`, `u${i}`)),
    ],
    carries: { t: "t", u0: null, u1: null, u2: null, u3: null },
  },
  pair(
    `${GPTH}/metadata_matcher_confidence_test.dart (and _tryhard_test)`,
    `${"X".repeat(43)}.jpg`,
    `${"X".repeat(43)}.j.json`,
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    `${"Y".repeat(42)}.jpg`,
    `${"Y".repeat(42)}.jpg.json`,
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    `${"Z".repeat(36)}.jpg`,
    `${"Z".repeat(36)}.jpg.supplemental-metadata.json`,
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    "short.jpg",
    "short.jpg.json",
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    "noBracket.jpg",
    "noBracket.jpg.json",
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    "clip.mp4",
    "clip.mp4.json",
  ),
  pair(
    `${GPTH}/metadata_matcher_confidence_test.dart (and _tryhard_test)`,
    "image(11).jpg",
    "image.jpg(11).json",
    "image.jpg",
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    "image(1).jpg",
    "image.jpg(1).json",
    "image.jpg",
  ),
  pair(
    `${GPTH}/metadata_matcher_tryhard_test.dart`,
    "photo(11).jpg",
    "photo.jpg(11).json",
    "photo.jpg",
  ),
  pair(`${GPTH}/metadata_matcher_confidence_test.dart`, "noext", "noext.json"),
  pair(
    `${GPTH}/metadata_matcher_confidence_test.dart`,
    "photo(1).jpg",
    "photo.jpg.supplemental-metadata(1).json",
    "photo.jpg",
  ),
  pair(
    `${GPTH}/metadata_matcher_confidence_test.dart`,
    "photo(1).jpg",
    "photo.jpg(1).supplemental-metadata.json",
    "photo.jpg",
  ),
  ...[
    ["motion.MP", "motion.MP.jpg.supplemental-metadata.json", "motion.MP.jpg"],
    ["video.MP", "video.MP.jpg.json", "video.MP.jpg"],
    [
      "IMG_2367.MP4",
      "IMG_2367.HEIC.supplemental-metadata.json",
      "IMG_2367.HEIC",
    ],
    ["IMG_4288.MP4", "IMG_4288.JPG.supplemental-metadata.json", "IMG_4288.JPG"],
    [
      "IMG_1976(1).MP4",
      "IMG_1976.HEIC.supplemental-metadata(1).json",
      "IMG_1976.HEIC",
    ],
    ["video.mp4", "video.HEIC.json", "video.HEIC"],
    ["clip.mov", "clip.HEIC.supplemental-metadata.json", "clip.HEIC"],
  ].map(([file, sidecar, title]): CorpusCase => ({
    from:
      `${GPTH}/metadata_matcher_confidence_test.dart, metadata_matcher_tryhard_test.dart`,
    name: `the video half ${file}, its still in no part, takes ${sidecar}`,
    files: [m(`${Y}/${file}`, "v"), s(`${Y}/${sidecar}`, "s", title)],
    carries: { v: "s" },
  })),
  {
    from: `${GPTH}/metadata_matcher_confidence_test.dart`,
    name: "an edit beside its original takes the original's sidecar",
    files: [
      m(`${Y}/photo.jpg`, "o"),
      m(`${Y}/photo-edited.jpg`, "e"),
      s(`${Y}/photo.jpg.supplemental-metadata.json`, "o", "photo.jpg"),
    ],
    carries: { o: "o", e: "o" },
  },
  {
    from: `${GPTH}/metadata_matcher_confidence_test.dart`,
    name: "partial '-ed' below Takeout's cut is no edit",
    files: [
      m(`${Y}/photo.jpg`, "o"),
      m(`${Y}/photo-ed.jpg`, "e"),
      s(`${Y}/photo.jpg.supplemental-metadata.json`, "o", "photo.jpg"),
    ],
    carries: { o: "o", e: null },
  },
  {
    from:
      `${GPTH}/metadata_matcher_confidence_test.dart, metadata_matcher_tryhard_test.dart`,
    name: "lonely files have no sidecar",
    files: [m(`${Y}/lonely.jpg`, "l"), m(`${Y}/orphan.mp4`, "o")],
    carries: { l: null, o: null },
  },

  // ---- GPTH Neo, test/e2e/e2e_github_issues_test.dart.
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart (#389)",
    name: "emoji album folders hold photos found in no year folder",
    files: [
      m(`${Y}/IMG_001.jpg`, "a"),
      s(`${Y}/IMG_001.jpg.json`, "a", "IMG_001.jpg"),
      m(`${Y}/IMG_002.jpg`, "b"),
      s(`${Y}/IMG_002.jpg.json`, "b", "IMG_002.jpg"),
      m("🏖️ Summer Vacation/beach_photo.jpg", "c"),
      s("🏖️ Summer Vacation/beach_photo.jpg.json", "c", "beach_photo.jpg"),
      m("🎄 Christmas 2023/xmas_photo.jpg", "d"),
      s("🎄 Christmas 2023/xmas_photo.jpg.json", "d", "xmas_photo.jpg"),
      m("👨‍👩‍👧‍👦 Family Photos/family_photo.jpg", "e"),
      s("👨‍👩‍👧‍👦 Family Photos/family_photo.jpg.json", "e", "family_photo.jpg"),
    ],
    carries: { a: "a", b: "b", c: "c", d: "d", e: "e" },
    albums: {
      "🏖️ Summer Vacation": ["c"],
      "🎄 Christmas 2023": ["d"],
      "👨‍👩‍👧‍👦 Family Photos": ["e"],
    },
  },
  {
    from:
      "GPTH Neo test/e2e/e2e_github_issues_test.dart (#180, #271, #324, #381)",
    name:
      "motion photo (.MP, .MV) and RAW (.DNG, .CR2) files with their own sidecars",
    files: [
      m(`${Y}/IMG_001.MP`, "mp"),
      s(`${Y}/IMG_001.MP.json`, "mp", "IMG_001.MP"),
      m(`${Y}/VID_002.MV`, "mv"),
      s(`${Y}/VID_002.MV.json`, "mv", "VID_002.MV"),
      m(`${Y}/DSC_001.DNG`, "dng"),
      s(`${Y}/DSC_001.DNG.json`, "dng", "DSC_001.DNG"),
      m(`${Y}/IMG_002.CR2`, "cr2"),
      s(`${Y}/IMG_002.CR2.json`, "cr2", "IMG_002.CR2"),
    ],
    carries: { mp: "mp", mv: "mv", dng: "dng", cr2: "cr2" },
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart (#353, #355)",
    name:
      "sidecars named (supplemental-metadata) or -supplemental-metadata: by their title",
    files: [
      m(`${Y}/IMG_001.jpg`, "a"),
      s(`${Y}/IMG_001.jpg(supplemental-metadata).json`, "a", "IMG_001.jpg"),
      m(`${Y}/IMG_002.jpg`, "b"),
      s(`${Y}/IMG_002.jpg-supplemental-metadata.json`, "b", "IMG_002.jpg"),
    ],
    carries: { a: "a", b: "b" },
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart (#29)",
    name: "long names with '-_edit' in them are not edits",
    files: [
      m(`${Y}/Very_Long_Filename_That_Gets_Truncated_-_edit.jpg`, "a"),
      s(
        `${Y}/Very_Long_Filename_That_Gets_Truncated_-_edit.jpg.json`,
        "a",
        "Very_Long_Filename_That_Gets_Truncated_-_edit.jpg",
      ),
      m(`${Y}/Another_Extremely_Long_Photo_Name_-_edited_ver.jpg`, "b"),
      s(
        `${Y}/Another_Extremely_Long_Photo_Name_-_edited_ver.jpg.json`,
        "b",
        "Another_Extremely_Long_Photo_Name_-_edited_ver.jpg",
      ),
    ],
    carries: { a: "a", b: "b" },
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart (#29)",
    name:
      "partial edit suffixes below Takeout's cut: every file kept, sidecars unclaimed",
    files: [
      m(`${Y}/测试图片_中文-ha edi.jpg`, "a"),
      s(`${Y}/测试图片_中文.jpg.json`, "x", "测试图片_中文.jpg"),
      m(`${Y}/foto_española-ha ed.jpg`, "b"),
      s(`${Y}/foto_española.jpg.json`, "y", "foto_española.jpg"),
      m(`${Y}/photo1-ha edi.jpg`, "c"),
      s(`${Y}/photo1.jpg.json`, "z1", "photo1.jpg"),
      m(`${Y}/photo2-ha ed.jpg`, "d"),
      s(`${Y}/photo2.jpg.json`, "z2", "photo2.jpg"),
      m(`${Y}/photo3-ha e.jpg`, "e"),
      s(`${Y}/photo3.jpg.json`, "z3", "photo3.jpg"),
    ],
    carries: { a: null, b: null, c: null, d: null, e: null },
    unclaimed: ["x", "y", "z1", "z2", "z3"],
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart (#32)",
    name: "extensions that do not say the format: each file keeps its sidecar",
    files: [
      m(`${Y}/image.heic`, "h"),
      s(`${Y}/image.heic.json`, "h", "image.heic"),
      m("Photos from 2022/image1.heic", "a"),
      s("Photos from 2022/image1.heic.json", "a", "image1.heic"),
      m("Photos from 2022/image2.png", "b"),
      s("Photos from 2022/image2.png.json", "b", "image2.png"),
      m("Photos from 2022/image3.gif", "c"),
      s("Photos from 2022/image3.gif.json", "c", "image3.gif"),
    ],
    carries: { h: "h", a: "a", b: "b", c: "c" },
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart (#32)",
    name:
      "image(2).heic takes image.heic(2).json; image(1).heic has none of its own",
    files: [
      m(`${Y}/image(1).heic`, "one"),
      s(`${Y}/image.heic.json`, "base", "image.heic"),
      m(`${Y}/image(2).heic`, "two"),
      s(`${Y}/image.heic(2).json`, "two", "image.heic"),
    ],
    carries: { one: null, two: "two" },
    unclaimed: ["base"],
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart, unicode",
    name: "Chinese, Cyrillic and Arabic names",
    files: ["测试图片_中文.jpg", "Фото_кириллица.jpg", "صورة_عربية.jpg"]
      .flatMap((name, i) => [
        m(`${Y}/${name}`, `u${i}`),
        s(`${Y}/${name}.json`, `u${i}`, name),
      ]),
    carries: { u0: "u0", u1: "u1", u2: "u2" },
  },
  {
    from: "GPTH Neo test/e2e/e2e_github_issues_test.dart, corrupt files",
    name:
      "a damaged sidecar leaves its photo undated; the other photo is dated",
    files: [
      m(`${Y}/corrupt.jpg`, "c"),
      s(`${Y}/corrupt.jpg.json`, "c", undefined, { raw: '{"invalid": json}' }),
      m(`${Y}/valid.jpg`, "v"),
      s(`${Y}/valid.jpg.json`, "v", "valid.jpg"),
    ],
    carries: { c: null, v: "v" },
  },

  // ---- The shapes of shared/spec/takeout.md, "Shapes seen in real exports".
  {
    from: "spec: files at other depths",
    name:
      "media and sidecars in the Google Photos folder itself and in nested folders",
    files: [
      m("IMG_1.jpg", "a"),
      s("IMG_1.jpg.supplemental-metadata.json", "a", "IMG_1.jpg"),
      m(`${Y}/Camera/IMG_2.jpg`, "b"),
      s(`${Y}/Camera/IMG_2.jpg.json`, "b", "IMG_2.jpg"),
      s("orphan.jpg.json", "x", "orphan.jpg"),
    ],
    carries: { a: "a", b: "b" },
    unclaimed: ["x"],
  },
  {
    from: "spec: motion halves alone",
    name: "PXL_x.MP with PXL_x.MP.jpg.supplemental-metadata.json and no still",
    files: [
      m("Photos from 2021/PXL_20211006_063909898.MP", "v"),
      s(
        "Photos from 2021/PXL_20211006_063909898.MP.jpg.supplemental-metadata.json",
        "s",
        "PXL_20211006_063909898.MP.jpg",
      ),
    ],
    carries: { v: "s" },
    names: { v: "PXL_20211006_063909898.MP" },
  },
  {
    from: "spec: same name, other item (immich-go #390)",
    name:
      "a video never takes a same-named still's sidecar from another folder",
    files: [
      m("Photos from 2018/IMG_0170.MP4", "v"),
      m(`${Y}/IMG_0170.HEIC`, "h"),
      s(`${Y}/IMG_0170.HEIC.json`, "h", "IMG_0170.HEIC"),
    ],
    carries: { v: null, h: "h" },
  },
  {
    from: "spec: Takeout's own files and the system's",
    name:
      "archive_browser.html, print-subscriptions.json, .DS_Store are no items",
    root: "Takeout",
    files: [
      { path: "archive_browser.html", text: "<html></html>" },
      { path: "Google Photos/print-subscriptions.json", text: "[]" },
      { path: "Google Photos/Photos from 2023/.DS_Store", text: "junk" },
      m("Google Photos/Photos from 2023/IMG_1.jpg", "a"),
      s("Google Photos/Photos from 2023/IMG_1.jpg.json", "a", "IMG_1.jpg"),
    ],
    carries: { a: "a" },
    otherFiles: 3,
  },
  {
    from: "a real export in Polish (names as Google writes them in pl)",
    name:
      "Zdjęcia Google: year folders, an album with metadane.json, edits, the bin",
    root: "Takeout/Zdjęcia Google",
    files: [
      m("Zdjęcia z 2019/IMG_20190705_101010.jpg", "a"),
      s(
        "Zdjęcia z 2019/IMG_20190705_101010.jpg.supplemental-metadata.json",
        "a",
        "IMG_20190705_101010.jpg",
      ),
      m("Zdjęcia z 2019/IMG_20190705_101010-edytowane.jpg", "ae"),
      m("Wakacje nad morzem/IMG_20190705_101010.jpg", "a"),
      s(
        "Wakacje nad morzem/IMG_20190705_101010.jpg.supplemental-metadata.json",
        "a",
        "IMG_20190705_101010.jpg",
      ),
      album("Wakacje nad morzem/metadane.json", "Wakacje nad morzem 🌊"),
      m("Zdjęcia z 2019/Żółć gęślą.jpg".normalize("NFD"), "nfd"),
      s(
        "Zdjęcia z 2019/Żółć gęślą.jpg.supplemental-metadata.json",
        "nfd",
        "Żółć gęślą.jpg",
      ),
      m("Kosz/IMG_1.jpg", "bin"),
      s("Kosz/IMG_1.jpg.json", "bin", "IMG_1.jpg"),
    ],
    carries: { a: "a", ae: "a", nfd: "nfd" },
    albums: { "Wakacje nad morzem 🌊": ["a"] },
    skipped: ["bin"],
  },
  {
    from: "spec: duplicate names, numbered by capture time",
    name:
      "two uploads of one name and size, dated by their sidecars, numbered by capture time",
    files: [
      m(`${Y}/IMG_2.jpg`, "late", "2023:06:10 10:00:00"),
      s(`${Y}/IMG_2.jpg.json`, "late", "IMG_2.jpg", {
        taken: "2023-06-10T10:00:00Z",
      }),
      m(`${Y}/IMG_2(1).jpg`, "early", "2023:06:03 10:00:00"),
      s(`${Y}/IMG_2.jpg(1).json`, "early", "IMG_2.jpg", {
        taken: "2023-06-03T10:00:00Z",
      }),
    ],
    carries: { late: "late", early: "early" },
    names: { early: "IMG_2.jpg", late: "IMG_2 (2).jpg" },
  },
  {
    from: "spec: duplicate names, numbered by capture time",
    name:
      "two photos of one name and size without sidecars, dated by their EXIF, numbered by capture time",
    files: [
      m(`${Y}/IMG_3.jpg`, "late", "2023:05:20 10:00:00"),
      m("Trip/IMG_3.jpg", "early", "2023:05:02 10:00:00"),
    ],
    carries: { late: null, early: null },
    names: { early: "IMG_3.jpg", late: "IMG_3 (2).jpg" },
    albums: { Trip: ["early"] },
  },
  {
    from: "spec: duplicate names, numbered by capture time",
    name:
      "photos of one name without sidecars or dates, numbered by what they are, not where they are listed",
    files: [
      m(`${Y}/IMG_4.jpg`, "a"),
      m("Trip/IMG_4.jpg", "b"),
      m("Party/IMG_4.jpg", "c"),
    ],
    carries: { a: null, b: null, c: null },
    names: { a: "IMG_4.jpg", b: "IMG_4 (2).jpg", c: "IMG_4 (3).jpg" },
    albums: { Trip: ["b"], Party: ["c"] },
  },
];
