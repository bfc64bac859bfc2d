import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";
import { sessionStore } from "../auth/session";

afterEach(() => {
  if (typeof window === "undefined") return; // a node-environment test
  cleanup();
  sessionStore.signOut();
  sessionStore.clearNotice();
  localStorage.clear();
});
