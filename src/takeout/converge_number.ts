// Duplicate numbers after an import (see converge.ts): in each folder, the
// targets sharing a name take, in the order of capture time, key and
// content, the lowest numbers no other item of the folder holds. Items a
// later export stored there (its parts came first) are numbered again
// after them, as if that export had come after this one.

import { join } from "node:path";
import type { StatementSync } from "node:sqlite";
import { localFileName } from "../media/naming.ts";
import {
  chosenFile,
  type ConvergeInput,
  fileTarget,
  ITEM_INSERTED,
  newTarget,
  type Target,
} from "./converge_target.ts";
import { decidesItem, setOfSourceRef } from "./set.ts";

/** The targets going to one name of one folder. */
interface NameGroup {
  path: string;
  origFileName: string;
  members: Target[];
}

/** What numbering a folder's name looks up and keeps across groups. */
interface Numbering {
  input: ConvergeInput;
  targets: Map<string, Target>;
  /** The items of the folder with the name (see numberTargets). */
  sameName: StatementSync;
  /** The export a member is numbered as part of ("" for this one). */
  exportOf: Map<Target, string>;
}

/** Gives every target, and the items sharing its folder and name, its number. */
export async function numberTargets(
  targets: Map<string, Target>,
  input: ConvergeInput,
): Promise<void> {
  const { db, profile } = input;
  const groups = nameGroups(targets, input);
  const sql = db.database();
  const sameName = sql.prepare(
    profile.caseInsensitive
      ? "SELECT RemoteId, DuplicateNo, OrigFileName, SourceRef, Source FROM SyncFiles WHERE Path = ? AND lower(OrigFileName) = lower(?)"
      : "SELECT RemoteId, DuplicateNo, OrigFileName, SourceRef, Source FROM SyncFiles WHERE Path = ? AND OrigFileName = ?",
  );
  const hash = sql.prepare(
    "SELECT Sha256 FROM ContentHashes WHERE RemoteId = ?",
  );
  const contentOf = (t: Target) => String(hash.get(t.id)?.Sha256 ?? t.id);
  const numbering: Numbering = {
    input,
    targets,
    sameName,
    exportOf: new Map(),
  };
  const order = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  const { exportOf } = numbering;
  for (const group of [...groups.values()]) {
    const taken = await joinStored(group, numbering);
    group.members.sort((a, b) =>
      order(exportOf.get(a) ?? "", exportOf.get(b) ?? "") ||
      a.createDate.getTime() - b.createDate.getTime() ||
      order(a.key, b.key) ||
      order(contentOf(a), contentOf(b))
    );
    assign(group, taken, input);
  }
}

/**
 * The targets by folder and name, with the places they leave (the items
 * of this import left there may move down a number).
 */
function nameGroups(
  targets: Map<string, Target>,
  input: ConvergeInput,
): Map<string, NameGroup> {
  const { caseInsensitive } = input.profile;
  const groups = new Map<string, NameGroup>();
  const group = (path: string, origFileName: string) => {
    const name = caseInsensitive ? origFileName.toLowerCase() : origFileName;
    const k = `${path}\u0000${name}`;
    let g = groups.get(k);
    if (g === undefined) {
      groups.set(k, g = { path, origFileName, members: [] });
    }
    return g;
  };
  for (const t of targets.values()) {
    group(t.path, t.origFileName).members.push(t);
    group(t.stored.path, t.stored.origFileName);
  }
  return groups;
}

/**
 * Adds to a group the items of the index already at its name: those of
 * this import stored as the plan says, and those a later export stored
 * (numbered again with the group); the numbers the others hold.
 */
async function joinStored(
  group: NameGroup,
  numbering: Numbering,
): Promise<Set<number>> {
  const { input, targets, sameName, exportOf } = numbering;
  const { db, profile, setName, plan } = input;
  const { path, origFileName, members } = group;
  const taken = new Set<number>();
  for (const row of sameName.all(path, origFileName)) {
    if (
      profile.caseInsensitive &&
      String(row.OrigFileName).toLowerCase() !== origFileName.toLowerCase()
    ) continue;
    const id = String(row.RemoteId);
    if (targets.has(id)) continue;
    const ref = row.SourceRef === null ? undefined : String(row.SourceRef);
    if (row.Source === "takeout" && decidesItem(ref, plan.parts, setName)) {
      const member = await asPlanned(id, group, input, targets);
      if (member !== undefined) {
        targets.set(id, member);
        members.push(member);
        continue;
      }
    }
    const later = row.Source === "takeout" && setName !== undefined
      ? setOfSourceRef(ref)
      : undefined;
    const stored = later !== undefined && later > setName!
      ? db.getItem(id)
      : undefined;
    if (stored !== undefined) {
      const extras = db.getItemExtras(id);
      const passive = newTarget(id, stored, extras, -1, undefined, []);
      exportOf.set(passive, later!);
      targets.set(id, passive);
      members.push(passive);
    } else taken.add(Number(row.DuplicateNo));
  }
  return taken;
}

/**
 * An item of this import stored as the plan says, as a target numbered
 * with the others of its group; undefined when it is not where the plan
 * puts it (it keeps its number there).
 */
async function asPlanned(
  id: string,
  group: NameGroup,
  input: ConvergeInput,
  targets: ReadonlyMap<string, Target>,
): Promise<Target | undefined> {
  const { db, plan, done, flags } = input;
  const item = plan.itemOfKey(id);
  const stored = item < 0 || done.get(id) !== id ? undefined : db.getItem(id);
  const file = item < 0 ? undefined : chosenFile(plan, item);
  if (stored === undefined || file === undefined) return undefined;
  const member = newTarget(id, stored, db.getItemExtras(id), item, file, []);
  await fileTarget(
    member,
    file,
    input,
    (flags[item] & ITEM_INSERTED) !== 0,
    targets,
  );
  return member.path === group.path &&
      member.origFileName === group.origFileName
    ? member
    : undefined;
}

/**
 * The lowest numbers free, in the members' order. A file the index does
 * not know at a name a member would take (put there by hand) is not
 * written over: that number is skipped.
 */
function assign(
  { path, origFileName, members }: NameGroup,
  taken: Set<number>,
  input: ConvergeInput,
): void {
  const held = new Set(
    members.map((t) => join(t.stored.path, t.stored.fileName)),
  );
  const foreign = (n: number) => {
    const rel = join(path, localFileName(origFileName, n, input.profile));
    if (held.has(rel)) return false;
    try {
      Deno.lstatSync(join(input.options.root, rel));
      return true;
    } catch {
      return false;
    }
  };
  let n = 0;
  for (const t of members) {
    while (taken.has(n) || foreign(n)) n++;
    t.duplicateNo = n;
    taken.add(n);
  }
}
