// Entry point of the fake Google server used by tests and benchmarks: a real
// HTTP server on 127.0.0.1 that behaves like the Photos Library API, the
// Picker API (under /picker), the media byte hosts and Google's OAuth
// endpoints.
//
//   const lib = new FakeLibrary();
//   lib.photo("IMG_1.JPG", "2017-09-26T15:29:44Z", { favorite: true });
//   await using google = await startFakeGoogle({ library: lib, era: "2024" });
//   const token = google.issueToken(["photoslibrary.readonly"]);
//   google.faults.next("batchGet", 3, 503);
//   google.picker.autoPick = { items: [item], afterPolls: 2 };

export {
  type ClientSecretJson,
  FakeGoogle,
  type FakeGoogleOptions,
  startFakeGoogle,
} from "./server.ts";
export {
  type AlbumOptions,
  type CameraInfo,
  CONTENT_CATEGORIES,
  type Contributor,
  type FakeAlbum,
  type FakeItem,
  FakeLibrary,
  type GenerateOptions,
  type ItemOptions,
  type ItemPatch,
  type MediaKind,
  type SharedAlbumOptions,
  type VideoStatus,
} from "./library_state.ts";
export {
  type Fault,
  type FaultInput,
  type FaultKind,
  FaultRule,
  Faults,
  type FaultSpec,
  type FaultTarget,
} from "./faults.ts";
export { RequestLog, type RequestLogEntry } from "./request_log.ts";
export {
  expandScope,
  OAuthState,
  SCOPES,
  type TokenGrant,
} from "./oauth_state.ts";
export {
  type AutoPick,
  FakePicker,
  type FakePickerSession,
  PICKER_MAX_ITEMS,
} from "./picker_state.ts";
export { pickedItemJson, PICKER_PREFIX } from "./picker_routes.ts";
export type { Era, Visibility } from "./access.ts";
export type { EmptyPagesOptions } from "./paging.ts";
export type {
  FakeGoogleSettings,
  MediaSettings,
  ServerDeps,
} from "./settings.ts";
export type { RequestClass, Route, RouteContext } from "./router.ts";
export type { ContentVariant } from "./content.ts";
