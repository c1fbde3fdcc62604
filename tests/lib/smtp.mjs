// A real SMTP server for a test file: tests/smtp_sink.py (aiosmtpd, from the tests/.venv that
// `cargo xtask test` sets up) on a free port, writing every message it receives to a fresh
// directory as <n>.eml and its decoded plain-text body as <n>.txt.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./relay.mjs";

const TESTS = join(dirname(fileURLToPath(import.meta.url)), "..");
const PYTHON = process.env.TSUNAGU_TEST_PYTHON ?? join(TESTS, ".venv/bin/python");

export class SmtpSink {
  static async start() {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`cargo xtask test\` once to set up tests/.venv`);
    const sink = new SmtpSink(await freePort(), mkdtempSync(join(tmpdir(), "tsunagu-mail-")));
    sink.proc = spawn(PYTHON, [join(TESTS, "smtp_sink.py"), String(sink.port), sink.dir], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const log = [];
    await new Promise((resolve, reject) => {
      sink.proc.stdout.on("data", (d) => (String(d).includes("ready") ? resolve() : log.push(String(d))));
      sink.proc.stderr.on("data", (d) => log.push(String(d)));
      sink.proc.once("exit", (code) => reject(new Error(`smtp_sink.py exited (${code}): ${log.join("")}`)));
    });
    return sink;
  }

  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.url = `smtp://127.0.0.1:${port}`;
  }

  /** Every message received so far: `{ raw, text }`, in order. */
  messages() {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".eml"))
      .map((f) => Number.parseInt(f, 10))
      .sort((a, b) => a - b)
      .map((n) => ({
        raw: readFileSync(join(this.dir, `${n}.eml`), "utf8"),
        text: readFileSync(join(this.dir, `${n}.txt`), "utf8"),
      }));
  }

  /** Waits for a message whose raw text (headers included) matches `pattern`. */
  async waitFor(pattern, ms = 15000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages().find((m) => pattern.test(m.raw) || pattern.test(m.text));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail matching ${pattern} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once("exit", r));
      this.proc.stdin.end();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
