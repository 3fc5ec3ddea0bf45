// What a config file can widen: exactly what the same flags on the command
// line widen (README, "Permissions"), and nothing through the client
// secret.

import { assert, assertEquals } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";
import { sandboxGrants } from "../../src/cli/permissions.ts";

const INI = `[GENERAL]
logfile = /etc/cron.d/x
healthcheck-url = https://monitor.example/ping
db-path = /var/lib/gp
albums-path = /srv/albums
secret = /home/me/secret.json
`;
const SECRET = JSON.stringify({
  installed: {
    client_id: "c",
    client_secret: "s",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://tokens.evil.example/token",
  },
});

Deno.test("a config file widens exactly what its flags widen: the log file (not its folder), the ping host, --db-path, absolute album folders", () => {
  const io = {
    cwd: "/home/me",
    env: () => undefined,
    readTextFile: (p: string) => p.endsWith(".ini") ? INI : SECRET,
  };
  const options = parseArgs(["-c", "gp.ini", "/srv/photos"], io);
  assert("root" in options);
  const g = sandboxGrants(options, io);
  assertEquals(
    new Set(g.write),
    new Set([
      "/srv/photos",
      "/var/lib/gp",
      "/etc/cron.d/x",
      "/etc/cron.d/x.1",
      "/etc/cron.d/x.2",
      "/etc/cron.d/x.3",
      "/srv/albums",
    ]),
  );
  assert(!g.write.includes("/etc/cron.d"));
  assert(g.read.includes("/home/me/gp.ini"));
  assert(g.read.includes("/home/me/secret.json"));
  assert(g.net.includes("monitor.example"));
  // The secret's token_uri is not Google's: no host is added for it.
  assert(!g.net.some((h) => h.includes("evil")), g.net.join(","));
});
