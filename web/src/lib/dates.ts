const dateTime = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "short",
});
const time = new Intl.DateTimeFormat("en-US", { timeStyle: "medium" });

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

export function formatTime(epochMs: number): string {
  return time.format(new Date(epochMs));
}
