import { useCallback } from "react";
import { useUsers } from "../../api/queries";

/** `user_id` → "Name <email>" for the admin tables (the id itself until users load). */
export function useCustomerNames(): (userId: string) => string {
  const users = useUsers();
  const data = users.data;
  return useCallback(
    (userId: string) => {
      const user = data?.find((u) => u.id === userId);
      return user ? `${user.name} (${user.email})` : `Customer ${userId}`;
    },
    [data],
  );
}
