import type { ReactElement } from "react";

export function Pagination({
  page,
  hasNext,
  onPage,
  label = "Pages",
}: {
  page: number;
  hasNext: boolean;
  onPage: (page: number) => void;
  label?: string;
}): ReactElement | null {
  if (page === 1 && !hasNext) return null;
  return (
    <nav className="pagination" aria-label={label}>
      <button
        type="button"
        className="button button-secondary"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
      >
        Previous
      </button>
      <span aria-current="page" className="pagination-current">
        Page {page}
      </span>
      <button
        type="button"
        className="button button-secondary"
        disabled={!hasNext}
        onClick={() => onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}
