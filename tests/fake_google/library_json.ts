// The Library API's JSON shapes (MediaItem, Album) for fake items and albums.
// Like Google's proto3 JSON, empty strings, zero counts and false flags are
// left out, and int64 fields (width, height, mediaItemsCount) are strings.

import type { FakeAlbum, FakeItem, FakeLibrary } from "./library_state.ts";
import type { MediaUrls } from "./media_urls.ts";

const PRODUCT_BASE = "https://photos.google.com/lr";

export interface MediaItemJsonOptions {
  /** Album the item was listed from: productUrl then points inside it. */
  albumId?: string;
  /** contributorInfo is only reported for searches of a shared album. */
  withContributor?: boolean;
}

export function mediaItemJson(
  item: FakeItem,
  library: FakeLibrary,
  urls: MediaUrls,
  options: MediaItemJsonOptions = {},
): Record<string, unknown> {
  const c = item.camera;
  const meta: Record<string, unknown> = {
    creationTime: library.creationTime(item),
    width: String(item.width),
    height: String(item.height),
  };
  if (item.kind === "photo") {
    meta.photo = prune({
      cameraMake: c.make,
      cameraModel: c.model,
      focalLength: c.focalLength,
      apertureFNumber: c.apertureFNumber,
      isoEquivalent: c.isoEquivalent,
      exposureTime: c.exposureTime,
    });
  } else {
    meta.video = prune({
      cameraMake: c.make,
      cameraModel: c.model,
      fps: item.fps,
      status: item.videoStatus,
    });
  }
  const json: Record<string, unknown> = {
    id: item.id,
    description: item.description || undefined,
    productUrl: options.albumId !== undefined
      ? `${PRODUCT_BASE}/album/${options.albumId}/photo/${item.id}`
      : `${PRODUCT_BASE}/photo/${item.id}`,
    baseUrl: urls.itemUrl(item.id),
    mimeType: item.mimeType,
    mediaMetadata: meta,
    filename: item.filename,
  };
  if (options.withContributor && item.contributor !== undefined) {
    json.contributorInfo = {
      profilePictureBaseUrl: urls.profileUrl(item.contributor.displayName),
      displayName: item.contributor.displayName,
    };
  }
  return prune(json);
}

export function albumJson(
  album: FakeAlbum,
  library: FakeLibrary,
  urls: MediaUrls,
): Record<string, unknown> {
  const cover = album.coverItemId ?? album.itemIds[0];
  const json: Record<string, unknown> = {
    id: album.id,
    title: album.title || undefined,
    productUrl: `${PRODUCT_BASE}/album/${album.id}`,
    isWriteable: album.isWriteable || undefined,
    mediaItemsCount: album.itemIds.length > 0
      ? String(album.itemIds.length)
      : undefined,
    coverPhotoBaseUrl: cover !== undefined && library.item(cover) !== undefined
      ? urls.itemUrl(cover)
      : undefined,
    coverPhotoMediaItemId: cover,
  };
  if (album.share !== undefined) {
    const s = album.share;
    json.shareInfo = prune({
      sharedAlbumOptions: { isCollaborative: true, isCommentable: true },
      shareableUrl: s.linkShared
        ? `https://photos.app.goo.gl/${s.shareToken.slice(0, 17)}`
        : undefined,
      shareToken: s.shareToken,
      isJoined: true,
      isOwned: s.owned || undefined,
      isJoinable: s.linkShared || undefined,
    });
  }
  return prune(json);
}

function prune<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
