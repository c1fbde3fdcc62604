// Boots the app: registers the service worker (and its update flow), then loads the wasm.
// A file of its own rather than an inline script, so the relay's Content-Security-Policy allows
// no inline script at all. `cargo xtask dist` fills in the hashed names and hashes this file too.
// Device storage is opened and read while the wasm is fetched and compiled: the browser's first
// open of the origin's IndexedDB takes tens of milliseconds, and so does reading it. What a start
// needs — each store's keys and values — waits in `window.tsunaguStored` for the app
// (`Store::read_start`), which reads the database itself when this resolves to null. A database
// that does not exist yet is left for the app to create (the upgrade is aborted); the connection
// gives way to the app's upgrades and deletions. The names are the app's (`store::DB_NAME`, its
// stores); app/tests/store.rs runs this function too.
// readAhead:start
function readAhead(name) {
  return new Promise((resolve) => {
    setTimeout(() => resolve(null), 3000);
    let open;
    try {
      open = indexedDB.open(name);
    } catch (_) {
      resolve(null);
      return;
    }
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = (event) => {
      event.preventDefault();
      resolve(null);
    };
    open.onsuccess = () => {
      const db = open.result;
      db.onversionchange = () => db.close();
      // Open until the app has opened its own, so the browser keeps the database ready.
      setTimeout(() => db.close(), 10000);
      try {
        const stores = ['chunks', 'sync_states', 'outbox', 'meta'];
        const tx = db.transaction(stores);
        const requests = stores.map((store) => {
          const s = tx.objectStore(store);
          return [store, store === 'outbox' ? [s.getAllKeys()] : [s.getAllKeys(), s.getAll()]];
        });
        tx.oncomplete = () =>
          resolve(Object.fromEntries(requests.map(([store, rs]) => [store, rs.map((r) => r.result)])));
        tx.onabort = () => resolve(null);
      } catch (_) {
        // A database from before these stores: the app upgrades and reads it.
        resolve(null);
      }
    };
  });
}
// readAhead:end
window.tsunaguStored = readAhead('tsunagu');

// The service worker update flow: a new shell installs in the background and waits; the app
// shows "new version — reload", and its button calls tsunaguApplyUpdate().
function announce(worker) {
  window.tsunaguUpdateWaiting = worker;
  window.dispatchEvent(new CustomEvent('tsunagu-update-available'));
}
window.tsunaguApplyUpdate = function () {
  const worker = window.tsunaguUpdateWaiting;
  if (!worker) { location.reload(); return; }
  worker.postMessage({ type: 'SKIP_WAITING' });
};
if ('serviceWorker' in navigator) {
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only an update the person asked for reloads; the very first install takes control quietly.
    if (reloading || !window.tsunaguUpdateWaiting) return;
    reloading = true;
    location.reload();
  });
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const installing = registration.installing;
        if (!installing) return;
        installing.addEventListener('statechange', () => {
          // "installed" with a controller means an older shell runs this page: a real update.
          if (installing.state === 'installed' && navigator.serviceWorker.controller) announce(installing);
        });
      });
      // Look for a new shell whenever the app comes back to the foreground.
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') registration.update().catch(() => {});
      });
    }).catch((error) => console.warn('service worker registration failed', error));
  });
}

// The browser's own "install this app" prompt (Chromium offers one; Safari does not), kept for the
// welcome's "add to home screen" button, which calls tsunaguInstall().
window.addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  window.tsunaguInstallPrompt = event;
  window.dispatchEvent(new CustomEvent('tsunagu-install-available'));
});
window.addEventListener('appinstalled', () => {
  window.tsunaguInstallPrompt = null;
  window.dispatchEvent(new CustomEvent('tsunagu-install-available'));
});
window.tsunaguInstall = function () {
  const prompt = window.tsunaguInstallPrompt;
  if (!prompt) return;
  window.tsunaguInstallPrompt = null;
  prompt.prompt();
  window.dispatchEvent(new CustomEvent('tsunagu-install-available'));
};

try {
  // A dynamic import, so a failed download still leaves the service worker code above running.
  const { default: init, start } = await import('__TSUNAGU_JS__');
  await init({ module_or_path: '__TSUNAGU_WASM__' });
  start();
} catch (error) {
  console.error(error);
  const loading = document.getElementById('loading');
  if (loading) loading.querySelector('p').textContent =
    'tsunagu を起動できませんでした。再読み込みしてください。 / tsunagu could not start. Please reload.';
}
