import { afterEach, describe, expect, it, vi } from "vitest";
import { EXPIRED_NOTICE, SessionStore, decodeToken } from "./session";
import { fakeToken } from "../test/helpers";

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (key) => data.get(key) ?? null,
    key: (index) => [...data.keys()][index] ?? null,
    removeItem: (key) => void data.delete(key),
    setItem: (key, value) => void data.set(key, value),
  };
}

afterEach(() => vi.useRealTimers());

describe("decodeToken", () => {
  it("reads the subject, role and expiry", () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = fakeToken({ sub: "12", role: "admin", exp });
    expect(decodeToken(token)).toEqual({ token, userId: "12", role: "admin", expiresAt: exp * 1000 });
  });

  it("refuses expired, malformed and service tokens", () => {
    expect(decodeToken(fakeToken({ sub: "1", role: "customer", exp: 1 }))).toBeNull();
    expect(decodeToken(fakeToken({ sub: "1", role: "service" }))).toBeNull();
    expect(decodeToken("not-a-token")).toBeNull();
    expect(decodeToken("a.%%%.c")).toBeNull();
  });
});

describe("SessionStore", () => {
  it("keeps the session across a reload and forgets it on sign out", () => {
    const storage = memoryStorage();
    const first = new SessionStore(storage);
    first.signIn(fakeToken({ sub: "3", role: "customer" }));
    expect(new SessionStore(storage).get()?.userId).toBe("3");
    first.signOut();
    expect(new SessionStore(storage).get()).toBeNull();
    expect(first.getNotice()).toBeNull();
  });

  it("expires with a notice when the services refuse the token, telling subscribers", () => {
    const store = new SessionStore(memoryStorage());
    store.signIn(fakeToken({ sub: "3", role: "customer" }));
    const listener = vi.fn();
    store.subscribe(listener);
    store.expire();
    expect(store.get()).toBeNull();
    expect(store.getNotice()).toBe(EXPIRED_NOTICE);
    expect(listener).toHaveBeenCalledTimes(1);
    store.clearNotice();
    expect(store.getNotice()).toBeNull();
  });

  it("expires by itself when the token runs out", () => {
    vi.useFakeTimers();
    const store = new SessionStore(memoryStorage());
    store.signIn(fakeToken({ sub: "3", role: "customer", exp: Math.floor(Date.now() / 1000) + 30 }));
    vi.advanceTimersByTime(29_000);
    expect(store.get()).not.toBeNull();
    vi.advanceTimersByTime(2_000);
    expect(store.get()).toBeNull();
    expect(store.getNotice()).toBe(EXPIRED_NOTICE);
  });

  it("drops an expired token found in storage, with the notice", () => {
    const storage = memoryStorage();
    storage.setItem("ecart.session", fakeToken({ sub: "3", role: "customer", exp: 1 }));
    const store = new SessionStore(storage);
    expect(store.get()).toBeNull();
    expect(store.getNotice()).toBe(EXPIRED_NOTICE);
    expect(storage.getItem("ecart.session")).toBeNull();
  });
});
