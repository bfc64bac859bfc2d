// Inline SVG icons (no icon font, no network): decorative unless given a `title`.
import type { ReactElement } from "react";

const PATHS = {
  cart: "M3 4h2l2.4 10.2a1.5 1.5 0 0 0 1.5 1.1h8.4a1.5 1.5 0 0 0 1.4-1.1L21 8H6.2M10 20a1 1 0 1 0 0-2 1 1 0 0 0 0 2Zm8 0a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14Zm9 3-4.3-4.3",
  user: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-7 9a7 7 0 0 1 14 0",
  package: "M21 8 12 3 3 8v8l9 5 9-5V8Zm-9 5L3 8m9 5 9-5m-9 5v8M7.5 5.5l9 5",
  chart: "M4 20V10m6 10V4m6 16v-7m4 7H2",
  mail: "M4 6h16v12H4zM4 7l8 6 8-6",
  logout: "M15 4h4v16h-4M10 17l5-5-5-5m5 5H3",
  check: "m5 12 5 5 9-10",
  alert:
    "M12 9v4m0 4h.01M10.3 3.9 2.5 17.5A2 2 0 0 0 4.2 20.5h15.6a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z",
  x: "M6 6l12 12M18 6 6 18",
  plus: "M12 5v14M5 12h14",
  minus: "M5 12h14",
  trash: "M4 7h16M9 7V4h6v3m-8 0 1 13h8l1-13",
  edit: "M4 20h4L19 9l-4-4L4 16v4Zm9-13 4 4",
  truck: "M3 6h11v9H3zM14 9h4l3 3v3h-7M7 19a2 2 0 1 0 0-4 2 2 0 0 0 0 4Zm10 0a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z",
  store: "M4 10v10h16V10M3 10l2-6h14l2 6M3 10h18M9 20v-5h6v5",
  shield: "M12 3 5 6v5c0 4.5 3 8.3 7 10 4-1.7 7-5.5 7-10V6l-7-3Z",
  arrowLeft: "M19 12H5m6-6-6 6 6 6",
  chevronRight: "m9 6 6 6-6 6",
  refresh: "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
  laptop: "M5 6h14v9H5zM2 18h20",
  home: "M3 11 12 4l9 7v9H3v-9Zm6 9v-6h6v6",
  sport: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Zm-9-9h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18",
  book: "M4 5a2 2 0 0 1 2-2h13v16H6a2 2 0 0 0-2 2V5Zm0 16a2 2 0 0 1 2-2h13",
  tag: "M3 12V3h9l9 9-9 9-9-9Zm5-4h.01",
  menu: "M4 7h16M4 12h16M4 17h16",
  lock: "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
  card: "M3 6h18v12H3zM3 10h18M7 15h3",
  mouse: "M9 3h6a3 3 0 0 1 3 3v10a6 6 0 0 1-12 0V6a3 3 0 0 1 3-3Zm3 0v6",
  keyboard: "M3 7h18v10H3zM7 10.5h.01M11 10.5h.01M15 10.5h.01M8 14h8",
  monitor: "M3 4h18v12H3zM8 20h8M12 16v4",
  headphones: "M4 15v-3a8 8 0 0 1 16 0v3M4 15h3v5H4zM17 15h3v5h-3z",
  coffee: "M5 8h12v5a6 6 0 0 1-12 0V8Zm12 2h1.5a2.5 2.5 0 0 1 0 5H17M8 2v3M12 2v3",
  knife: "M4 20 19 5c1 3 0 6-3 8l-9 9ZM13 11l2 2",
  pan: "M10 19a7 7 0 0 0 7-7H3a7 7 0 0 0 7 7Zm7-7h5",
  shoe: "M3 16v-6l4 1 3-4 4 5 7 2v2H3Zm0 3h18",
  mat: "M7 4a3 3 0 0 1 3 3v13H7a3 3 0 0 1-3-3V7a3 3 0 0 1 3-3h13v13H10",
  bottle: "M10 2h4v3l2 3v13H8V8l2-3V2Zm-2 9h8",
  tent: "M3 20 12 4l9 16H3Zm9-16v16M9 20l3-5 3 5",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({
  name,
  title,
  size = 20,
  className,
}: {
  name: IconName;
  title?: string;
  size?: number;
  className?: string;
}): ReactElement {
  return (
    <svg
      className={className ? `icon ${className}` : "icon"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      role={title ? "img" : undefined}
      aria-hidden={title ? undefined : true}
      aria-label={title}
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
