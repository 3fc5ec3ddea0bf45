// Small helpers shared by the fake server's own tests: authenticated JSON
// calls with plain fetch, and assertions without @std (JSR is unreachable).

import type { FakeGoogle } from "./server.ts";

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** GET or POST under the server's base URL with a Bearer token; the body is
 * parsed as JSON when it is JSON, else returned as text under `text`. */
export async function call<T = Record<string, unknown>>(
  google: FakeGoogle,
  token: string | undefined,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(google.url + path, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = (res.headers.get("content-type") ?? "").includes("json")
    ? JSON.parse(text)
    : { text };
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export interface ItemJson {
  id: string;
  filename: string;
  baseUrl: string;
  productUrl: string;
  mimeType: string;
  description?: string;
  mediaMetadata: {
    creationTime: string;
    width: string;
    height: string;
    photo?: Record<string, unknown>;
    video?: {
      status?: string;
      fps?: number;
      cameraMake?: string;
      cameraModel?: string;
    };
  };
  contributorInfo?: { displayName: string; profilePictureBaseUrl: string };
}

export interface ItemsPage {
  mediaItems?: ItemJson[];
  nextPageToken?: string;
  error?: { code: number; message: string; status: string };
}

/** Follows nextPageToken to the end; returns every page as received. */
export async function allPages(
  google: FakeGoogle,
  token: string,
  path: string,
  search?: Record<string, unknown>,
): Promise<ItemsPage[]> {
  const pages: ItemsPage[] = [];
  let pageToken: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    let answer: Answer<ItemsPage>;
    if (search !== undefined) {
      answer = await call<ItemsPage>(google, token, path, {
        ...search,
        pageToken,
      });
    } else {
      const sep = path.includes("?") ? "&" : "?";
      const q = pageToken === undefined
        ? ""
        : `${sep}pageToken=${encodeURIComponent(pageToken)}`;
      answer = await call<ItemsPage>(google, token, path + q);
    }
    if (answer.status !== 200) {
      throw new Error(
        `${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
    pages.push(answer.body);
    pageToken = answer.body.nextPageToken;
    if (pageToken === undefined) return pages;
  }
  throw new Error("paging never ended");
}

export function assertEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    throw new Error(
      `${message ?? "values differ"}\n  actual:   ${a}\n  expected: ${e}`,
    );
  }
}

export function assert(
  condition: unknown,
  message = "assertion failed",
): asserts condition {
  if (!condition) throw new Error(message);
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  check: (e: unknown) => boolean,
  message: string,
): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    if (!check(e)) {
      throw new Error(`${message}: rejected with the wrong error: ${e}`);
    }
    return e;
  }
  throw new Error(`${message}: did not reject`);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
