import { describe, expect, it } from "vitest";
import { withRefresh } from "./client";

describe("401 → refresh → retry once", () => {
  it("refreshes the session once for concurrent 401s and retries each call", async () => {
    let session = "old";
    const calls: string[] = [];
    const base = async (request: Request) => {
      const path = new URL(request.url).pathname;
      calls.push(`${request.method} ${path}`);
      if (path === "/api/v1/auth/refresh") {
        await new Promise((r) => setTimeout(r, 5));
        session = "new";
        return new Response("{}", { status: 200 });
      }
      return new Response("{}", { status: session === "new" ? 200 : 401 });
    };
    const fetch = withRefresh(base);
    const [a, b] = await Promise.all([
      fetch(new Request("http://localhost/api/v1/reports")),
      fetch(new Request("http://localhost/api/v1/analyses")),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(calls.filter((c) => c.endsWith("/refresh"))).toHaveLength(1);
  });

  it("gives up after one retry when the refresh fails", async () => {
    const base = async (request: Request) =>
      new Response("{}", { status: new URL(request.url).pathname.endsWith("/refresh") ? 401 : 401 });
    const response = await withRefresh(base)(new Request("http://localhost/api/v1/reports"));
    expect(response.status).toBe(401);
  });
});
