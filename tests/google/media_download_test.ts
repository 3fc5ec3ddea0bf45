import { assert, assertEquals, assertRejects } from "../assert.ts";
import { assertStringIncludes } from "./assert_text.ts";
import { ApiError, ScopeError } from "../../src/errors.ts";
import type { AccessTokenSource } from "../../src/google/http.ts";
import {
  ExpiredUrlError,
  mediaDownloadUrl,
  openMediaStream,
} from "../../src/google/media_download.ts";
import { googleError, serve, testClient } from "./test_server.ts";

const PHOTO = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

Deno.test("photos are fetched with =d and videos with =dv", () => {
  assertEquals(mediaDownloadUrl("https://lh3/abc", false), "https://lh3/abc=d");
  assertEquals(mediaDownloadUrl("https://lh3/abc", true), "https://lh3/abc=dv");
});

Deno.test("openMediaStream streams the bytes with their length and type", async () => {
  const server = serve((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/lr/abc=d") {
      return new Response(PHOTO, { headers: { "content-type": "image/jpeg" } });
    }
    if (path === "/lr/vid=dv") {
      return new Response("video-bytes", {
        headers: { "content-type": "video/mp4" },
      });
    }
    return new Response("no", { status: 404 });
  });
  try {
    const photo = await openMediaStream(testClient(), `${server.url}/lr/abc`, {
      isVideo: false,
    });
    assertEquals(photo.contentType, "image/jpeg");
    assertEquals(photo.contentLength, PHOTO.length);
    assertEquals(
      new Uint8Array(await new Response(photo.body).arrayBuffer()),
      PHOTO,
    );
    const video = await openMediaStream(testClient(), `${server.url}/lr/vid`, {
      isVideo: true,
    });
    assertEquals(await new Response(video.body).text(), "video-bytes");
    // Library baseUrls need no token.
    assertEquals(server.seen[0].headers.get("authorization"), null);
  } finally {
    await server.close();
  }
});

Deno.test("Picker baseUrls are fetched with the bearer token", async () => {
  const server = serve((req) =>
    req.headers.get("authorization") === "Bearer ya29.pick"
      ? new Response(PHOTO)
      : new Response("", { status: 401 })
  );
  try {
    const auth: AccessTokenSource = {
      getAccessToken: () => Promise.resolve("ya29.pick"),
      refreshAccessToken: () => Promise.resolve("ya29.pick"),
    };
    const stream = await openMediaStream(testClient(), `${server.url}/p/1`, {
      isVideo: false,
      auth,
    });
    assertEquals((await new Response(stream.body).arrayBuffer()).byteLength, 8);
  } finally {
    await server.close();
  }
});

for (const status of [403, 404]) {
  Deno.test(`HTTP ${status} on a baseUrl is an ExpiredUrlError`, async () => {
    const server = serve(() => new Response("Forbidden", { status }));
    try {
      const error = await assertRejects(
        () =>
          openMediaStream(testClient(), `${server.url}/old`, {
            isVideo: false,
            label: "IMG_1.jpg",
          }),
        ExpiredUrlError,
      );
      assert(error instanceof ApiError);
      assertEquals(error.status, status);
      assertStringIncludes(error.message, "IMG_1.jpg");
      assertStringIncludes(error.message, "fresh baseUrl");
      assertEquals(server.seen.length, 1);
    } finally {
      await server.close();
    }
  });
}

Deno.test("a scope refusal on a baseUrl stays a ScopeError", async () => {
  const server = serve(() =>
    googleError(
      403,
      "PERMISSION_DENIED",
      "Request had insufficient authentication scopes.",
    )
  );
  try {
    await assertRejects(
      () =>
        openMediaStream(testClient(), `${server.url}/x`, { isVideo: false }),
      ScopeError,
    );
  } finally {
    await server.close();
  }
});

Deno.test("a 503 before the bytes is retried", async () => {
  const server = serve((_r, _b, i) =>
    i === 0 ? new Response("", { status: 503 }) : new Response(PHOTO)
  );
  try {
    const stream = await openMediaStream(testClient(), `${server.url}/x`, {
      isVideo: false,
    });
    assertEquals((await new Response(stream.body).arrayBuffer()).byteLength, 8);
    assertEquals(server.seen.length, 2);
  } finally {
    await server.close();
  }
});
