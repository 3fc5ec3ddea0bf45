// `gphotos-sync pick ROOT`: a Picker API session. Sign in with the Picker
// scope (consent for it, keeping the scopes already granted, when the token
// lacks it), create a session, show its link (and a QR code on a terminal),
// wait while the person picks on any device, then index and download what
// was picked into the same layout and index as `sync`, file it under
// --album, and delete the session. A session whose items were picked but
// not all fetched stays in the index (PickerSessions) and at Google until
// it expires: `pick --resume` finishes it. The exit codes are sync's.

import { withBackup } from "../backup/session.ts";
import { shellWord } from "../text/shell_word.ts";
import { resolve } from "node:path";
import type { PickOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import {
  type PickerSessionRecord,
  PickerSessions,
} from "../db/picker_sessions.ts";
import { ExitCode, GphotosError, InterruptedError } from "../errors.ts";
import type { CommandResult } from "../backup/context.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import {
  DEFAULT_PICKER_API,
  PickerClient,
  PickerSessionGoneError,
  type PickingSession,
} from "../google/picker.ts";
import { SCOPE_PICKER } from "../google/scopes.ts";
import {
  type AlbumLinksResult,
  reconcileAlbumLinks,
} from "../backup/album_links.ts";
import type { BadIds } from "../backup/bad_ids.ts";
import type { RunContext } from "../backup/context.ts";
import { type GoogleSession, openGoogleSession } from "./google_session.ts";
import { ItemFetcher } from "../backup/item_fetch.ts";
import { fileInAlbum, type PickAlbumResult } from "../picker/album.ts";
import { downloadPicked, type PickDownloadResult } from "../picker/download.ts";
import { indexPicked, type PickPlan } from "../picker/index.ts";
import { showPickerLink } from "../picker/link.ts";
import { PickWaitError, waitForPick, whenText } from "../picker/wait.ts";
import {
  createProgress,
  noProgress,
  type Progress,
} from "../backup/progress.ts";
import { formatBytes } from "../text/format.ts";

/** How long a session delete may take when the run is ending anyway. */
const DELETE_TIMEOUT_MS = 15_000;

export async function runPick(
  options: PickOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  // The Picker scope is what this command reads with, whatever --scope says.
  const scopes = options.scopes.includes(SCOPE_PICKER)
    ? options.scopes
    : [...options.scopes, SCOPE_PICKER];
  const google = await openGoogleSession({ ...options, scopes }, ctx, "picker");
  return await withBackup<CommandResult>(
    options,
    ctx,
    { busy: { failed: 0 } },
    ({ db, profile, badIds }) =>
      new PickRun(options, ctx, google, db, profile, badIds).run(),
  );
}

class PickRun {
  readonly #picker: PickerClient;
  readonly #sessions: PickerSessions;
  readonly #started: number;
  /** The command lines messages suggest. */
  readonly #again: string;
  readonly #resumeCmd: string;

  constructor(
    private options: PickOptions,
    private ctx: RunContext,
    private google: GoogleSession,
    private db: LocalData,
    private profile: FsProfile,
    private badIds: BadIds,
  ) {
    this.#picker = new PickerClient({
      http: google.http,
      auth: google.auth,
      baseUrl: ctx.env("GPHOTOS_PICKER_API") || DEFAULT_PICKER_API,
    });
    this.#sessions = new PickerSessions(db, ctx.now);
    this.#started = ctx.now().getTime();
    const root = shellWord(resolve(options.root));
    this.#again = `gphotos-sync pick ${root}`;
    this.#resumeCmd = `gphotos-sync pick --resume ${root}`;
  }

  async run(): Promise<CommandResult> {
    const opened = this.options.resume
      ? await this.#resume()
      : await this.#start();
    if (opened === undefined) return { failed: 0 };
    const { record, resumed } = opened;
    let session = opened.session;
    if (!session.mediaItemsSet) session = await this.#wait(session);
    const id = session.id;
    this.#sessions.setState(id, "picked", { expireTime: session.expireTime });
    const albumName = this.options.album ?? record.albumName;
    try {
      const picked = await this.#picker.listAll(id, {
        signal: this.ctx.signal,
      });
      this.#sessions.setState(id, "picked", { itemCount: picked.length });
      this.ctx.tell(
        `${picked.length} item${picked.length === 1 ? "" : "s"} picked.`,
      );
      const plan = indexPicked(picked, id, this.options, {
        db: this.db,
        profile: this.profile,
        logger: this.ctx.logger,
      });
      const downloaded = await this.#download(plan, session);
      let album: PickAlbumResult | undefined;
      let links: AlbumLinksResult | undefined;
      if (albumName !== undefined) {
        album = fileInAlbum(this.db, albumName, plan.members);
        links = await reconcileAlbumLinks(this.options, {
          db: this.db,
          profile: this.profile,
          ctx: this.ctx,
        });
      }
      // Done in the index before the session goes at Google: a run stopped
      // in between leaves a session Google ends when it expires, never a
      // record of an unfinished pick Google no longer knows.
      this.#sessions.setState(id, "done");
      await this.#delete(id);
      return this.#report(
        id,
        resumed,
        plan,
        downloaded,
        albumName,
        album,
        links,
      );
    } catch (e) {
      throw this.#afterPicking(e, id, session.expireTime);
    }
  }

  /** A new session: created, recorded, shown. */
  async #start(): Promise<Opened> {
    const now = this.ctx.now().getTime();
    for (const rec of this.#sessions.unfinished()) {
      if (rec.expireTime !== undefined && rec.expireTime.getTime() <= now) {
        this.#sessions.setState(rec.id, "abandoned");
        continue;
      }
      this.ctx.tell(
        `An earlier pick session (started ${whenText(rec.createTime)}${
          rec.itemCount === undefined ? "" : `, ${rec.itemCount} items`
        }) was not finished; \`${this.#resumeCmd}\` can finish it${
          rec.expireTime ? ` until ${whenText(rec.expireTime)}` : ""
        }. Starting a new one.`,
      );
    }
    const session = await this.#picker.createSession(this.options.maxItems, {
      signal: this.ctx.signal,
    });
    this.#sessions.add({
      id: session.id,
      pickerUri: session.pickerUri,
      expireTime: session.expireTime,
      albumName: this.options.album,
      maxItems: this.options.maxItems,
    });
    await this.#show(session);
    return {
      session,
      record: this.#sessions.get(session.id)!,
      resumed: false,
    };
  }

  /** The newest unfinished session, if Google still has it. */
  async #resume(): Promise<Opened | undefined> {
    const record = this.#sessions.lastUnfinished();
    if (record === undefined) {
      this.ctx.tell(
        `No unfinished pick session in the index: nothing to resume. Run \`${this.#again}\` to pick items.`,
      );
      return undefined;
    }
    let session: PickingSession;
    try {
      session = await this.#picker.getSession(record.id, {
        signal: this.ctx.signal,
      });
    } catch (e) {
      if (!(e instanceof PickerSessionGoneError)) throw e;
      this.#sessions.setState(record.id, "abandoned");
      const left = this.#notDownloaded(record.id);
      throw new GphotosError(
        `Cannot resume the pick session started ${
          whenText(record.createTime)
        }: ${
          e.reason === "expired"
            ? "it has expired"
            : "Google no longer knows it"
        }${
          left > 0 ? `, and ${left} picked items were not downloaded` : ""
        }. Run \`${this.#again}\` and pick them again.`,
        ExitCode.failed,
        { cause: e },
      );
    }
    this.ctx.tell(
      `Resuming the pick session started ${whenText(record.createTime)}${
        session.expireTime
          ? ` (it lasts until ${whenText(session.expireTime)})`
          : ""
      }.`,
    );
    if (!session.mediaItemsSet) await this.#show(session);
    return { session, record, resumed: true };
  }

  async #show(session: PickingSession): Promise<void> {
    await showPickerLink(
      {
        sessionId: session.id,
        pickerUri: session.pickerUri,
        expireTime: session.expireTime,
        maxItems: session.maxItemCount,
      },
      { json: this.options.json },
      this.ctx,
    );
    const max = session.maxItemCount ?? this.options.maxItems;
    this.ctx.tell(
      `Open the link${
        this.ctx.isTty ? " (or scan the QR code)" : ""
      } on a phone or computer signed in to your Google account, choose up ` +
        `to ${max} photos and videos, then press Done.`,
    );
    this.ctx.tell(
      `Waiting for the pick${
        session.expireTime
          ? `; the link works until ${whenText(session.expireTime)}`
          : ""
      }${
        this.options.timeout !== undefined
          ? ` (giving up after ${this.options.timeout} s)`
          : ""
      }. Ctrl-C cancels.`,
    );
  }

  /** Waits for Done; nothing picked means the session is deleted. */
  async #wait(session: PickingSession): Promise<PickingSession> {
    try {
      return await waitForPick(session, {
        picker: this.#picker,
        now: this.ctx.now,
        sleep: this.ctx.sleep,
        signal: this.ctx.signal,
        logger: this.ctx.logger,
      }, { timeoutSec: this.options.timeout, again: this.#again });
    } catch (e) {
      if (this.ctx.signal.aborted || e instanceof PickWaitError) {
        await this.#delete(session.id);
        this.#sessions.setState(session.id, "abandoned");
      }
      if (this.ctx.signal.aborted) {
        this.ctx.tell(
          "Stopped waiting for the pick; the picker session was deleted.",
        );
        throw new InterruptedError(
          "Interrupted while waiting for the pick; the picker session was deleted.",
        );
      }
      throw e;
    }
  }

  async #download(
    plan: PickPlan,
    session: PickingSession,
  ): Promise<PickDownloadResult> {
    const { ctx, options } = this;
    const progress: Progress = options.progress
      ? createProgress({
        write: ctx.stderr,
        isTty: ctx.isTty,
        now: () => ctx.now().getTime(),
      })
      : noProgress;
    const fetcher = new ItemFetcher({
      root: options.root,
      http: this.google.http,
      profile: this.profile,
      logger: ctx.logger,
      sleep: ctx.sleep,
      imageTimeout: options.imageTimeout,
      videoTimeout: options.videoTimeout,
      // Picker baseUrls answer 401 without the Bearer header.
      auth: this.google.auth,
    });
    return await downloadPicked(plan.toFetch, {
      picker: this.#picker,
      sessionId: session.id,
      expireTime: session.expireTime,
      db: this.db,
      http: this.google.http,
      fetcher,
      badIds: this.badIds,
      ctx,
      progress,
      maxThreads: options.maxThreads,
    });
  }

  /** sessions.delete, even when the run was interrupted; failures are logged. */
  async #delete(id: string): Promise<void> {
    try {
      await this.#picker.deleteSession(id, {
        signal: AbortSignal.timeout(DELETE_TIMEOUT_MS),
      });
      this.ctx.logger.info(`Deleted the picker session ${id}.`);
    } catch (e) {
      this.ctx.logger.warn(
        `Could not delete the picker session ${id} (${
          (e as Error).message
        }); Google ends it when it expires.`,
      );
    }
  }

  /** The error to raise when a run fails after the person picked. */
  #afterPicking(e: unknown, id: string, expireTime: Date | undefined): unknown {
    if (e instanceof PickerSessionGoneError) {
      this.#sessions.setState(id, "abandoned");
      const left = this.#notDownloaded(id);
      return new GphotosError(
        `${e.message}${
          left > 0 ? ` ${left} picked items were not downloaded.` : ""
        }`,
        ExitCode.failed,
        { cause: e },
      );
    }
    // The session stays open at Google and recorded here: --resume can
    // finish it while it lives.
    this.ctx.tell(
      `The picked items stay available${
        expireTime ? ` until ${whenText(expireTime)}` : ""
      }: run \`${this.#resumeCmd}\` to finish their download.`,
    );
    return e;
  }

  /** Picker rows of the session not on disk yet. */
  #notDownloaded(id: string): number {
    let n = 0;
    for (const item of this.db.itemsToDownload({ source: "picker" })) {
      if (item.sourceRef === id) n++;
    }
    return n;
  }

  #report(
    sessionId: string,
    resumed: boolean,
    plan: PickPlan,
    dl: PickDownloadResult,
    albumName: string | undefined,
    album: PickAlbumResult | undefined,
    links: AlbumLinksResult | undefined,
  ): CommandResult {
    const { options, badIds } = this;
    const seconds = (this.ctx.now().getTime() - this.#started) / 1000;
    const parts = [`${plan.listed} picked`, `${plan.added} new items indexed`];
    if (plan.alreadyBackedUp > 0) {
      parts.push(`${plan.alreadyBackedUp} already in the backup`);
    }
    if (plan.skippedVideos > 0) {
      parts.push(`${plan.skippedVideos} videos skipped (--skip-video)`);
    }
    parts.push(`${dl.downloaded} downloaded (${formatBytes(dl.bytes)})`);
    if (dl.alreadyOnDisk > 0) {
      parts.push(`${dl.alreadyOnDisk} found already on disk`);
    }
    if (dl.stillProcessing.length > 0) {
      parts.push(
        `${dl.stillProcessing.length} videos still processing at Google (pick them again later)`,
      );
    }
    if (dl.failed > 0) {
      parts.push(`${dl.failed} failed (listed in ${badIds.file})`);
    }
    if (album && links) {
      const changed = links.created + links.replaced + links.removed;
      parts.push(
        `album "${albumName}" of ${album.items} items (${changed} links changed)`,
      );
    }
    return {
      // A video still processing at Google is not backed up yet.
      failed: dl.failed + dl.stillProcessing.length,
      summary: `gphotos-sync: ${parts.join(", ")} in ${seconds.toFixed(1)} s.`,
      report: (code: ExitCode) => ({
        event: "summary",
        root: options.root,
        exitCode: code,
        seconds,
        sessionId,
        resumed,
        picked: plan.listed,
        indexed: { added: plan.added, matchedByName: plan.matchedByName },
        alreadyBackedUp: plan.alreadyBackedUp,
        skippedVideos: plan.skippedVideos,
        downloaded: {
          items: dl.downloaded,
          bytes: dl.bytes,
          alreadyOnDisk: dl.alreadyOnDisk,
          failed: dl.failed,
        },
        videosStillProcessing: dl.stillProcessing.map((i) => ({
          id: i.remoteId,
          path: `${i.path}/${i.fileName}`,
        })),
        album: album && links
          ? {
            name: albumName,
            id: album.albumId,
            items: album.items,
            added: album.added,
            links: {
              created: links.created,
              replaced: links.replaced,
              removed: links.removed,
            },
          }
          : null,
        badIds: { added: badIds.added },
      }),
    };
  }
}

interface Opened {
  session: PickingSession;
  record: PickerSessionRecord;
  resumed: boolean;
}
