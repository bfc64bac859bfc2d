/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the app on :5173 and forwards /api to a running `ecart up`
// (ECART_GATEWAY_URL, default http://127.0.0.1:8000).
const gateway = process.env.ECART_GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    // The gateway's policy forbids inline code: no inline module-preload polyfill.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { "/api": { target: gateway, changeOrigin: false } },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    unstubGlobals: true,
    restoreMocks: true,
  },
});
