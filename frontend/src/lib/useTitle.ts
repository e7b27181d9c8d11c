import { useEffect } from "react";

/** Sets document.title ("Page · PunchAnalytics"), which screen readers announce on navigation. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · PunchAnalytics` : "PunchAnalytics";
  }, [title]);
}
