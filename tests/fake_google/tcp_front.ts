// A TCP relay in front of the Deno.serve server. Deno.serve cannot drop a
// connection without answering, so resets happen here: the server finds the
// client connection by the relay's port it sees as the peer, and closes it,
// and the client's fetch rejects with a network error as with a real reset.
// It also tells routes when a client went away (stalled requests end then).

interface Pair {
  client: Deno.Conn;
  backend: Deno.Conn;
  closed: AbortController;
  /** Requests seen on this connection so far. */
  served: number;
}

export class TcpFront {
  readonly port: number;
  /** Client connections accepted so far. */
  connections = 0;
  readonly #listener: Deno.Listener;
  readonly #backendPort: Promise<number>;
  #setBackendPort: (port: number) => void = () => {};
  readonly #pairs = new Map<number, Pair>();
  readonly #tasks = new Set<Promise<void>>();
  #closing = false;

  private constructor(listener: Deno.Listener) {
    this.#listener = listener;
    this.#backendPort = new Promise((resolve) =>
      this.#setBackendPort = resolve
    );
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#track(this.#acceptLoop());
  }

  /** Listens at once; connections wait until `connectTo` names the server. */
  static listen(): TcpFront {
    return new TcpFront(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  }

  connectTo(backendPort: number): void {
    this.#setBackendPort(backendPort);
  }

  /** Drops the client connection whose request reached the server from
   * `backendPeerPort` (the remote port Deno.serve reports). */
  reset(backendPeerPort: number): boolean {
    const pair = this.#pairs.get(backendPeerPort);
    if (pair === undefined) return false;
    this.#closePair(backendPeerPort, pair);
    return true;
  }

  /** Counts a request on that connection; returns how many came before it
   * (more than 0 means the client reused a pooled connection). */
  beginRequest(backendPeerPort: number): number {
    const pair = this.#pairs.get(backendPeerPort);
    if (pair === undefined) return 0;
    return pair.served++;
  }

  /** Aborts when that client connection closes (e.g. the client gave up). */
  closedSignal(backendPeerPort: number): AbortSignal | undefined {
    return this.#pairs.get(backendPeerPort)?.closed.signal;
  }

  async close(): Promise<void> {
    this.#closing = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const [port, pair] of this.#pairs) this.#closePair(port, pair);
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closing) {
      let client: Deno.Conn;
      try {
        client = await this.#listener.accept();
      } catch {
        return;
      }
      this.connections++;
      this.#track(this.#relay(client));
    }
  }

  async #relay(client: Deno.Conn): Promise<void> {
    let backend: Deno.Conn;
    try {
      backend = await Deno.connect({
        hostname: "127.0.0.1",
        port: await this.#backendPort,
      });
    } catch {
      client.close();
      return;
    }
    const port = (backend.localAddr as Deno.NetAddr).port;
    const pair: Pair = {
      client,
      backend,
      closed: new AbortController(),
      served: 0,
    };
    this.#pairs.set(port, pair);
    if (this.#closing) {
      this.#closePair(port, pair);
      return;
    }
    const close = () => this.#closePair(port, pair);
    await Promise.all([
      pump(client, backend, close),
      pump(backend, client, close),
    ]);
  }

  #closePair(port: number, pair: Pair): void {
    if (this.#pairs.get(port) === pair) this.#pairs.delete(port);
    if (pair.closed.signal.aborted) return;
    pair.closed.abort();
    for (const c of [pair.client, pair.backend]) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }
}

/** Copies until either side ends, then closes both (HTTP/1.1 needs no
 * half-close here; the server closing its side must reach the client). */
async function pump(
  from: Deno.Conn,
  to: Deno.Conn,
  close: () => void,
): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      let off = 0;
      while (off < n) off += await to.write(buf.subarray(off, n));
    }
  } catch {
    // the other pump or close() closed a side
  }
  close();
}
