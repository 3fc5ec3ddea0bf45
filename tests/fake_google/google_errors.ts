// Google's error answers: the JSON envelope of its APIs, and the exception
// routes throw to produce one from deep inside request parsing.

/** google.rpc.Code names by HTTP status, as Google's JSON errors report them. */
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  412: "FAILED_PRECONDITION",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Request contains an invalid argument.",
  401:
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
  403: "The caller does not have permission",
  404: "Requested entity was not found.",
  429:
    "Quota exceeded for quota metric 'All requests' and limit 'All requests per minute per user' of service 'photoslibrary.googleapis.com'.",
  500: "Internal error encountered.",
  503: "The service is currently unavailable.",
  504: "The request timed out. Please try again.",
};

export const INSUFFICIENT_SCOPES =
  "Request had insufficient authentication scopes.";

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? "UNKNOWN";
}

/** `{"error": {"code", "message", "status"}}` with the given HTTP status. */
export function googleError(
  status: number,
  message?: string,
  headers?: HeadersInit,
  statusText?: string,
): Response {
  const body = {
    error: {
      code: status,
      message: message ?? DEFAULT_MESSAGES[status] ?? "Error",
      status: statusText ?? statusName(status),
    },
  };
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=UTF-8");
  return new Response(JSON.stringify(body, null, 2), { status, headers: h });
}

/**
 * Google's front end answers 502 with an HTML page, not the JSON envelope;
 * a client that assumes JSON on every error meets this in the wild.
 */
export function badGatewayPage(): Response {
  return new Response(
    "<!DOCTYPE html>\n<html lang=en><title>Error 502 (Server Error)!!1</title>" +
      "<p><b>502.</b> <ins>That’s an error.</ins><p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds. <ins>That’s all we know.</ins></html>\n",
    { status: 502, headers: { "content-type": "text/html; charset=UTF-8" } },
  );
}

/** Thrown by request parsing; the route turns it into a Google error. */
export class HttpFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpFailure";
    this.status = status;
  }

  toResponse(): Response {
    return googleError(this.status, this.message);
  }
}

export function invalidArgument(message: string): HttpFailure {
  return new HttpFailure(400, message);
}

export function json(
  body: unknown,
  status = 200,
  headers?: HeadersInit,
): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=UTF-8");
  return new Response(JSON.stringify(body, null, 2), { status, headers: h });
}
