// deno-lint-ignore-file no-console -- it answers on its output
// `deno run tests/fs/lock_child.ts DIR`: tries the run lock of DIR once, in
// a process of its own, and prints what came of it as JSON. A lock check
// against another program's POSIX lock goes through SQLite, whose lock
// table is the process's: run after other tests in the test process, the
// check was seen answering "free" while the lock was held.

import { acquireLock } from "../../src/fs/lock.ts";

const result = await acquireLock(Deno.args[0], { heartbeatMs: 0 });
console.log(JSON.stringify(
  result.acquired
    ? { acquired: true }
    : { acquired: false, program: result.holder.program },
));
if (result.acquired) result.lock.release();
