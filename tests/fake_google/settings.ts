// The fake server's knobs (changeable while it runs, e.g. switching era
// between two runs of the program) and the shared state every route module
// receives.

import type { Era } from "./access.ts";
import type { FakeLibrary } from "./library_state.ts";
import type { MediaUrls } from "./media_urls.ts";
import type { OAuthState } from "./oauth_state.ts";
import type { Signer } from "./opaque_ids.ts";
import type { EmptyPagesOptions, Pager } from "./paging.ts";
import type { Bandwidth } from "./throttle.ts";

export interface MediaSettings {
  /** Delay before the first byte of every media answer. */
  latencyMs: number;
  /** Bandwidth shared by all media downloads; 0 = unlimited. */
  bytesPerSecond: number;
  /** Media bytes need `Authorization: Bearer` (as Picker baseUrls do). */
  requireBearer: boolean;
}

export interface FakeGoogleSettings {
  /** "2024": photoslibrary.readonly reads everything; "2025": Google's
   * 31 March 2025 rules (removed scopes answer 403, app-created data only). */
  era: Era;
  /** How long a baseUrl works after the API call that returned it. */
  baseUrlLifetimeSec: number;
  media: MediaSettings;
  /** Pages that come back empty but with a nextPageToken. */
  emptyPages: EmptyPagesOptions;
  /**
   * The most items one page of any listing holds, whatever pageSize asks
   * (Google may answer with fewer); undefined: as many as asked.
   */
  maxPageItems: number | undefined;
}

/** What route modules share. */
export interface ServerDeps {
  library: FakeLibrary;
  oauth: OAuthState;
  settings: FakeGoogleSettings;
  mediaUrls: MediaUrls;
  pager: Pager;
  signer: Signer;
  bandwidth: Bandwidth;
  now: () => number;
  /** The server's base URL, e.g. "http://127.0.0.1:41234". */
  baseUrl: () => string;
}
