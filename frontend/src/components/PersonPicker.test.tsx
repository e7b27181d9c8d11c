import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { PersonPicker } from "./PersonPicker";
import { renderWithProviders } from "../test/render";
import type { Thumbnail } from "../api/types";

const thumbs: Thumbnail[] = [
  { index: 0, t_s: 0, width: 360, height: 640, url: "/t/0", boxes: [] },
  {
    index: 1,
    t_s: 6.2,
    width: 360,
    height: 640,
    url: "/t/1",
    boxes: [
      { x: 10, y: 20, w: 100, h: 300, score: 0.9 },
      { x: 200, y: 40, w: 120, h: 400, score: 0.8 },
    ],
  },
];

describe("PersonPicker", () => {
  it("opens on the first frame with people and positions boxes in percent", () => {
    renderWithProviders(<PersonPicker thumbnails={thumbs} value={null} onChange={() => undefined} />);
    const box = screen.getByRole("button", { name: "Person 2 at 0:06" });
    expect(box.style.left || getComputedStyle(box).left).toBeDefined();
    expect(screen.getAllByRole("button", { name: /^Person/ })).toHaveLength(2);
  });

  it("picks a person with the keyboard (Tab, then Enter or Space)", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    renderWithProviders(<PersonPicker thumbnails={thumbs} value={null} onChange={onChange} />);
    await user.tab();
    expect(screen.getByRole("button", { name: "Person 1 at 0:06" })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole("button", { name: "Person 2 at 0:06" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(onChange).toHaveBeenLastCalledWith({ thumbnail: 1, box: 1 });
    await user.tab({ shift: true });
    await user.keyboard(" ");
    expect(onChange).toHaveBeenLastCalledWith({ thumbnail: 1, box: 0 });
  });

  it("marks the chosen box as pressed and switches frames from the strip", async () => {
    const user = userEvent.setup();
    renderWithProviders(<PersonPicker thumbnails={thumbs} value={{ thumbnail: 1, box: 0 }} onChange={() => undefined} />);
    expect(screen.getByRole("button", { name: "Person 1 at 0:06" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "Person 2 at 0:06" })).toHaveAttribute("aria-pressed", "false");
    await user.click(screen.getByRole("button", { name: "Frame at 0:00" }));
    expect(screen.queryAllByRole("button", { name: /^Person/ })).toHaveLength(0);
    expect(screen.getByText(/No one was found on this frame/)).toBeInTheDocument();
  });
});
