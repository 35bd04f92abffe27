// Scans wait here until the server has answered them. IndexedDB keeps them through a dropped Wi-Fi,
// a reload or a closed laptop lid; without IndexedDB (a private window in some browsers) they wait
// in memory. Each scan carries an id made here, so sending it twice is harmless, and the login that
// made it (desk.js asks before another login sends it).
"use strict";

const ScanQueue = (() => {
  const NAME = "reception-desk", STORE = "scans";
  const memory = new Map();
  let opening = null;
  let counter = 0;

  function open() {
    if (!("indexedDB" in window)) return Promise.resolve(null);
    if (!opening) {
      opening = new Promise((resolve) => {
        const request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: "id"});
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(null);
      });
    }
    return opening;
  }

  function run(db, mode, action) {
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    });
  }

  function newId() {
    // crypto.getRandomValues works on plain http too (randomUUID needs https), e.g. a desk on the LAN
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function nextSeq() {
    counter = (counter + 1) % 1000;
    return Date.now() * 1000 + counter;
  }

  async function put(item) {
    const db = await open();
    if (db) await run(db, "readwrite", (store) => store.put(item));
    else memory.set(item.id, item);
  }

  async function remove(id) {
    const db = await open();
    if (db) await run(db, "readwrite", (store) => store.delete(id));
    else memory.delete(id);
  }

  async function all() {
    const db = await open();
    const items = db ? await run(db, "readonly", (store) => store.getAll()) : [...memory.values()];
    return items.sort((a, b) => a.seq - b.seq);
  }

  return {put, remove, all, newId, nextSeq};
})();
