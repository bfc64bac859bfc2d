import { useCallback, useEffect, useRef } from "react";
import { useUsers } from "../../api/queries";

export interface Customer {
  name: string;
  email: string;
}

/** `user_id` → the customer's name and e-mail for the admin tables (their id until users load).
 * A customer who registered after the list was loaded makes it load again, once per customer. */
export function useCustomerNames(userIds: readonly string[]): (userId: string) => Customer {
  const { data, isFetching, refetch } = useUsers();
  const asked = useRef(new Set<string>());
  const missing = data === undefined ? "" : userIds.filter((id) => !data.some((u) => u.id === id)).join(",");
  useEffect(() => {
    if (!missing || isFetching) return;
    const fresh = missing.split(",").filter((id) => !asked.current.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) asked.current.add(id);
    void refetch();
  }, [missing, isFetching, refetch]);
  return useCallback(
    (userId: string) => {
      const user = data?.find((u) => u.id === userId);
      return user ? { name: user.name, email: user.email } : { name: `Customer ${userId}`, email: "" };
    },
    [data],
  );
}
