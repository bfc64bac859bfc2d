import { useState, type ReactElement } from "react";
import { Icon } from "./Icon";

export const MAX_QUANTITY = 100; // the cart service's cap per line

/** A quantity stepper: − / number / +, clamped to 1..max. */
export function Quantity({
  id,
  label,
  value,
  max,
  onChange,
  disabled = false,
}: {
  id: string;
  label: string;
  value: number;
  max: number;
  onChange: (value: number) => void;
  disabled?: boolean;
}): ReactElement {
  const limit = Math.max(1, Math.min(max, MAX_QUANTITY));
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // The quantity changed elsewhere (a button, the server): show it.
    setShown(value);
    setText(String(value));
  }
  const commit = (raw: string) => {
    const parsed = Number.parseInt(raw, 10);
    const next = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 1), limit) : value;
    setText(String(next));
    if (next !== value) onChange(next);
  };
  return (
    <div className="quantity">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <button
        type="button"
        className="icon-button"
        aria-label={`Decrease ${label.toLowerCase()}`}
        disabled={disabled || value <= 1}
        onClick={() => onChange(value - 1)}
      >
        <Icon name="minus" size={16} />
      </button>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={1}
        max={limit}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(e.currentTarget.value);
        }}
      />
      <button
        type="button"
        className="icon-button"
        aria-label={`Increase ${label.toLowerCase()}`}
        disabled={disabled || value >= limit}
        onClick={() => onChange(value + 1)}
      >
        <Icon name="plus" size={16} />
      </button>
    </div>
  );
}
