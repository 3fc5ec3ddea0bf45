// The caps that keep a crafted export from filling memory: entry names,
// sidecar texts and people, and the texts one import keeps in all.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  capEntryName,
  MAX_ENTRY_NAME_BYTES,
  safeEntryPath,
} from "../../src/archive/entry_path.ts";
import {
  MAX_PEOPLE,
  MAX_TEXT_CHARS,
  parseItemMetadata,
} from "../../src/takeout/metadata.ts";
import {
  FactsTable,
  OVER_BUDGET_NOTE,
  TEXT_BUDGET_CHARS,
} from "../../src/takeout/item_facts.ts";

Deno.test("an entry name over 4096 bytes is cut to its start and refused with its length", () => {
  const fine = "a/".repeat(1000) + "x.jpg";
  assertEquals(capEntryName(fine), fine);
  const long = "é".repeat(MAX_ENTRY_NAME_BYTES); // 2 bytes each
  const kept = capEntryName(long);
  assert(kept.length < 300, `${kept.length} characters kept`);
  const safe = safeEntryPath(kept);
  assert(!safe.ok);
  assertEquals(
    safe.reason,
    `its name is ${
      2 * MAX_ENTRY_NAME_BYTES
    } bytes long (names over 4096 bytes are refused)`,
  );
});

Deno.test("sidecar texts are cut and say so; people are capped and unique", () => {
  const parsed = parseItemMetadata({
    title: "t".repeat(MAX_TEXT_CHARS + 5),
    description: "d".repeat(MAX_TEXT_CHARS * 4),
    people: Array.from(
      { length: MAX_PEOPLE * 3 },
      (_, i) => ({ name: `${i % (MAX_PEOPLE * 2)}${"n".repeat(1000)}` }),
    ),
    photoTakenTime: { timestamp: "1600000000" },
  });
  assert(parsed.ok);
  const item = parsed.value;
  assertMatch(item.description!, /\[cut from 65536 characters\]$/);
  assert(item.description!.length < MAX_TEXT_CHARS + 40);
  assertMatch(item.title!, /\[cut from 16389 characters\]$/);
  assertEquals(item.people.length, MAX_PEOPLE);
  assert(item.people.every((p) => p.length < 300));
  assert(parsed.warnings.some((w) => w.startsWith("description:")));
  assert(parsed.warnings.some((w) => w.startsWith("people:")));
});

Deno.test("past the import's text budget an item keeps a note instead of its texts", () => {
  const facts = new FactsTable();
  const text = "x".repeat(MAX_TEXT_CHARS);
  const rows: number[] = [];
  const n = TEXT_BUDGET_CHARS / MAX_TEXT_CHARS + 3;
  for (let i = 0; i < n; i++) {
    rows.push(facts.add({ description: text, people: ["A", "B"] }));
  }
  assertEquals(facts.get(rows[0]).description, text);
  assertEquals(facts.get(rows[0]).people, ["A", "B"]);
  const last = facts.get(rows[n - 1]);
  assertEquals(last.description, OVER_BUDGET_NOTE);
  assertEquals(last.people, []);
});
