import { assert, assertEquals, assertRejects } from "../assert.ts";
import { assertStringIncludes } from "./assert_text.ts";
import {
  ApiError,
  AuthError,
  InterruptedError,
  QuotaError,
  ScopeError,
  UsageError,
} from "../../src/errors.ts";
import {
  type AccessTokenSource,
  HttpClient,
  MAX_BODY_BYTES,
  NetworkError,
  parseRetryAfter,
} from "../../src/google/http.ts";
import {
  googleError,
  json,
  rawResponse,
  rawServer,
  recordingSleep,
  serve,
  stall,
  testClient,
  writeText,
} from "./test_server.ts";

for (const status of [429, 500, 502, 503, 504, 509]) {
  Deno.test(`HTTP ${status} is retried until Google answers`, async () => {
    const server = serve((_req, _body, i) =>
      i < 2 ? googleError(status, "UNAVAILABLE", "try later") : json({ ok: 1 })
    );
    try {
      const { sleep, waits } = recordingSleep();
      const client = testClient({ sleep });
      assertEquals(await client.json(`${server.url}/v1/x`), { ok: 1 });
      assertEquals(server.seen.length, 3);
      assertEquals(waits.length, 2);
    } finally {
      await server.close();
    }
  });
}

Deno.test("backoff doubles from the base, scaled by the jitter, up to the ceiling", async () => {
  const server = serve(() => googleError(503, "UNAVAILABLE", "busy"));
  try {
    const { sleep, waits } = recordingSleep();
    const client = testClient({
      sleep,
      maxRetries: 5,
      backoffBaseMs: 10,
      maxBackoffMs: 100,
      random: () => 0.5,
    });
    await assertRejects(() => client.json(`${server.url}/v1/x`), ApiError);
    assertEquals(waits, [5, 10, 20, 40, 50]);
  } finally {
    await server.close();
  }
});

Deno.test("full jitter can pick any wait below the ceiling", async () => {
  const server = serve((_r, _b, i) =>
    i === 0 ? googleError(500, "INTERNAL", "oops") : json({})
  );
  try {
    const { sleep, waits } = recordingSleep();
    const client = testClient({
      sleep,
      backoffBaseMs: 5_000,
      maxBackoffMs: 120_000,
      random: () => 0.999,
    });
    await client.json(`${server.url}/v1/x`);
    assertEquals(waits, [4995]);
  } finally {
    await server.close();
  }
});

Deno.test("Retry-After in seconds is waited out", async () => {
  const server = serve((_r, _b, i) =>
    i === 0
      ? googleError(429, "RESOURCE_EXHAUSTED", "quota", { "retry-after": "7" })
      : json({ done: true })
  );
  try {
    const { sleep, waits } = recordingSleep();
    await testClient({ sleep }).json(`${server.url}/v1/x`);
    assertEquals(waits, [7000]);
  } finally {
    await server.close();
  }
});

Deno.test("Retry-After as an HTTP date is waited out until that time", async () => {
  const now = Date.parse("2026-01-10T10:00:00Z");
  const server = serve((_r, _b, i) =>
    i === 0
      ? googleError(503, "UNAVAILABLE", "later", {
        "retry-after": "Sat, 10 Jan 2026 10:00:30 GMT",
      })
      : json({})
  );
  try {
    const { sleep, waits } = recordingSleep();
    await testClient({ sleep, now: () => now }).json(`${server.url}/v1/x`);
    assertEquals(waits, [30_000]);
  } finally {
    await server.close();
  }
});

Deno.test("a Retry-After of a day is capped", async () => {
  const server = serve((_r, _b, i) =>
    i === 0
      ? googleError(429, "RESOURCE_EXHAUSTED", "daily", {
        "retry-after": "86400",
      })
      : json({})
  );
  try {
    const { sleep, waits } = recordingSleep();
    await testClient({ sleep, maxRetryAfterMs: 60_000 }).json(
      `${server.url}/v1/x`,
    );
    assertEquals(waits, [60_000]);
  } finally {
    await server.close();
  }
});

Deno.test("parseRetryAfter reads seconds and dates and ignores junk", () => {
  const now = Date.parse("2026-01-10T10:00:00Z");
  assertEquals(parseRetryAfter("120", now), 120_000);
  assertEquals(parseRetryAfter("1.5", now), 1500);
  assertEquals(parseRetryAfter("Sat, 10 Jan 2026 09:00:00 GMT", now), 0);
  assertEquals(parseRetryAfter("soon", now), undefined);
  assertEquals(parseRetryAfter(null, now), undefined);
});

for (
  const [status, code] of [
    [400, "INVALID_ARGUMENT"],
    [403, "PERMISSION_DENIED"],
    [404, "NOT_FOUND"],
  ] as const
) {
  Deno.test(`HTTP ${status} is not retried and names Google's status`, async () => {
    const server = serve(() => googleError(status, code, "no good"));
    try {
      const { sleep, waits } = recordingSleep();
      const error = await assertRejects(
        () => testClient({ sleep }).json(`${server.url}/v1/mediaItems/abc`),
        ApiError,
      );
      assertEquals(error.status, status);
      assertEquals(error.code, code);
      assertStringIncludes(error.message, "no good");
      assertStringIncludes(error.message, "/v1/mediaItems/abc");
      assertEquals(server.seen.length, 1);
      assertEquals(waits, []);
    } finally {
      await server.close();
    }
  });
}

Deno.test("429 that never ends gives a QuotaError after maxRetries retries", async () => {
  const server = serve(() =>
    googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded")
  );
  try {
    const { sleep, waits } = recordingSleep();
    const error = await assertRejects(
      () => testClient({ sleep, maxRetries: 4 }).json(`${server.url}/v1/x`),
      QuotaError,
    );
    assertEquals(server.seen.length, 5);
    assertEquals(waits.length, 4);
    assertEquals(error.status, 429);
    assertEquals(error.code, "RESOURCE_EXHAUSTED");
    assertStringIncludes(error.message, "quota");
  } finally {
    await server.close();
  }
});

Deno.test("5xx that never ends gives an ApiError with Google's status", async () => {
  const server = serve(() => googleError(502, "UNAVAILABLE", "bad gateway"));
  try {
    const error = await assertRejects(
      () => testClient({ maxRetries: 2 }).json(`${server.url}/v1/x`),
      ApiError,
    );
    assert(!(error instanceof QuotaError));
    assertEquals(error.status, 502);
    assertEquals(error.code, "UNAVAILABLE");
    assertEquals(server.seen.length, 3);
  } finally {
    await server.close();
  }
});

Deno.test("maxRetries 0 makes exactly one attempt", async () => {
  const server = serve(() => googleError(500, "INTERNAL", "x"));
  try {
    await assertRejects(
      () => testClient({ maxRetries: 0 }).json(`${server.url}/v1/x`),
      ApiError,
    );
    assertEquals(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("connection resets are retried", async () => {
  const server = rawServer(async (conn, i) => {
    if (i < 2) return; // closed without a word
    await writeText(conn, rawResponse(200, '{"fine":true}'));
  });
  try {
    const { sleep, waits } = recordingSleep();
    assertEquals(await testClient({ sleep }).json(`${server.url}/v1/x`), {
      fine: true,
    });
    assertEquals(server.connections, 3);
    assertEquals(waits.length, 2);
  } finally {
    await server.close();
  }
});

Deno.test("a body cut short is read again", async () => {
  const server = rawServer(async (conn, i) => {
    if (i === 0) {
      await writeText(
        conn,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" +
          'content-length: 100\r\nconnection: close\r\n\r\n{"mediaItems": [',
      );
      return;
    }
    await writeText(conn, rawResponse(200, '{"whole":1}'));
  });
  try {
    assertEquals(await testClient().json(`${server.url}/v1/x`), { whole: 1 });
    assertEquals(server.connections, 2);
  } finally {
    await server.close();
  }
});

Deno.test("an unreachable server gives a NetworkError after the retries", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { sleep, waits } = recordingSleep();
  const error = await assertRejects(
    () =>
      testClient({ sleep, maxRetries: 2 }).json(
        `http://127.0.0.1:${port}/v1/x`,
      ),
    NetworkError,
  );
  assertEquals(waits.length, 2);
  assertEquals(error.status, 0);
  assertStringIncludes(error.message, "3 attempts");
  assertStringIncludes(error.message, "network");
});

Deno.test("a request stalled past the timeout is retried", async () => {
  const server = serve((_req, _b, i) =>
    i === 0 ? stall(server) : json({ late: false })
  );
  try {
    const started = performance.now();
    const result = await testClient({ timeoutMs: 200 }).json(
      `${server.url}/v1/x`,
    );
    assertEquals(result, { late: false });
    assertEquals(server.seen.length, 2);
    assert(performance.now() - started < 2_000);
  } finally {
    await server.close();
  }
});

Deno.test("a request that always stalls ends in a NetworkError naming the timeout", async () => {
  const server = serve(() => stall(server));
  try {
    const error = await assertRejects(
      () =>
        testClient({ timeoutMs: 100, maxRetries: 1 }).json(
          `${server.url}/v1/x`,
        ),
      NetworkError,
    );
    assertStringIncludes(error.message, "no answer within 100 ms");
    assertEquals(server.seen.length, 2);
  } finally {
    await server.close();
  }
});

Deno.test("aborting a stalled request stops it at once, without retrying", async () => {
  const server = serve(() => stall(server));
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await assertRejects(
      () =>
        testClient({ timeoutMs: 5_000 }).json(`${server.url}/v1/x`, {
          signal: controller.signal,
        }),
      InterruptedError,
    );
    assert(performance.now() - started < 2_000);
    assertEquals(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("aborting during the backoff wait stops at once", async () => {
  const server = serve(() => googleError(503, "UNAVAILABLE", "busy"));
  try {
    const controller = new AbortController();
    const client = new HttpClient({
      backoffBaseMs: 60_000,
      random: () => 1,
      maxRetries: 5,
    });
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    await assertRejects(
      () => client.json(`${server.url}/v1/x`, { signal: controller.signal }),
      InterruptedError,
    );
    assert(performance.now() - started < 5_000);
    assertEquals(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("an abort whose reason is a typed error surfaces that error", async () => {
  const server = serve(() => json({}));
  try {
    const controller = new AbortController();
    controller.abort(new UsageError("pick timed out"));
    const error = await assertRejects(
      () =>
        testClient().json(`${server.url}/v1/x`, { signal: controller.signal }),
      UsageError,
    );
    assertEquals(error.message, "pick timed out");
    assertEquals(server.seen.length, 0);
  } finally {
    await server.close();
  }
});

Deno.test("403 insufficient scopes becomes a ScopeError explaining Google's 2025 change", async () => {
  const server = serve(() =>
    googleError(
      403,
      "PERMISSION_DENIED",
      "Request had insufficient authentication scopes.",
    )
  );
  try {
    const error = await assertRejects(
      () => testClient().json(`${server.url}/v1/mediaItems`),
      ScopeError,
    );
    assertEquals(error.status, 403);
    assertEquals(error.code, "PERMISSION_DENIED");
    assertStringIncludes(error.message, "31 March 2025");
    assertStringIncludes(error.message, "only lets an app read");
    assertStringIncludes(error.message, "gphotos-sync pick ROOT");
    assertStringIncludes(error.message, "gphotos-sync takeout ROOT ARCHIVE...");
    assertStringIncludes(error.message, "Nothing already backed up is lost");
    assertEquals(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("another 403 stays a plain ApiError", async () => {
  const server = serve(() =>
    googleError(403, "PERMISSION_DENIED", "The caller does not have permission")
  );
  try {
    const error = await assertRejects(
      () => testClient().json(`${server.url}/v1/sharedAlbums`),
      ApiError,
    );
    assert(!(error instanceof ScopeError));
  } finally {
    await server.close();
  }
});

function tokenSource(tokens: string[]): AccessTokenSource & {
  refreshes: string[];
} {
  let current = tokens[0];
  const refreshes: string[] = [];
  return {
    refreshes,
    getAccessToken: () => Promise.resolve(current),
    refreshAccessToken: (rejected) => {
      refreshes.push(rejected);
      current = tokens[refreshes.length] ?? current;
      return Promise.resolve(current);
    },
  };
}

Deno.test("a 401 refreshes the token once and retries with the new one", async () => {
  const server = serve((req) =>
    req.headers.get("authorization") === "Bearer fresh"
      ? json({ ok: true })
      : googleError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials.",
      )
  );
  try {
    const auth = tokenSource(["stale", "fresh"]);
    const { sleep, waits } = recordingSleep();
    assertEquals(
      await testClient({ sleep }).json(`${server.url}/v1/x`, { auth }),
      { ok: true },
    );
    assertEquals(auth.refreshes, ["stale"]);
    assertEquals(server.seen.length, 2);
    assertEquals(waits, []);
  } finally {
    await server.close();
  }
});

Deno.test("a second 401 after refreshing is an AuthError that says to sign in again", async () => {
  const server = serve(() => googleError(401, "UNAUTHENTICATED", "no"));
  try {
    const auth = tokenSource(["a", "b", "c"]);
    const error = await assertRejects(
      () => testClient().json(`${server.url}/v1/x`, { auth }),
      AuthError,
    );
    assertStringIncludes(error.message, "gphotos-sync login ROOT");
    assertEquals(auth.refreshes, ["a"]);
    assertEquals(server.seen.length, 2);
  } finally {
    await server.close();
  }
});

Deno.test("a body that is not JSON is a malformed-answer ApiError, not retried", async () => {
  const server = serve(() => new Response("<html>oops</html>"));
  try {
    const error = await assertRejects(
      () => testClient().json(`${server.url}/v1/mediaItems`),
      ApiError,
    );
    assertEquals(error.code, "MALFORMED_RESPONSE");
    assertStringIncludes(error.message, "not JSON");
    assertEquals(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("the trace logs every attempt with method, URL, status and time, secrets redacted", async () => {
  const server = serve((req, _b, i) => {
    if (i === 0) return googleError(503, "UNAVAILABLE", "busy");
    return req.method === "POST"
      ? json({
        access_token: "ya29.SECRET-ACCESS",
        refresh_token: "1//SECRET-REFRESH-TOKEN",
        expires_in: 3599,
      })
      : json({});
  });
  try {
    const lines: string[] = [];
    const client = testClient({ trace: (line) => lines.push(line) });
    await client.json(`${server.url}/token?access_token=SECRET-QUERY&x=1`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: "SECRET-CODE",
        client_secret: "SECRET-CLIENT",
        code_verifier: "SECRET-VERIFIER",
        refresh_token: "SECRET-RT",
      }),
      auth: tokenSource(["SECRET-BEARER"]),
    });
    assertEquals(lines.length, 2);
    assertStringIncludes(lines[0], "POST http://127.0.0.1:");
    assertStringIncludes(lines[0], "/token?access_token=REDACTED&x=1");
    assertStringIncludes(lines[0], "-> 503 in ");
    assertStringIncludes(lines[1], "-> 200 in ");
    assertStringIncludes(lines[1], " ms");
    assertStringIncludes(lines[1], "grant_type=authorization_code");
    assertStringIncludes(lines[1], '"expires_in":3599');
    const all = lines.join("\n");
    for (const secret of ["SECRET", "ya29.", "1//"]) {
      assert(!all.includes(secret), `trace leaks ${secret}: ${all}`);
    }
    // The server did get the real values.
    assertStringIncludes(server.seen[1].body, "code=SECRET-CODE");
    assertEquals(
      server.seen[1].headers.get("authorization"),
      "Bearer SECRET-BEARER",
    );
  } finally {
    await server.close();
  }
});

Deno.test("without a trace sink, trace lines go to the logger's trace level", async () => {
  const server = serve(() => json({ a: 1 }));
  try {
    const lines: string[] = [];
    const logger = {
      error() {},
      warn() {},
      info() {},
      debug() {},
      trace: (m: string) => lines.push(m),
    };
    await new HttpClient({ logger }).json(`${server.url}/v1/albums`);
    assertEquals(lines.length, 1);
    assertStringIncludes(lines[0], "GET ");
    assertStringIncludes(lines[0], "/v1/albums -> 200");
  } finally {
    await server.close();
  }
});

Deno.test("a JSON body is sent with its content type", async () => {
  const server = serve((req, body) =>
    json({ type: req.headers.get("content-type"), body: JSON.parse(body) })
  );
  try {
    const answer = await testClient().json(
      `${server.url}/v1/mediaItems:search`,
      {
        method: "POST",
        json: { pageSize: 100 },
      },
    );
    assertEquals(answer, {
      type: "application/json",
      body: { pageSize: 100 },
    });
  } finally {
    await server.close();
  }
});

Deno.test("stream hands over the body once the headers arrive", async () => {
  const server = serve(() =>
    new Response("0123456789", { headers: { "content-type": "image/jpeg" } })
  );
  try {
    const answer = await testClient().stream(`${server.url}/media`);
    assertEquals(answer.contentType, "image/jpeg");
    assertEquals(answer.contentLength, 10);
    assertEquals(await new Response(answer.body).text(), "0123456789");
  } finally {
    await server.close();
  }
});

Deno.test("a streamed body that stalls ends with a NetworkError", async () => {
  const server = rawServer(async (conn, _i, released) => {
    await writeText(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: 20\r\n\r\n0123",
    );
    await released;
  });
  try {
    const answer = await testClient({ timeoutMs: 150 }).stream(
      `${server.url}/media`,
    );
    const error = await assertRejects(
      () => new Response(answer.body).arrayBuffer(),
      NetworkError,
    );
    assertStringIncludes(error.message, "stalled");
  } finally {
    await server.close();
  }
});

Deno.test("a streamed body shorter than announced ends with a NetworkError", async () => {
  const server = rawServer(async (conn) => {
    await writeText(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: 20\r\nconnection: close\r\n\r\n0123",
    );
  });
  try {
    const answer = await testClient().stream(`${server.url}/media`);
    const error = await assertRejects(
      () => new Response(answer.body).arrayBuffer(),
      NetworkError,
    );
    assert(error instanceof ApiError);
    assertEquals(error.status, 0);
  } finally {
    await server.close();
  }
});

Deno.test("aborting while a body streams ends it with InterruptedError", async () => {
  const server = rawServer(async (conn, _i, released) => {
    await writeText(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: 20\r\n\r\n01",
    );
    await released;
  });
  try {
    const controller = new AbortController();
    const answer = await testClient({ timeoutMs: 5_000 }).stream(
      `${server.url}/media`,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    await assertRejects(
      () => new Response(answer.body).arrayBuffer(),
      InterruptedError,
    );
  } finally {
    await server.close();
  }
});

/** A body of `bytes` bytes, made as it is sent, of `chunk`'s repeats. */
function bigBody(bytes: number, chunk: Uint8Array): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) return c.close();
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += part.length;
      c.enqueue(part);
    },
  });
}

Deno.test("an answer over 32 MiB is refused naming the call, and not asked for again", async () => {
  const spaces = new Uint8Array(1 << 20).fill(0x20);
  for (const declared of [true, false]) {
    const server = serve(() => {
      const size = MAX_BODY_BYTES + 1;
      return new Response(bigBody(size, spaces), {
        headers: declared ? { "content-length": String(size) } : {},
      });
    });
    try {
      const error = await assertRejects(
        () =>
          testClient().json(`${server.url}/v1/mediaItems`, {
            label: "mediaItems.list",
          }),
        ApiError,
      );
      assertStringIncludes(error.message, "mediaItems.list");
      assertStringIncludes(error.message, "32 MiB");
      assertEquals(server.seen.length, 1);
    } finally {
      await server.close();
    }
  }
});

Deno.test("an error answer is read only for its start: a 40 MiB one still gives its status", async () => {
  const text = new TextEncoder().encode(
    JSON.stringify({ error: { code: 400, message: "bad", status: "X" } }) +
      " ".repeat(1 << 20),
  );
  const server = serve(() =>
    new Response(bigBody(40 << 20, text), { status: 400 })
  );
  try {
    const error = await assertRejects(
      () => testClient().json(`${server.url}/v1/x`),
      ApiError,
    );
    assertEquals(error.status, 400);
    assertStringIncludes(error.message, "bad");
  } finally {
    await server.close();
  }
});
