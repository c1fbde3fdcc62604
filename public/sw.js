// tsunagu service worker: keeps the app shell on the device so the app starts with no network.
//
// - install: precache the shell (HTML, CSS, JS, wasm, icons) into a cache named after this build;
// - activate: delete the caches of older builds, take control of open pages;
// - navigations: the cached shell at once, always — online, offline or on a connection that opens
//   and never answers (a train between stations). A new version is found in the background: the
//   browser checks this file on navigations and on `registration.update()`, installs the new
//   shell beside this one, and the app offers "new version — reload". Only before the shell is
//   cached (the very first visit) does a navigation go to the network;
// - hashed assets: cache first (their names change whenever their content does);
// - /api/, /sync and the calendar feeds (/ics/) are never cached: data lives in IndexedDB and
//   moves over the sync socket, and a feed is not the app;
// - updates: a new build installs and waits until the app posts {type: "SKIP_WAITING"}.
//
// The build replaces the two tokens below.
const VERSION = '__TSUNAGU_VERSION__';
const PRECACHE = __TSUNAGU_PRECACHE__;

const PREFIX = 'tsunagu-shell-';
const CACHE = PREFIX + VERSION;
const SHELL_HTML = '/index.html';

const SHELL = PRECACHE.includes(SHELL_HTML) ? PRECACHE : PRECACHE.concat([SHELL_HTML]);
const PRECACHED = new Set(SHELL);

// The build names its wasm, JS, CSS and chunks after their content (`name-0123456789.ext`).
const HASHED = /-[0-9a-f]{10}\.[a-z]+$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // `reload` skips the HTTP cache, so the shell is exactly this build's files. A hashed file
      // is the same under its name forever, so the copy the page itself just downloaded (the
      // wasm, the chunks it fetched first) is taken from the HTTP cache instead of twice.
      cache.addAll(SHELL.map((url) => new Request(url, { cache: HASHED.test(url) ? 'default' : 'reload' })))
    )
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') {
    self.skipWaiting();
  }
});

function neverCached(url) {
  const path = url.pathname;
  return path.startsWith('/api/') || path === '/sync' || path.startsWith('/sync/') || path.startsWith('/ics/');
}

async function fromShell(path) {
  const cache = await caches.open(CACHE);
  return (await cache.match(path)) || (await cache.match('/'));
}

async function navigate(request) {
  // Every route is the same single-page shell, so the cached one answers at once: waiting on
  // the network first is what made a start on a weak signal take seconds.
  const cached = await fromShell(SHELL_HTML);
  if (cached) return cached;
  return fetch(request);
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  return fetch(request);
}

async function networkThenCache(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || neverCached(url)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
  } else if (PRECACHED.has(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkThenCache(request));
  }
});

// Web Push (docs/design.md §8): the relay's notice, decrypted by the browser, becomes a
// notification in the device's language and time zone; one per conversation, event or post (a
// newer one replaces it).
const WORDS = {
  ja: {
    locale: 'ja-JP',
    message: '新しいメッセージがあります',
    photo: '📷 写真が届きました',
    app: 'tsunagu',
    news: '重要なお知らせ',
    application: '応募の選考状況',
    referral: '紹介した方の選考状況',
    stages: { applied: '応募済', screening: '書類選考', interview: '面接', offer: '内定', hired: '入社', declined: '見送り' },
    'day-before': (when) => `リマインダー: ${when} から`,
    'hour-before': (when) => `まもなく始まります（${when} から）`,
    'time-changed': (when) => `日時が変わりました: ${when} から`,
    'place-changed': () => '場所が変わりました。詳細をご確認ください',
    'time-and-place-changed': (when) => `日時と場所が変わりました: ${when} から`,
    cancelled: () => 'このイベントは中止になりました',
  },
  en: {
    locale: 'en',
    message: 'You have a new message',
    photo: '📷 Sent a photo',
    app: 'tsunagu',
    news: 'Important news',
    application: 'Your application',
    referral: 'Your referral',
    stages: { applied: 'Applied', screening: 'Screening', interview: 'Interview', offer: 'Offer', hired: 'Hired', declined: 'Not selected' },
    'day-before': (when) => `Reminder: starts ${when}`,
    'hour-before': (when) => `Starting soon, at ${when}`,
    'time-changed': (when) => `New time: ${when}`,
    'place-changed': () => 'The place changed; see the details',
    'time-and-place-changed': (when) => `New time and place: ${when}`,
    cancelled: () => 'This event was cancelled',
  },
};

function words() {
  const lang = (self.navigator.language || 'ja').toLowerCase();
  return lang.startsWith('en') ? WORDS.en : WORDS.ja;
}

/** When an event starts, in the device's own time zone: "1/15(水) 19:00". */
function when(w, startsAt) {
  return new Date(startsAt * 1000).toLocaleString(w.locale, {
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** The notification for one notice: who wrote, where, and (unless the device chose not to) what. */
function notification(notice) {
  const w = words();
  const common = { icon: '/icons/icon-192.png', badge: '/icons/icon-192.png', renotify: true };
  if (notice.kind === 'event' && w[notice.about]) {
    return {
      title: notice.title || w.app,
      options: {
        ...common,
        body: w[notice.about](when(w, notice.startsAt)),
        tag: `event-${notice.event}`,
        data: { url: `/events/${notice.event}` },
      },
    };
  }
  if (notice.kind === 'news') {
    return {
      title: w.news,
      options: { ...common, body: notice.title, tag: `news-${notice.post}`, data: { url: `/news/${notice.post}` } },
    };
  }
  if (notice.kind === 'application') {
    const stage = w.stages[notice.stage] || notice.stage;
    return {
      title: notice.referral ? w.referral : w.application,
      options: {
        ...common,
        body: `${notice.title}: ${stage}`,
        tag: `application-${notice.post}`,
        data: { url: `/news/${notice.post}` },
      },
    };
  }
  if (notice.kind !== 'message') return { title: w.app, options: { body: w.message } };
  const title = notice.group ? `${notice.group}: ${notice.sender}` : notice.sender || w.app;
  return {
    title,
    options: {
      ...common,
      // A photo alone has no words to show; a device that chose no preview gets none.
      body: notice.text || (notice.text === '' && notice.photos ? w.photo : w.message),
      tag: `conversation-${notice.conversation}`,
      data: { url: `/messages/${notice.conversation}` },
    },
  };
}

self.addEventListener('push', (event) => {
  let notice = {};
  try {
    notice = event.data ? event.data.json() : {};
  } catch (_) {
    notice = {};
  }
  const { title, options } = notification(notice);
  event.waitUntil(self.registration.showNotification(title, options));
});

// A tap opens the conversation: in a window of the app that is open already, else a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin && 'navigate' in client) {
          await client.focus();
          return client.navigate(url);
        }
      }
      return self.clients.openWindow(url);
    })(),
  );
});
