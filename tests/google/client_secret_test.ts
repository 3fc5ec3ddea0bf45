import { assertEquals, assertRejects } from "../assert.ts";
import { assertStringIncludes } from "./assert_text.ts";
import { UsageError } from "../../src/errors.ts";
import { loadClientSecret } from "../../src/google/client_secret.ts";

const INSTALLED = {
  installed: {
    client_id: "123.apps.googleusercontent.com",
    project_id: "my-photos",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    client_secret: "GOCSPX-abc",
    redirect_uris: ["http://localhost"],
  },
};

async function withFile(
  content: string | undefined,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/client_secret.json`;
    if (content !== undefined) await Deno.writeTextFile(path, content);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a Desktop app client secret is loaded, URIs used as given", async () => {
  await withFile(JSON.stringify(INSTALLED), async (path) => {
    assertEquals(await loadClientSecret(path), {
      path,
      clientId: "123.apps.googleusercontent.com",
      clientSecret: "GOCSPX-abc",
      authUri: "https://accounts.google.com/o/oauth2/auth",
      tokenUri: "https://oauth2.googleapis.com/token",
      redirectUris: ["http://localhost"],
    });
  });
});

Deno.test("a missing client secret is a usage error that says how to get one", async () => {
  await withFile(undefined, async (path) => {
    const error = await assertRejects(() => loadClientSecret(path), UsageError);
    assertEquals(error.exitCode, 2);
    assertStringIncludes(error.message, path);
    assertStringIncludes(error.message, "Google Cloud console");
    assertStringIncludes(
      error.message,
      'APIs & Services > Credentials > Create credentials > OAuth client ID > "Desktop app"',
    );
    assertStringIncludes(error.message, "Download JSON");
    assertStringIncludes(error.message, `save the file as ${path}`);
  });
});

Deno.test("a client secret that is not JSON is a usage error naming the file", async () => {
  await withFile("{not json", async (path) => {
    const error = await assertRejects(() => loadClientSecret(path), UsageError);
    assertStringIncludes(error.message, `${path} is not valid JSON`);
    assertStringIncludes(error.message, "Download JSON");
  });
});

Deno.test("an unreadable client secret is a usage error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A folder where the file should be cannot be read as text.
    const error = await assertRejects(() => loadClientSecret(dir), UsageError);
    assertStringIncludes(
      error.message,
      `Cannot read the client secret file ${dir}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Web application client secret is refused with the reason", async () => {
  await withFile(JSON.stringify({ web: INSTALLED.installed }), async (path) => {
    const error = await assertRejects(() => loadClientSecret(path), UsageError);
    assertStringIncludes(error.message, '"Web application" client');
    assertStringIncludes(error.message, '"Desktop app"');
  });
});

Deno.test("a client secret lacking a field names the field", async () => {
  const { token_uri: _, ...rest } = INSTALLED.installed;
  await withFile(JSON.stringify({ installed: rest }), async (path) => {
    const error = await assertRejects(() => loadClientSecret(path), UsageError);
    assertStringIncludes(error.message, 'lacks "installed.token_uri"');
  });
});

Deno.test("a client secret with a token_uri that is not a URL is refused", async () => {
  const installed = { ...INSTALLED.installed, token_uri: "oauth2 token" };
  await withFile(JSON.stringify({ installed }), async (path) => {
    const error = await assertRejects(() => loadClientSecret(path), UsageError);
    assertStringIncludes(error.message, "installed.token_uri");
  });
});
