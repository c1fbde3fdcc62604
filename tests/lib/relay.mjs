// Starts a real tsunagu relay for a test file: its own port, its own fresh database, the built
// app shell. `cargo xtask test` passes the relay binary and dist/ in the environment. The
// database is SQLite in the relay's data directory, or, when TSUNAGU_TEST_POSTGRES names a
// PostgreSQL server (the test command's throw-away cluster), a new database there.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = process.env.TSUNAGU_RELAY_BIN;
const DIST = process.env.TSUNAGU_DIST;
const POSTGRES = process.env.TSUNAGU_TEST_POSTGRES;

let databases = 0;

/** With TSUNAGU_TEST_POSTGRES: `--database` flags for a new, empty PostgreSQL database. */
function newDatabase() {
  if (!POSTGRES) return [];
  const server = new URL(POSTGRES);
  const name = `e2e_${process.pid}_${databases++}`;
  const made = spawnSync(
    "createdb",
    ["--host", server.hostname, "--port", server.port, "--username", server.username, name],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`createdb ${name}: ${made.stderr || made.error}`);
  return ["--database", `${POSTGRES}/${name}`];
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitUntilListening(url, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/me`);
      if (res.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`relay at ${url} did not start within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A relay process that can be stopped (killed, as a crash) and started again on the same data. */
export class Relay {
  /**
   * `dist`: serve another copy of the app shell (to deploy a "new version" in a test).
   * `args`: more command-line flags, e.g. `["--smtp-url", smtp.url]`.
   * `demo`: start with the demo company (`--demo`); without it the relay waits for its
   * first-run setup and prints the link (see `log`).
   * `patience`: how long it may take to listen, in ms (seeding thousands of demo alumni takes
   * minutes).
   */
  static async start({ dist = DIST, args = [], demo = true, patience = 30000 } = {}) {
    if (!BIN || !DIST) throw new Error("TSUNAGU_RELAY_BIN and TSUNAGU_DIST must be set (run through `cargo xtask test`)");
    const flags = [...(demo ? ["--demo", ...args] : args), ...newDatabase()];
    const relay = new Relay(await freePort(), mkdtempSync(join(tmpdir(), "tsunagu-test-")), dist, flags);
    await relay.up(patience);
    return relay;
  }

  /** A private copy of the built app shell, which a test may change. */
  static copyOfDist() {
    const dir = mkdtempSync(join(tmpdir(), "tsunagu-dist-"));
    cpSync(DIST, dir, { recursive: true });
    return dir;
  }

  constructor(port, data, dist, args = []) {
    this.port = port;
    this.data = data;
    this.dist = dist;
    this.args = args;
    this.url = `http://127.0.0.1:${port}`;
    this.log = [];
  }

  async up(patience = 30000) {
    this.proc = spawn(BIN, ["--addr", `127.0.0.1:${this.port}`, "--data", this.data, "--dist", this.dist, ...this.args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
    });
    for (const s of [this.proc.stdout, this.proc.stderr]) s.on("data", (d) => this.log.push(String(d)));
    await waitUntilListening(this.url, patience);
  }

  /** SIGKILL: no clean shutdown, as a crash or a pulled plug. */
  async kill() {
    if (!this.proc) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGKILL");
    await exited;
    this.proc = undefined;
  }

  async stop() {
    await this.kill();
    rmSync(this.data, { recursive: true, force: true });
  }
}
