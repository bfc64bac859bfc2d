// The signed-in session: the users service's access token plus what its claims say (subject,
// role, expiry), kept in localStorage so a reload stays signed in. The token is never trusted
// here for anything but display and routing: every service verifies it.

export type Role = "customer" | "admin";

export interface Session {
  token: string;
  userId: string;
  role: Role;
  expiresAt: number; // epoch ms
}

interface Claims {
  sub?: unknown;
  role?: unknown;
  exp?: unknown;
}

const KEY = "ecart.session";
export const EXPIRED_NOTICE = "Your session has expired. Please sign in again.";

export function decodeToken(token: string, now = Date.now()): Session | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  let claims: Claims;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes)) as Claims;
  } catch {
    return null;
  }
  const { sub, role, exp } = claims;
  if (typeof sub !== "string" || typeof exp !== "number") return null;
  if (role !== "customer" && role !== "admin") return null;
  const expiresAt = exp * 1000;
  if (expiresAt <= now) return null;
  return { token, userId: sub, role, expiresAt };
}

type Listener = () => void;

/** A tiny external store (read with `useSyncExternalStore`). */
export class SessionStore {
  private session: Session | null;
  private notice: string | null = null;
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly storage: Storage | null = safeStorage()) {
    const saved = this.storage?.getItem(KEY) ?? null;
    this.session = saved ? decodeToken(saved) : null;
    if (saved && !this.session) {
      this.storage?.removeItem(KEY);
      this.notice = EXPIRED_NOTICE;
    }
    this.schedule();
  }

  get = (): Session | null => this.session;

  /** A message for the person (e.g. the session expired) until they sign in or dismiss it. */
  getNotice = (): string | null => this.notice;

  clearNotice(): void {
    if (this.notice === null) return;
    this.notice = null;
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  signIn(token: string): Session {
    const session = decodeToken(token);
    if (!session) throw new Error("The sign-in answer was not a valid token");
    this.storage?.setItem(KEY, token);
    this.set(session, null);
    return session;
  }

  signOut(): void {
    this.storage?.removeItem(KEY);
    this.set(null, null);
  }

  /** The services refused the token (401) or it ran out: sign out with a notice. */
  expire(): void {
    if (!this.session) return;
    this.storage?.removeItem(KEY);
    this.set(null, EXPIRED_NOTICE);
  }

  private set(session: Session | null, notice: string | null): void {
    this.session = session;
    this.notice = notice;
    this.schedule();
    for (const listener of this.listeners) listener();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.session) return;
    // setTimeout's delay is a 32-bit number of ms; tokens live at most a day.
    const delay = Math.min(this.session.expiresAt - Date.now(), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.expire(), Math.max(delay, 0));
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled: the session lasts until reload
  }
}

export const sessionStore = new SessionStore();
