// "Lie-fi": a TCP proxy in front of a relay that can start to accept connections and never answer,
// as a phone's connection does on a train between stations (the radio says connected; nothing
// comes back). While it hangs it records the first line of every request it swallows, so a test
// can tell which requests the app made instead of being answered from its cache.
import { createServer, connect } from "node:net";

export class LieFi {
  /** Starts a proxy on a free loopback port that passes everything to `target` (a URL). */
  static async start(target) {
    const proxy = new LieFi(new URL(target));
    await new Promise((resolve, reject) => {
      proxy.server.listen(0, "127.0.0.1", resolve);
      proxy.server.on("error", reject);
    });
    proxy.url = `http://127.0.0.1:${proxy.server.address().port}`;
    return proxy;
  }

  constructor(target) {
    this.target = target;
    this.hanging = false;
    /** First lines ("GET /path HTTP/1.1") of the requests swallowed while hanging. */
    this.swallowed = [];
    this.sockets = new Set();
    this.server = createServer((client) => this.accept(client));
  }

  accept(client) {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => {});
    if (this.hanging) {
      this.swallow(client);
      return;
    }
    const upstream = connect(Number(this.target.port), this.target.hostname);
    this.sockets.add(upstream);
    upstream.on("close", () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Reads what `client` sends and answers nothing, ever. */
  swallow(client) {
    client.on("data", (chunk) => {
      for (const line of String(chunk).split("\r\n")) {
        if (/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(line)) this.swallowed.push(line);
      }
    });
  }

  /**
   * From now on every connection opens and then hangs. Open connections are cut (a keep-alive
   * connection or the sync socket would otherwise still reach the relay); the browser's next
   * try meets the hang.
   */
  hang() {
    this.hanging = true;
    this.swallowed = [];
    for (const socket of this.sockets) socket.destroy();
  }

  /** Passes connections through again. */
  answer() {
    this.hanging = false;
    for (const socket of this.sockets) socket.destroy();
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
