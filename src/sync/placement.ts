// Where a new item lands: its date folder, its sanitized original name and
// its duplicate number, decided once when it is first indexed and then kept
// (gphotos-sync never moved a file it had placed). Shared by every source.

import type { LocalData } from "../db/local_data.ts";
import type { ItemPlacement } from "../db/rows.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { mediaFolder } from "../media/date_path.ts";
import { localFileName, originalName } from "../media/naming.ts";
import type { MediaRecord } from "../media/record.ts";

export interface PlacementLayout {
  photosPath: string;
  useFlatPath: boolean;
}

export function placeRecord(
  db: LocalData,
  record: MediaRecord,
  profile: FsProfile,
  layout: PlacementLayout,
): ItemPlacement {
  const path = mediaFolder(record.createTime, layout);
  const origFileName = originalName(
    record.filename || record.remoteId,
    profile,
  );
  const duplicateNo = db.nextDuplicateNo(
    path,
    origFileName,
    profile.caseInsensitive,
  );
  return {
    path,
    origFileName,
    duplicateNo,
    fileName: localFileName(origFileName, duplicateNo, profile),
  };
}
