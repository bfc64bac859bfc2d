import type { ReactElement } from "react";
import type { Customer } from "./customers";

export function CustomerCell({ customer }: { customer: Customer }): ReactElement {
  return (
    <>
      <div>{customer.name}</div>
      {customer.email && <div className="muted small">{customer.email}</div>}
    </>
  );
}
