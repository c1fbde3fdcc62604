// Looks inside a page's IndexedDB the way an attacker with the phone would: every document the
// app stored, loaded with the JS Automerge, as JSON, plus the raw bytes.
import * as Automerge from "@automerge/automerge";

/** Every chunk the app stored, grouped by document id: { docId: [Uint8Array, ...] }. */
async function storedChunks(page) {
  const entries = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open("tsunagu");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("chunks")) return resolve([]);
          const out = [];
          const cursor = db.transaction("chunks").objectStore("chunks").openCursor();
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return resolve(out);
            const bytes = new Uint8Array(c.value);
            out.push([String(c.key), Array.from(bytes)]);
            c.continue();
          };
          cursor.onerror = () => resolve(out);
        };
        open.onerror = () => resolve([]);
      }),
  );
  const byDoc = {};
  for (const [key, bytes] of entries) {
    const doc = key.split("/")[0];
    (byDoc[doc] ??= []).push(Uint8Array.from(bytes));
  }
  return byDoc;
}

/** Every stored document as JSON text, and all stored bytes as one latin1 string. */
export async function deviceContents(page) {
  const byDoc = await storedChunks(page);
  const docs = {};
  let raw = "";
  for (const [id, chunks] of Object.entries(byDoc)) {
    let doc = Automerge.init();
    for (const chunk of chunks) {
      doc = Automerge.loadIncremental(doc, chunk);
      raw += Buffer.from(chunk).toString("latin1");
    }
    docs[id] = JSON.stringify(doc);
  }
  return { docs, raw };
}

/** Whether `text` is anywhere on the device: in a document, or in the stored bytes. */
export async function deviceHolds(page, text) {
  const { docs, raw } = await deviceContents(page);
  const utf8 = Buffer.from(text, "utf8").toString("latin1");
  return Object.values(docs).some((json) => json.includes(text)) || raw.includes(utf8);
}

/** How many document chunks the page's IndexedDB holds (0 once the app wiped itself). */
export function storedChunkCount(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open("tsunagu");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("chunks")) return resolve(0);
          const count = db.transaction("chunks").objectStore("chunks").count();
          count.onsuccess = () => resolve(count.result);
          count.onerror = () => resolve(-1);
        };
        open.onerror = () => resolve(-1);
      }),
  );
}

/** Whether `text` comes to be on the device within `ms`: the app stores what it shows just
 * after showing it (its writes are queued and coalesced), so a positive check waits for it. */
export async function deviceComesToHold(page, text, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await deviceHolds(page, text)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
