import { useSyncExternalStore } from "react";
import { sessionStore, type Session } from "./session";

export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, sessionStore.get);
}

export function useSessionNotice(): string | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.getNotice, sessionStore.getNotice);
}
