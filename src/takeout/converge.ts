// After a Takeout import has written what was new, every item the export
// decides is brought to what the whole export says of it, whatever the
// order in which its files and sidecars came:
//
// - an item stored without a sidecar's facts takes them when its sidecar
//   turns up (in a later part, in a later run, beside an identical copy, or
//   as an album's lone sidecar): its key, date, place in photos/YYYY/MM,
//   description, GPS, XMP and file time;
// - edited copies and video halves follow their original;
// - items of the export that share a month folder and a name are numbered
//   `(2)`, `(3)` by capture time, then by key (the sidecar's photo id, or
//   the name and size), then by their bytes' SHA-256, never by the order
//   files came in.
//
// Only items this export decides are touched: those of its parts, those a
// later export stored (its parts came first; exports count in order), and
// those stored without any sidecar's facts. An item an earlier export or
// another source placed keeps its place, so a later export changes album
// folders only where albums changed. Files move through the ItemMoves
// journal (item_moves.ts).

import type { IndexedItem } from "../db/local_data.ts";
import { applyTargets } from "./converge_apply.ts";
import { numberTargets } from "./converge_number.ts";
import {
  chosenFile,
  type ConvergeInput,
  type ConvergeResult,
  factsOnly,
  fileTarget,
  ITEM_INSERTED,
  ITEM_NUMBERED,
  ITEM_RECHECK,
  ITEM_SETTLED,
  newTarget,
  type Target,
} from "./converge_target.ts";
import type { PlannedFile } from "./plan.ts";
import { decidesItem } from "./set.ts";

export type {
  ConvergeInput,
  ConvergeResult,
  DoneMap,
} from "./converge_target.ts";

export async function convergeItems(
  input: ConvergeInput,
): Promise<ConvergeResult> {
  const result: ConvergeResult = {
    completed: 0,
    moved: 0,
    dated: new Set(),
    changed: new Set(),
  };
  const targets = new Map<string, Target>();
  const companions: Target[] = [];
  for (const [id, items] of storedCandidates(input)) {
    const target = await targetOf(id, items, input, targets);
    if (target === undefined) continue;
    if (target.file?.companionOf !== undefined) companions.push(target);
    targets.set(id, target);
  }
  // Edits and video halves go beside their original, with its date.
  for (const target of companions) {
    await fileTarget(target, target.file!, input, false, targets);
  }

  await numberTargets(targets, input);
  await applyTargets(targets, input, result);
  return result;
}

/**
 * The items that may differ from what the whole export says, by the
 * stored item they are (identical copies share one): those the import
 * found stored otherwise (another key, identical bytes, another copy, a
 * later export), stored with a duplicate number, edits and video halves
 * (their original may move), and those an album's lone sidecar names. The
 * others were stored as this plan says (their numbers are looked at with
 * their folder's, see converge_number.ts).
 */
function storedCandidates(input: ConvergeInput): Map<string, number[]> {
  const { plan, done, flags, referenceFacts } = input;
  const candidates = new Set<number>();
  for (let item = 0; item < plan.itemCount; item++) {
    const f = flags[item];
    if (f & ITEM_SETTLED) continue;
    if (f & (ITEM_NUMBERED | ITEM_RECHECK)) candidates.add(item);
    else if (
      plan.companionOf(plan.copies(item)[0]) !== undefined &&
      done.get(plan.itemKey(item)) !== undefined
    ) candidates.add(item);
  }
  for (const [item, id] of done.elsewhere?.() ?? []) {
    if (flags[item] & ITEM_SETTLED) continue;
    candidates.add(item);
    const own = plan.itemOfKey(id);
    if (own >= 0) candidates.add(own);
  }
  const byStored = new Map<string, number[]>();
  for (const item of candidates) {
    const id = done.get(plan.itemKey(item));
    if (id === undefined) continue;
    const list = byStored.get(id);
    if (list === undefined) byStored.set(id, [item]);
    else list.push(item);
  }
  for (const id of referenceFacts.keys()) {
    if (!byStored.has(id)) byStored.set(id, []);
  }
  return byStored;
}

/**
 * What stored item `id` (the plan's `items`) must become, or undefined
 * when this import leaves it be. A companion's target is left for its
 * original's to be known (see convergeItems).
 */
async function targetOf(
  id: string,
  items: readonly number[],
  input: ConvergeInput,
  targets: ReadonlyMap<string, Target>,
): Promise<Target | undefined> {
  const { plan, flags, db, referenceFacts } = input;
  const stored = db.getItem(id);
  if (stored === undefined || stored.source !== "takeout") return undefined;
  const extras = db.getItemExtras(id);
  const files = items.map((item) => chosenFile(plan, item));
  const ref = referenceFacts.get(id);
  const owner = ownerOf(files);
  let file = owner < 0 ? undefined : files[owner];
  const hadFacts = extras?.dateSource === "sidecar";
  if (
    ref !== undefined && !hadFacts &&
    (file === undefined || (file.meta === undefined && !file.companionOf))
  ) {
    file = file === undefined
      ? undefined
      : { ...file, meta: ref, match: { ...file.match } };
  }
  if (file === undefined && ref === undefined) return undefined;
  const upgrade = !hadFacts && (sidecarDated(file) || file === undefined);
  // An album's lone sidecar adds facts only to an item that had none.
  if (file === undefined && !upgrade) return undefined;
  const inserted = items.some((item) => flags[item] & ITEM_INSERTED);
  if (!owned(stored, input) && !inserted && !upgrade) return undefined;
  const target = newTarget(
    id,
    stored,
    extras,
    owner < 0 ? -1 : items[owner],
    file,
    files.flatMap((f, i) => f !== undefined && i !== owner ? [f.key] : []),
  );
  if (file === undefined) {
    // An album's lone sidecar names an item of the backup that is no
    // file of this export: the item takes its facts, keeps its name.
    factsOnly(target, ref!, input);
  } else if (file.companionOf !== undefined) {
    return target;
  } else {
    await fileTarget(target, file, input, inserted, targets);
  }
  if (upgrade && ref !== undefined && file?.meta === ref) {
    target.newExtras.matchedBy = "album-sidecar";
  }
  return target;
}

function sidecarDated(f: PlannedFile | undefined): boolean {
  return f?.meta?.photoTakenTime !== undefined;
}

/**
 * The file the bytes are, among an item's files (identical copies): one
 * with a sidecar's date first, then the smallest key; the others are its
 * aliases. -1 when none is a file of this export.
 */
function ownerOf(files: readonly (PlannedFile | undefined)[]): number {
  let owner = -1;
  files.forEach((f, i) => {
    if (f === undefined) return;
    if (owner < 0) {
      owner = i;
      return;
    }
    const a = sidecarDated(f) ? 1 : 0;
    const b = sidecarDated(files[owner]) ? 1 : 0;
    if (a > b || (a === b && f.key < files[owner]!.key)) owner = i;
  });
  return owner;
}

/** Whether this import decides a stored item (see decidesItem). */
function owned(item: IndexedItem, input: ConvergeInput): boolean {
  return decidesItem(item.sourceRef, input.plan.parts, input.setName);
}
