// Opens the bytes of one media item from its baseUrl: "=d" for a photo (the
// image with its EXIF, minus location), "=dv" for a video (Google's
// high-quality transcode). baseUrls live 60 minutes, so a 403/404 is
// reported as ExpiredUrlError: the caller fetches a fresh baseUrl and tries
// again instead of counting the item as failed.

import { ApiError, ScopeError } from "../errors.ts";
import type { AccessTokenSource, HttpClient, RetryBudget } from "./http.ts";

/** The baseUrl was refused (403/404): get a fresh one (batchGet) and retry. */
export class ExpiredUrlError extends ApiError {}

export interface MediaStream {
  /** Ends with NetworkError on a stall or a short body. */
  body: ReadableStream<Uint8Array>;
  /** As announced by the server (absent when unknown or re-encoded). */
  contentLength?: number;
  contentType: string;
}

export interface OpenMediaOptions {
  isVideo: boolean;
  /** Picker baseUrls need `Authorization: Bearer`; Library ones do not. */
  auth?: AccessTokenSource;
  signal?: AbortSignal;
  /** Wait for the headers, then the longest silence between chunks. */
  timeoutMs?: number;
  /** Names the item in messages, e.g. its filename. */
  label?: string;
  /** Retries shared by every attempt at this item (see RetryBudget). */
  budget?: RetryBudget;
}

export function mediaDownloadUrl(baseUrl: string, isVideo: boolean): string {
  return `${baseUrl}${isVideo ? "=dv" : "=d"}`;
}

export async function openMediaStream(
  http: HttpClient,
  baseUrl: string,
  options: OpenMediaOptions,
): Promise<MediaStream> {
  const label = options.label
    ? `the download of ${options.label}`
    : "a media download";
  try {
    const answer = await http.stream(
      mediaDownloadUrl(baseUrl, options.isVideo),
      {
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        auth: options.auth,
        label,
        budget: options.budget,
      },
    );
    const stream: MediaStream = {
      body: answer.body,
      contentType: answer.contentType,
    };
    if (answer.contentLength !== undefined) {
      stream.contentLength = answer.contentLength;
    }
    return stream;
  } catch (error) {
    if (
      error instanceof ApiError && !(error instanceof ScopeError) &&
      (error.status === 403 || error.status === 404)
    ) {
      throw new ExpiredUrlError(
        `Google refused ${label} (HTTP ${error.status}): its baseUrl has ` +
          "expired (they last 60 minutes) or the item is gone. Fetch a fresh " +
          "baseUrl and try again.",
        error.status,
        error.code,
        { cause: error },
      );
    }
    throw error;
  }
}
