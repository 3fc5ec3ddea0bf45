// Media bytes behind baseUrls (`<base>/lr/<opaque>=d`, `=dv`, ...), as
// Google's media hosts serve them: photo `=d` gives the photo, video `=dv`
// the video, video `=d` only a still thumbnail; expired baseUrls answer 403;
// videos that are not READY cannot be downloaded. Optional first-byte
// latency, a shared bandwidth cap and a Bearer requirement (Picker).

import { bearerToken } from "./access.ts";
import { CHUNK_SIZE, ContentSource, type ContentVariant } from "./content.ts";
import { MEDIA_PREFIX } from "./media_urls.ts";
import type { Route } from "./router.ts";
import type { ServerDeps } from "./settings.ts";
import { sleep } from "./throttle.ts";

export function mediaRoutes(deps: ServerDeps): Route[] {
  return [{
    method: "GET",
    pattern: new RegExp(`^${MEDIA_PREFIX}(.+)$`),
    requestClass: "media",
    handle: async (req, ctx) => {
      const parsed = deps.mediaUrls.parse(ctx.url.pathname);
      if (parsed === null) return page(404, "Not Found");
      if (
        deps.now() - parsed.issuedAtMs > deps.settings.baseUrlLifetimeSec * 1000
      ) {
        return page(
          403,
          "Forbidden: this baseUrl has expired; get a fresh one from the API.",
        );
      }
      if (parsed.requireBearer || deps.settings.media.requireBearer) {
        const token = bearerToken(req, deps.oauth);
        if (token instanceof Response) return token;
      }
      let source: ContentSource;
      let mime: string;
      if (parsed.kind === "profile") {
        source = new ContentSource(
          `profile:${parsed.id}`,
          "thumbnail",
          128,
          "image/jpeg",
        );
        mime = "image/jpeg";
      } else {
        const item = deps.library.item(parsed.id);
        if (item === undefined) return page(404, "Not Found");
        const options = parsed.params.split("-");
        let variant: ContentVariant;
        if (options.includes("dv")) {
          if (item.kind !== "video") {
            return page(
              404,
              "Not Found: =dv is for videos; download photos with =d.",
            );
          }
          if (item.videoStatus !== "READY") {
            return page(
              404,
              `Not Found: the video is not ready for download (status ${item.videoStatus}).`,
            );
          }
          variant = "original";
        } else if (options.includes("d") && item.kind === "photo") {
          variant = "original";
        } else {
          // A video's =d, a bare baseUrl, or a resize (=w..-h..): a still image.
          variant = "thumbnail";
        }
        source = deps.library.contentSource(item, variant);
        mime = variant === "original" ? item.mimeType : "image/jpeg";
      }
      if (!await sleep(deps.settings.media.latencyMs, ctx.signal)) {
        return page(503, "Service Unavailable");
      }
      const headers = {
        "content-type": mime,
        "content-length": String(source.size),
        "cache-control": "private, max-age=86400, no-transform",
      };
      if (
        source.size <= CHUNK_SIZE && deps.settings.media.bytesPerSecond <= 0
      ) {
        return new Response(source.next() ?? new Uint8Array(0), { headers });
      }
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const chunk = source.next(
            deps.settings.media.bytesPerSecond > 0 ? 16 * 1024 : CHUNK_SIZE,
          );
          if (chunk === null) {
            controller.close();
            return;
          }
          if (!await deps.bandwidth.take(chunk.length, ctx.signal)) {
            controller.error(new Error("media download abandoned"));
            return;
          }
          controller.enqueue(chunk);
        },
      }, { highWaterMark: 0 });
      return new Response(body, { headers });
    },
  }];
}

function page(status: number, text: string): Response {
  return new Response(`<html><body>${text}</body></html>\n`, {
    status,
    headers: { "content-type": "text/html; charset=UTF-8" },
  });
}
