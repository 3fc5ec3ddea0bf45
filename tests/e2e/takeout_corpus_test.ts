// The peer corpus (cases in takeout_corpus_cases.ts): each case runs as an
// unpacked folder, a zip and a tgz, in two entry orders (see
// takeout_corpus.ts), one test per source file.

import { type CorpusCase, runCases } from "./takeout_corpus.ts";
import { CORPUS } from "./takeout_corpus_cases.ts";

// One test per source file, its cases a few at a time.
const bySource = new Map<string, CorpusCase[]>();
for (const c of CORPUS) {
  const source = c.from.replace(/[,(:].*$/, "").trim();
  const list = bySource.get(source);
  if (list === undefined) bySource.set(source, [c]);
  else list.push(c);
}
for (const [source, cases] of bySource) {
  Deno.test(
    `peer corpus: ${source} (${cases.length} cases, 6 imports each)`,
    () => runCases(cases),
  );
}
