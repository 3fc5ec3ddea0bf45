import { assertEquals } from "../assert.ts";
import { redact } from "../../src/google/redact.ts";

Deno.test("secrets in URL queries and form bodies are redacted", () => {
  assertEquals(
    redact(
      "https://x/cb?state=abc&code=4/0AX-secret&scope=a https://x/?access_token=ya&b=1",
    ),
    "https://x/cb?state=abc&code=REDACTED&scope=a https://x/?access_token=REDACTED&b=1",
  );
  assertEquals(
    redact(
      "grant_type=refresh_token&refresh_token=rt&client_id=id&client_secret=cs&code_verifier=v",
    ),
    "grant_type=refresh_token&refresh_token=REDACTED&client_id=id&client_secret=REDACTED&code_verifier=REDACTED",
  );
});

Deno.test("names that only end like a secret are left alone", () => {
  const text = "code_challenge=abc&error_code=7&x_code=1";
  assertEquals(redact(text), text);
});

Deno.test("secrets in JSON are redacted, numbers such as error codes are not", () => {
  assertEquals(
    redact(
      '{"access_token": "a1", "refresh_token":"r1", "id_token":"i", "error": {"code": 403}}',
    ),
    '{"access_token": "REDACTED", "refresh_token":"REDACTED", "id_token":"REDACTED", "error": {"code": 403}}',
  );
  assertEquals(
    redact('{"installed":{"client_id":"id","client_secret":"s3cr\\"et"}}'),
    '{"installed":{"client_id":"id","client_secret":"REDACTED"}}',
  );
});

Deno.test("JSON quoted inside another string is redacted too", () => {
  assertEquals(
    redact('message: "{\\"access_token\\": \\"abc\\"}"'),
    'message: "{\\"access_token\\": \\"REDACTED\\"}"',
  );
});

Deno.test("bearer headers and Google's token shapes are redacted anywhere", () => {
  assertEquals(
    redact("Authorization: Bearer abc.DEF-123"),
    "Authorization: Bearer REDACTED",
  );
  assertEquals(
    redact("token ya29.a0AfB_byC-xyz and 1//0gAbCdEfGhIjKlMn"),
    "token REDACTED and REDACTED",
  );
});
