// The names Google Takeout gives to folders and files of a Google Photos
// export, in the languages seen in the wild: the library root under
// `Takeout/`, year folders, special folders, album metadata files, untitled
// albums and the suffixes of edited copies. Takeout localizes them after the
// account's language, and GooglePhotosTakeoutHelper's tracker is full of
// users whose non-English export was "empty" because only English names were
// known. Every comparison here is NFC- and case-insensitive: macOS unpacks
// names in NFD, Google writes NFC, and one export can mix both.

import { splitExtension } from "../media/naming.ts";
import { nfc } from "../media/extensions.ts";

/** The comparison key of a name: NFC, lower case. */
export function foldName(text: string): string {
  return nfc(text).toLowerCase();
}

/**
 * Whether a name ends in ".json", in any case: the test every listed name
 * goes through, so it makes no lower-case copy.
 */
export function isJsonName(name: string): boolean {
  const n = name.length;
  return n >= 5 && name.charCodeAt(n - 5) === 0x2e &&
    (name.charCodeAt(n - 4) | 0x20) === 0x6a &&
    (name.charCodeAt(n - 3) | 0x20) === 0x73 &&
    (name.charCodeAt(n - 2) | 0x20) === 0x6f &&
    (name.charCodeAt(n - 1) | 0x20) === 0x6e;
}

/** Whether two names are the same once NFC/NFD and case are set aside. */
export function sameName(a: string, b: string): boolean {
  return foldName(a) === foldName(b);
}

/**
 * An entry path as segments: "\" counts as a separator (zips made on
 * Windows), empty and "." segments go. ".." is kept: refusing it is the
 * importer's job, not the classifier's.
 */
export function pathSegments(path: string): string[] {
  return path.replaceAll("\\", "/").split("/").filter((s) =>
    s !== "" && s !== "."
  );
}

/** The last segment of a path ("" for an empty path). */
export function baseName(path: string): string {
  const segments = pathSegments(path);
  return segments.length === 0 ? "" : segments[segments.length - 1];
}

/** Everything before the last segment, "/"-joined ("" at the top). */
export function dirName(path: string): string {
  return pathSegments(path).slice(0, -1).join("/");
}

/**
 * `name(n)` as Google numbers names that clash: the name without the
 * counter, and the counter. Only a counter at the very end counts, and
 * something must be left before it.
 */
export function splitCounter(
  name: string,
): { base: string; counter: number | undefined } {
  const m = /^(.+?)\((\d{1,6})\)$/su.exec(name);
  if (m === null) return { base: name, counter: undefined };
  return { base: m[1], counter: Number(m[2]) };
}

// ---------------------------------------------------------------------------
// The root: `Takeout/<product folder>/...`

/**
 * Names Google gives the product folder under `Takeout/` (the importer
 * accepts any single folder there; these are what it prefers when an export
 * holds several products).
 */
export const PHOTOS_ROOT_NAMES: readonly string[] = [
  "Google Photos", // en, fr
  "Google Fotos", // de, es, pt, nl
  "Google Foto", // it, id
  "Google Фото", // ru, uk
  "Fotky Google", // sk, cs
  "Zdjęcia Google", // pl
  "Google フォト", // ja
  "Google 相册", // zh-CN
  "Google 相簿", // zh-TW
  "Google 포토", // ko
];

/** Whether `name` is one of the known Photos product folder names. */
export function isPhotosRootName(name: string): boolean {
  const key = foldName(name);
  return PHOTOS_ROOT_NAMES.some((known) => foldName(known) === key);
}

// ---------------------------------------------------------------------------
// Year folders

/**
 * Year folder prefixes, before " YYYY". Checked against real exports:
 * English, French ("Photos de", GPTH #318), Spanish and Portuguese ("Fotos
 * de", "Fotos del"), German ("Fotos von", GPTH #483), Italian ("Foto da",
 * GPTH Neo #100), Dutch ("Foto's van"; "Foto_s van" where an unpacker
 * replaced the apostrophe). The Russian forms are Google's wording in its
 * Russian UI, not yet confirmed from a real export; whatever the wording,
 * the "photo word + year" rule below catches them too.
 */
export const YEAR_FOLDER_PREFIXES: readonly string[] = [
  "Photos from",
  "Photos de",
  "Fotos de",
  "Fotos del",
  "Fotos von",
  "Foto da",
  "Foto's van",
  "Foto’s van",
  "Foto_s van",
  "Фото за",
  "Фотографии за",
];

/**
 * Words for "photo" in the languages Google Photos speaks, for year folders
 * whose exact wording is not in YEAR_FOLDER_PREFIXES (a Thai export in GPTH
 * #472, for one). A folder is only taken as a year folder by this rule when
 * it has no album metadata file (album folders normally have one), and only
 * when little else is in its name, so "Photos Paris 2022" stays an album.
 */
const PHOTO_WORDS =
  /(?:photo|foto|фото|φωτογραφ|zdjęci|fénykép|kuva|fotky|bilder|写真|照片|相片|사진|รูปภาพ|תמונות|صور|तस्वीर|ảnh)\p{L}*/iu;

const YEAR_AT_END = /^(.+?)[\s_]+((?:18|19|20)\d\d)$/su;
const LONE_YEAR = /(?<![\p{N}])((?:18|19|20)\d\d)(?![\p{N}])/gu;
/**
 * Letters a guessed year folder name may have besides its photo word and
 * year: "von", "de", "за", "จาก", "年の", "från" fit; "Paris" does not.
 */
const GUESS_MAX_OTHER_LETTERS = 4;

/** What a year folder's name says. */
export interface YearFolderName {
  year: number;
  /**
   * True when the name only looks like a year folder (a photo word and one
   * year): the caller should not trust it if the folder holds album
   * metadata.
   */
  guessed: boolean;
}

/** The year of a year folder's name, or undefined for any other name. */
export function yearFolderName(name: string): YearFolderName | undefined {
  const text = nfc(name).trim();
  const m = YEAR_AT_END.exec(text);
  if (m !== null) {
    const prefix = foldName(m[1]);
    if (YEAR_FOLDER_PREFIXES.some((p) => foldName(p) === prefix)) {
      return { year: Number(m[2]), guessed: false };
    }
  }
  const word = PHOTO_WORDS.exec(text);
  if (word === null) return undefined;
  const years = [...text.matchAll(LONE_YEAR)];
  if (years.length !== 1) return undefined;
  const rest = text.replace(word[0], "").replace(years[0][0], "");
  // Other digits would make it a dated album ("Photos 2019-07 Rome").
  if (/\p{N}/u.test(rest)) return undefined;
  const letters = rest.match(/\p{L}/gu)?.length ?? 0;
  if (letters > GUESS_MAX_OTHER_LETTERS) return undefined;
  return { year: Number(years[0][1]), guessed: true };
}

// ---------------------------------------------------------------------------
// Special folders

export type SpecialFolderKind =
  | "archive"
  | "trash"
  | "locked"
  | "failed-videos";

/**
 * Localized names of the folders that are not albums. Several are Google's
 * own mistranslations seen in exports (German "Archivieren", Dutch
 * "Archiveren"), kept because GPTH Neo met them.
 */
const SPECIAL_FOLDER_NAMES: Record<SpecialFolderKind, readonly string[]> = {
  archive: [
    "Archive", // en, fr
    "Archiver", // fr
    "Archiv", // de, cs
    "Archivieren", // de
    "Archivo", // es
    "Archivio", // it
    "Arquivo", // pt
    "Archief", // nl
    "Archiveren", // nl
    "Archiwum", // pl
    "Архив", // ru
    "Arxiu", // ca
    "アーカイブ", // ja
    "档案", // zh
    "歸檔", // zh-TW
    "보관함", // ko
  ],
  trash: [
    "Trash", // en-US
    "Bin", // en-GB
    "Corbeille", // fr
    "Papierkorb", // de
    "Papelera", // es
    "Cestino", // it
    "Lixeira", // pt
    "Prullenbak", // nl
    "Kosz", // pl
    "Корзина", // ru
    "Paperera", // ca
    "ゴミ箱", // ja
    "回收站", // zh
    "垃圾桶", // zh-TW
    "휴지통", // ko
  ],
  locked: [
    "Locked folder",
    "Dossier verrouillé",
    "Gesperrter Ordner",
    "Carpeta privada",
    "Carpeta bloqueada",
    "Cartella bloccata",
    "Pasta trancada",
    "Vergrendelde map",
    "Zablokowany folder",
    "Заблокированная папка",
    "Папка под замком",
  ],
  "failed-videos": [
    "Failed Videos",
    "Vidéos ayant échoué",
    "Vidéos non traitées",
    "Fehlgeschlagene Videos",
    "Vídeos con errores",
    "Vídeos fallidos",
    "Video non riusciti",
    "Vídeos com falha",
    "Mislukte video's",
    "Nieudane filmy",
    "Видео с ошибками",
    "Необработанные видео",
  ],
};

const SPECIAL_BY_KEY = new Map<string, SpecialFolderKind>(
  (Object.entries(SPECIAL_FOLDER_NAMES) as [
    SpecialFolderKind,
    readonly string[],
  ][]).flatMap(([kind, names]) => names.map((n) => [foldName(n), kind])),
);

/** The kind of special folder `name` is, if it is one. */
export function specialFolderKind(
  name: string,
): SpecialFolderKind | undefined {
  return SPECIAL_BY_KEY.get(foldName(name).trim());
}

// ---------------------------------------------------------------------------
// Albums

/**
 * Album metadata file names (immich-go's docs list several; Google names
 * the file in the account's language).
 */
export const ALBUM_METADATA_NAMES: readonly string[] = [
  "metadata.json", // en
  "métadonnées.json", // fr
  "Metadaten.json", // de
  "metadatos.json", // es
  "metadati.json", // it
  "metadades.json", // ca
  "metadados.json", // pt
  "metagegevens.json", // nl
  "metadane.json", // pl
  "metadáta.json", // sk
  "метаданные.json", // ru
  "метадані.json", // uk
  "メタデータ.json", // ja
  "元数据.json", // zh
  "메타데이터.json", // ko
];

const ALBUM_METADATA_KEYS = new Set(ALBUM_METADATA_NAMES.map(foldName));

/**
 * Whether `name` is an album metadata file. When untitled albums merge into
 * one folder, their metadata files are numbered: `metadata(1).json`.
 */
export function isAlbumMetadataName(name: string): boolean {
  const key = foldName(name);
  if (ALBUM_METADATA_KEYS.has(key)) return true;
  if (!key.endsWith(".json")) return false;
  const { base, counter } = splitCounter(key.slice(0, -5).trimEnd());
  return counter !== undefined &&
    ALBUM_METADATA_KEYS.has(`${base.trimEnd()}.json`);
}

/** Names Google gives albums without a title. */
export const UNTITLED_ALBUM_NAMES: readonly string[] = [
  "Untitled",
  "Sans titre",
  "Sin título",
  "Sem título",
  "Senza titolo",
  "Senza nome",
  "Unbenannt",
  "Ohne Titel",
  "Naamloos",
  "Zonder titel",
  "Bez tytułu",
  "Без названия",
  "Sense títol",
  "無題",
  "无标题",
  "제목 없음",
];

const UNTITLED_KEYS = new Set(UNTITLED_ALBUM_NAMES.map(foldName));

/**
 * Whether a folder name is an untitled album's: `Untitled`, `Sans
 * titre(9)`, `Sin título (2)`.
 */
export function isUntitledAlbumName(name: string): boolean {
  const { base } = splitCounter(foldName(name).trim());
  return UNTITLED_KEYS.has(base.trimEnd());
}

// ---------------------------------------------------------------------------
// Other known files

/**
 * Files Takeout puts beside the albums that are neither media nor item
 * metadata: listed in the report, never imported.
 */
export const NON_MEDIA_JSON_NAMES: readonly string[] = [
  "print-subscriptions.json",
  "shared_album_comments.json",
  "user-generated-memory-titles.json",
];

const NON_MEDIA_KEYS = new Set(NON_MEDIA_JSON_NAMES.map(foldName));

const NON_MEDIA_LENGTHS = new Set([...NON_MEDIA_KEYS].map((k) => k.length));

/**
 * Files an operating system leaves in folders it shows (Finder, Explorer):
 * found in unpacked exports, never written by Google.
 */
const SYSTEM_FILE_NAMES = new Set([".ds_store", "thumbs.db", "desktop.ini"]);

/**
 * Whether `name` is a file of the operating system rather than of the
 * export: `.DS_Store`, `Thumbs.db`, `desktop.ini` and macOS's `._` files
 * (the resource forks it writes beside every file on other filesystems).
 */
export function isSystemFileName(name: string): boolean {
  return name.startsWith("._") || SYSTEM_FILE_NAMES.has(name.toLowerCase());
}

/** Whether `name` is one of Takeout's known non-media JSON files. */
export function isKnownNonMediaJson(name: string): boolean {
  // Every name of a listing is asked: most are told apart by length alone.
  const key = nfc(name);
  return NON_MEDIA_LENGTHS.has(key.length) &&
    NON_MEDIA_KEYS.has(key.toLowerCase());
}

// ---------------------------------------------------------------------------
// Edited copies

/**
 * Suffixes of edited copies, which have no sidecar of their own. The list
 * gathers GPTH's, GPTH Neo's and PhotoMigrator's, each from a user's export.
 */
export const EDITED_SUFFIXES: readonly string[] = [
  "-edited", // en
  "-modifié", // fr
  "-bearbeitet", // de
  "-modificato", // it
  "-edytowane", // pl
  "-bewerkt", // nl
  "-編集済み", // ja
  "-editado", // es, pt
  "-editada", // es, pt
  "-ha editado", // es
  "-editat", // ca, ro
  "-编辑", // zh
  "-redigeret", // da
  "-redigert", // no
  "-redigerad", // sv
  "-muokattu", // fi
  "-upravené", // sk
  "-upraveno", // cs
  "-편집됨", // ko
];

const EDITED_KEYS = [...new Set(EDITED_SUFFIXES.map(foldName))]
  // Longest first, so "-editada" is not read as "-editad" + "a".
  .sort((a, b) => b.length - a.length);

/** An edited copy's name taken apart. */
export interface EditedName {
  /** The stem of the original (`IMG_1` for `IMG_1-edited(2).jpg`). */
  originalStem: string;
  /** The suffix as written in the name (`-edited`). */
  suffix: string;
  /** The `(n)` after the suffix, if any. */
  counter: number | undefined;
  /** The extension, with its dot ("" when none). */
  ext: string;
}

/**
 * Whether `name` is an edited copy (`NAME-edited.EXT`, localized, with an
 * optional `(n)`), and of what stem.
 */
export function editedName(name: string): EditedName | undefined {
  // Every suffix starts with "-": most names are told apart at once.
  if (!name.includes("-")) return undefined;
  const { stem, ext } = splitExtension(nfc(name));
  const { base, counter } = splitCounter(stem);
  const key = base.toLowerCase();
  for (const suffix of EDITED_KEYS) {
    if (key.endsWith(suffix) && key.length > suffix.length) {
      const cut = base.length - suffix.length;
      return {
        originalStem: base.slice(0, cut),
        suffix: base.slice(cut),
        counter,
        ext,
      };
    }
  }
  return undefined;
}

/**
 * The stems an edited copy whose name Takeout clipped could come from: a
 * stem of `MEDIA_STEM_LIMIT` characters ending in the start of an edited
 * suffix ("-", "-ed", "-bearb"). Only a candidate: the caller must find an
 * original with that stem beside it.
 */
export function clippedEditedStems(stem: string): string[] {
  const text = nfc(stem);
  if (text.length < MEDIA_STEM_LIMIT || !text.includes("-")) return [];
  const key = text.toLowerCase();
  const found = new Set<string>();
  for (const suffix of EDITED_KEYS) {
    for (let n = suffix.length - 1; n >= 1; n--) {
      if (key.endsWith(suffix.slice(0, n)) && text.length > n) {
        found.add(text.slice(0, text.length - n));
      }
    }
  }
  return [...found];
}

// ---------------------------------------------------------------------------
// Clipping

/**
 * Takeout cuts everything before `.json` in a sidecar's name to this many
 * UTF-16 code units (so a sidecar name is at most 51 characters).
 * immich-go's test data has an emoji name cut at exactly 46 code units.
 */
export const SIDECAR_KEY_LIMIT = 46;

/** Takeout cuts a media file's stem to this many UTF-16 code units. */
export const MEDIA_STEM_LIMIT = 47;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The ways Takeout may have cut `text` to `limit` code units: the plain cut,
 * or, when the cut falls inside a surrogate pair, one unit shorter or
 * longer (UTF-8 names cannot hold half a pair). Empty when `text` fits.
 */
export function clipVariants(text: string, limit: number): string[] {
  if (text.length <= limit) return [];
  if (!isHighSurrogate(text.charCodeAt(limit - 1))) {
    return [text.slice(0, limit)];
  }
  return [text.slice(0, limit - 1), text.slice(0, limit + 1)];
}

/**
 * A media name as Takeout writes it for an upload called `title`: the stem
 * cut to MEDIA_STEM_LIMIT code units, a surrogate pair kept whole (the
 * emoji names in immich-go's test data end one unit past the limit).
 */
export function clipMediaName(title: string): string {
  const { stem, ext } = splitExtension(nfc(title));
  if (stem.length <= MEDIA_STEM_LIMIT) return stem + ext;
  const cut = isHighSurrogate(stem.charCodeAt(MEDIA_STEM_LIMIT - 1))
    ? MEDIA_STEM_LIMIT + 1
    : MEDIA_STEM_LIMIT;
  return stem.slice(0, cut) + ext;
}

// ---------------------------------------------------------------------------
// Media files
