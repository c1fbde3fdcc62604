// A Web Push service on loopback for the tests (docs/design.md §8): the relay posts encrypted
// notices to it; it decrypts each with the subscription's keys (RFC 8291, aes128gcm), as a
// browser would, so a test can hand the plain notice to the service worker through CDP.
import { createServer } from "node:http";
import crypto from "node:crypto";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** A subscription's keys, as a browser makes them. */
export function deviceKeys() {
  const ecdh = crypto.createECDH("prime256v1");
  ecdh.generateKeys();
  return { ecdh, auth: crypto.randomBytes(16) };
}

/** RFC 8291 §3–4 and RFC 8188: the plain body of an aes128gcm push for `keys`. */
export function decrypt(body, keys) {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const uaPublic = keys.ecdh.getPublicKey();
  const shared = keys.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, asPublic]);
  const ikm = Buffer.from(crypto.hkdfSync("sha256", shared, keys.auth, keyInfo, 32));
  const cek = Buffer.from(crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = crypto.createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with 0x02 then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("not a last record");
  return padded.subarray(0, end);
}

export class PushService {
  /** Starts listening on a free loopback port. */
  static async start() {
    const service = new PushService();
    await new Promise((resolve) => service.server.listen(0, "127.0.0.1", resolve));
    service.origin = `http://127.0.0.1:${service.server.address().port}`;
    return service;
  }

  constructor() {
    this.pushes = [];
    this.waiting = [];
    this.server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const push = { path: req.url, headers: req.headers, body: Buffer.concat(chunks) };
        const waiter = this.waiting.shift();
        if (waiter) waiter(push);
        else this.pushes.push(push);
        res.writeHead(201).end();
      });
    });
  }

  /** A subscription at this service for `device`, with fresh keys, as the relay's API takes it. */
  subscription(device, preview = true) {
    const keys = deviceKeys();
    const body = {
      endpoint: `${this.origin}/push/${device}`,
      p256dh: b64url(keys.ecdh.getPublicKey()),
      auth: b64url(keys.auth),
      preview,
    };
    return { keys, body };
  }

  /** The next push, within `ms`. */
  next(ms = 15000) {
    const ready = this.pushes.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no push arrived")), ms);
      this.waiting.push((push) => {
        clearTimeout(timer);
        resolve(push);
      });
    });
  }

  stop() {
    return new Promise((resolve) => this.server.close(resolve));
  }
}
