import { assert, assertEquals, assertRejects } from "../assert.ts";
import { UsageError } from "../../src/errors.ts";
import {
  acceptableTokenUri,
  mayCarryAccessToken,
} from "../../src/google/endpoints.ts";
import { loadClientSecret } from "../../src/google/client_secret.ts";

const none = () => undefined;
const testMode = (name: string) =>
  name === "GPHOTOS_LIBRARY_API" ? "http://127.0.0.1:4000" : undefined;

Deno.test("token_uri must be https on Google's token host; loopback only in test mode", () => {
  assert(acceptableTokenUri("https://oauth2.googleapis.com/token", none));
  for (
    const uri of [
      "http://oauth2.googleapis.com/token",
      "https://oauth2.googleapis.com:8443/token",
      "https://evil.example/token",
      "https://oauth2.googleapis.com.evil.example/token",
      "http://127.0.0.1:4000/token",
      "not a url",
    ]
  ) assertEquals(acceptableTokenUri(uri, none), false, uri);
  assert(acceptableTokenUri("http://127.0.0.1:4000/token", testMode));
  assertEquals(acceptableTokenUri("https://evil.example/t", testMode), false);
});

Deno.test("an access token goes only over https to Google's API and media hosts, or the loopback override", () => {
  for (
    const url of [
      "https://lh3.googleusercontent.com/abc=d",
      "https://video-downloads.googleusercontent.com/x",
      "https://photospicker.googleapis.com/v1/sessions",
      "https://photoslibrary.googleapis.com/v1/mediaItems",
    ]
  ) assert(mayCarryAccessToken(url, none), url);
  for (
    const url of [
      "http://lh3.googleusercontent.com/abc=d",
      "https://lh3.googleusercontent.com:444/abc",
      "https://googleusercontent.com.evil.example/abc",
      "https://evil.example/abc",
      "http://127.0.0.2:4000/lr/abc",
      "http://127.0.0.1:4000/lr/abc",
    ]
  ) assertEquals(mayCarryAccessToken(url, none), false, url);
  assert(mayCarryAccessToken("http://127.0.0.1:4000/lr/abc", testMode));
  assertEquals(
    mayCarryAccessToken("http://127.0.0.1:4001/lr/abc", testMode),
    false,
  );
});

Deno.test("a client secret whose token_uri is plain http or another host is refused by name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const token_uri of [
        "http://oauth2.googleapis.com/token",
        "https://x.example/t",
      ]
    ) {
      const path = `${dir}/client_secret.json`;
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          installed: {
            client_id: "id",
            client_secret: "s",
            auth_uri: "https://accounts.google.com/o/oauth2/auth",
            token_uri,
          },
        }),
      );
      const e = await assertRejects(() => loadClientSecret(path), UsageError);
      assert(e.message.includes(token_uri), e.message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
