// A product's picture: the shop has no photos, so each product gets a tile in its category's
// colours with its category's icon (classes only: the page's policy forbids inline styles).
import type { ReactElement } from "react";
import { Icon, type IconName } from "./Icon";

const BY_CATEGORY: Record<string, IconName> = {
  electronics: "laptop",
  "home & kitchen": "home",
  "sports & outdoors": "sport",
  books: "book",
};

export const HUES = 6;

export function artFor(id: number, category: string | null): { icon: IconName; hue: number } {
  const icon = BY_CATEGORY[(category ?? "").toLowerCase()] ?? "tag";
  return { icon, hue: ((id % HUES) + HUES) % HUES };
}

export function ProductArt({
  id,
  name,
  category,
  size = "md",
}: {
  id: number;
  name: string;
  category: string | null;
  size?: "sm" | "md" | "lg";
}): ReactElement {
  const { icon, hue } = artFor(id, category);
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0]?.toUpperCase() ?? "")
    .join("");
  return (
    <div className={`art art-${size} hue-${hue}`} aria-hidden="true">
      <Icon name={icon} size={size === "sm" ? 22 : size === "lg" ? 160 : 56} className="art-icon" />
      {size !== "sm" && <span className="art-initials">{initials}</span>}
    </div>
  );
}
