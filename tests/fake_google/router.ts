// Routing for the fake Google server: each concern (library, media, OAuth,
// later Picker) contributes a list of routes; every route names the request
// class that faults, logs and counts use.

/** Request classes; other modules may add their own (e.g. Picker routes). */
export type RequestClass =
  | "list"
  | "search"
  | "batchGet"
  | "get"
  | "albums"
  | "sharedAlbums"
  | "media"
  | "token"
  | "auth"
  | "unknown"
  | (string & Record<never, never>);

export interface RouteContext {
  url: URL;
  /** The route pattern's match on the path name. */
  match: RegExpExecArray;
  /** Aborts when the client's connection closes or the server shuts down. */
  signal: AbortSignal;
}

export interface Route {
  method: string;
  /** Matched against the whole path name (anchor it). */
  pattern: RegExp;
  requestClass: RequestClass;
  handle(req: Request, ctx: RouteContext): Response | Promise<Response>;
}

export interface RouteMatch {
  route: Route;
  match: RegExpExecArray;
}

export class Router {
  readonly #routes: Route[] = [];

  add(...routes: Route[]): void {
    this.#routes.push(...routes);
  }

  /** First route whose method and pattern match. */
  find(method: string, pathname: string): RouteMatch | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(pathname);
      if (match !== null) return { route, match };
    }
    return undefined;
  }
}
