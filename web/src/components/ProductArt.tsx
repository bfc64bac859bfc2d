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

// What a product's name says it is, before falling back on its category.
const BY_NAME: [RegExp, IconName][] = [
  [/laptop|notebook/, "laptop"],
  [/mouse/, "mouse"],
  [/keyboard/, "keyboard"],
  [/monitor|screen|display/, "monitor"],
  [/headphone|earbud/, "headphones"],
  [/espresso|coffee|french press|kettle|mug/, "coffee"],
  [/knife/, "knife"],
  [/skillet|pan\b|wok/, "pan"],
  [/shoe|boot|sneaker/, "shoe"],
  [/yoga|mat\b/, "mat"],
  [/bottle|flask/, "bottle"],
  [/tent/, "tent"],
];

export const HUES = 6;

export function artFor(id: number, category: string | null, name = ""): { icon: IconName; hue: number } {
  const lower = name.toLowerCase();
  const icon =
    BY_NAME.find(([pattern]) => pattern.test(lower))?.[1] ??
    BY_CATEGORY[(category ?? "").toLowerCase()] ??
    "tag";
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
  const { icon, hue } = artFor(id, category, name);
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
