// The fixed Takeout export of scripts/snapshot.ts: N items over several
// years with the shapes a real export has — a sidecar for each (some in the
// next part, as Takeout splits them), the same upload name in several
// months, edited copies, album folders of copies with their metadata.json,
// a trashed item, a file of another product. Every byte follows from N.

import {
  type ExportFile,
  placeholder,
  sidecarJson,
  supplementalName,
  utf8,
} from "../tests/e2e/takeout_export.ts";

const ROOT = "Takeout/Google Photos";

export function bulkExport(n: number): ExportFile[] {
  const files: ExportFile[] = [];
  const albums = ["Holidays", "Family", "Café ☕"];
  for (let i = 0; i < n; i++) {
    const year = 2015 + (i % 9);
    const month = String(1 + (i * 7) % 12).padStart(2, "0");
    const day = String(1 + (i * 5) % 28).padStart(2, "0");
    // Every fifth name repeats: the same upload name in other months.
    const name = i % 5 === 0
      ? `IMG_${String(i % 20).padStart(4, "0")}.jpg`
      : i % 11 === 0
      ? `VID_${String(i).padStart(5, "0")}.mp4`
      : `PXL_${year}${month}${day}_${String(i).padStart(6, "0")}.jpg`;
    const folder = `${ROOT}/Photos from ${year}`;
    const taken = `${year}-${month}-${day}T${
      String(i % 24).padStart(2, "0")
    }:15:00Z`;
    const data = placeholder(
      name.endsWith(".mp4") ? "mp4" : "jpg",
      i,
      400 + i % 300,
    );
    files.push({ path: `${folder}/${name}`, data, part: 0 });
    files.push({
      path: `${folder}/${supplementalName(name)}`,
      data: sidecarJson({
        title: name,
        taken,
        id: `bulk${i}`,
        description: i % 3 === 0 ? `photo ${i}` : "",
        ...(i % 4 === 0
          ? { geo: [48.85 + i / 1000, 2.35, 35] as [number, number, number] }
          : {}),
        ...(i === 7 ? { trashed: true } : {}),
      }),
      // One sidecar in eight arrives in the next part.
      part: i % 8 === 1 ? 1 : 0,
    });
    if (i % 13 === 2 && name.endsWith(".jpg")) {
      const edited = name.replace(/\.jpg$/, "-edited.jpg");
      files.push({
        path: `${folder}/${edited}`,
        data: placeholder("edited", i),
        part: 1,
      });
    }
    if (i % 6 === 0) {
      const title = albums[(i / 6) % albums.length];
      files.push({ path: `${ROOT}/${title}/${name}`, data, part: i % 2 });
      files.push({
        path: `${ROOT}/${title}/${supplementalName(name)}`,
        data: sidecarJson({ title: name, taken, id: `bulk${i}` }),
        part: i % 2,
      });
    }
  }
  for (const [k, title] of albums.entries()) {
    files.push({
      path: `${ROOT}/${title}/metadata.json`,
      data: utf8.encode(JSON.stringify({
        title,
        description: k === 0 ? "Summer trips" : "",
        access: "",
        date: { timestamp: String(1500000000 + k * 86400), formatted: "" },
      })),
      part: 1,
    });
  }
  files.push({
    path: "Takeout/archive_browser.html",
    data: utf8.encode("<html>Takeout</html>"),
    part: 0,
  });
  return files;
}
