// The folder a media item lives in, relative to ROOT: `photos/YYYY/MM`, or
// `photos/YYYY-MM` with --use-flat-path (BaseMedia.set_path_by_date).
// gphotos-sync read the year and month straight off Google's creationTime
// text ("2017-09-30T23:59:59Z"), so the folder follows the UTC date, not
// the local one: an item taken at 01:00 on 1 October in Paris (23:00 UTC on
// 30 September) is in 2017/09, and it must stay there for existing backups.
// The result is written the way Python's pathlib wrote it into the index's
// Path column: `/`-separated, no "." parts, no trailing `/`.

/** gphotos-sync's Utils.MINIMUM_DATE: what it stored when a date was unknown. */
export const GPHOTOS_MINIMUM_DATE = new Date(Date.UTC(1900, 0, 1));

export interface MediaFolderOptions {
  /** --photos-path (default "photos"). */
  photosPath: string;
  /** --use-flat-path. */
  useFlatPath: boolean;
}

/** `<photosPath>/YYYY/MM` or `<photosPath>/YYYY-MM` from the UTC date. */
export function mediaFolder(
  createTime: Date,
  options: MediaFolderOptions,
): string {
  const time = createTime.getTime();
  if (Number.isNaN(time)) {
    throw new RangeError("mediaFolder needs a valid creation time");
  }
  const year = createTime.getUTCFullYear();
  if (year < 1 || year > 9999) {
    // Python's datetime (and so the index) cannot hold other years.
    throw new RangeError(`creation year ${year} is outside 1..9999`);
  }
  const y = String(year).padStart(4, "0");
  const m = String(createTime.getUTCMonth() + 1).padStart(2, "0");
  const dated = options.useFlatPath ? [`${y}-${m}`] : [y, m];
  return joinLikePathlib(options.photosPath, ...dated);
}

/**
 * Join parts as pathlib.Path did: repeated and trailing separators and "."
 * parts disappear, a leading "/" is kept, ".." is kept as it is.
 */
export function joinLikePathlib(...parts: string[]): string {
  const absolute = parts[0]?.startsWith("/") ?? false;
  const segments = parts
    .flatMap((part) => part.split("/"))
    .filter((segment) => segment !== "" && segment !== ".");
  const joined = segments.join("/");
  if (absolute) return "/" + joined;
  return joined === "" ? "." : joined;
}
