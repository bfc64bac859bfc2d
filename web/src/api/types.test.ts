// @vitest-environment node
// The committed API types are what `npm run gen:api` makes of the committed OpenAPI documents
// (which tests/web/test_openapi_specs.py holds to the services' code).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script without type declarations
import { generate } from "../../scripts/gen-api.mjs";

describe("generated API types", () => {
  it("are up to date with the OpenAPI documents", async () => {
    const generated = (await generate()) as Record<string, string>;
    expect(Object.keys(generated).sort()).toEqual([
      "cart",
      "catalog",
      "inventory",
      "notifications",
      "order",
      "payment",
      "users",
    ]);
    for (const [service, text] of Object.entries(generated)) {
      const committed = await readFile(path.join(__dirname, "types", `${service}.ts`), "utf8");
      expect(committed, `src/api/types/${service}.ts is stale: run npm run gen:api`).toBe(text);
    }
  }, 30_000);
});
