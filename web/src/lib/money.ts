const currency = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** `999.99` → `$999.99`. Amounts arrive as JSON numbers with at most two decimals. */
export function formatMoney(amount: number): string {
  return currency.format(amount);
}

/** The total of lines in cents (integers), so no float drift creeps into a sum. */
export function sumCents(lines: { price: number; quantity: number }[]): number {
  return lines.reduce((total, line) => total + Math.round(line.price * 100) * line.quantity, 0);
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/** A price a person typed ("12", "12.5", "12.50"): a number with at most two decimals. */
export function parsePrice(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}
