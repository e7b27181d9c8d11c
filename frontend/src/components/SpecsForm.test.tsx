import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { SpecsForm, specsBody, validateSpecs, emptySpecs } from "./SpecsForm";
import { renderWithProviders } from "../test/render";

describe("specs validation", () => {
  it("follows the server's ranges", () => {
    expect(validateSpecs(emptySpecs)).toEqual({ height_cm: "specs.err.heightRequired" });
    expect(validateSpecs({ ...emptySpecs, height_cm: "99" }).height_cm).toBe("specs.err.height");
    expect(validateSpecs({ ...emptySpecs, height_cm: "251" }).height_cm).toBe("specs.err.height");
    expect(validateSpecs({ ...emptySpecs, height_cm: "abc" }).height_cm).toBe("specs.err.number");
    expect(validateSpecs({ ...emptySpecs, height_cm: "175" })).toEqual({});
    expect(validateSpecs({ ...emptySpecs, height_cm: "175", weight_kg: "20" }).weight_kg).toBe("specs.err.weight");
    expect(validateSpecs({ ...emptySpecs, height_cm: "175", weight_kg: "70.5" })).toEqual({});
  });

  it("builds the request body with the coaching language", () => {
    expect(specsBody({ ...emptySpecs, height_cm: "175", weight_kg: "" }, "ko")).toEqual({
      height_cm: 175,
      weight_kg: null,
      stance: "orthodox",
      experience: "intermediate",
      language: "ko",
    });
  });
});

describe("SpecsForm", () => {
  it("shows inline errors on blur and blocks submitting", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    renderWithProviders(
      <SpecsForm onSubmit={onSubmit}>
        <button type="submit">Go</button>
      </SpecsForm>,
    );
    const height = screen.getByLabelText(/Height \(cm\)/);
    await user.type(height, "90");
    await user.tab();
    expect(screen.getByText("Height must be between 100 and 250 cm.")).toBeInTheDocument();
    expect(height).toHaveAttribute("aria-invalid", "true");
    await user.click(screen.getByRole("button", { name: "Go" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(height).toHaveFocus();
    await user.clear(height);
    await user.type(height, "175");
    expect(screen.queryByText("Height must be between 100 and 250 cm.")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Go" }));
    expect(onSubmit).toHaveBeenCalledWith(expect.objectContaining({ height_cm: "175" }));
  });

  it("shows the server's field messages", () => {
    renderWithProviders(<SpecsForm onSubmit={() => undefined} serverErrors={{ weight_kg: "weight_kg must be 30-200" }} />);
    expect(screen.getByText("weight_kg must be 30-200")).toBeInTheDocument();
  });

  it("speaks Korean", () => {
    renderWithProviders(<SpecsForm onSubmit={() => undefined} />, "ko");
    expect(screen.getByLabelText(/키 \(cm\)/)).toBeInTheDocument();
  });
});

describe("heights and weights as people type them", () => {
  it("reads decimal commas, feet and inches, and pounds", async () => {
    const { heightCm, weightKg } = await import("./SpecsForm");
    expect(heightCm("175,5")).toBe(175.5);
    expect(heightCm("178 cm")).toBe(178);
    expect(heightCm("5'10\"")).toBe(177.8);
    expect(heightCm("5 ft 10 in")).toBe(177.8);
    expect(heightCm("6'")).toBe(182.9);
    expect(heightCm("tall")).toBeNaN();
    expect(weightKg("70,5")).toBe(70.5);
    expect(weightKg("154 lb")).toBe(69.9);
    expect(weightKg("154lbs")).toBe(69.9);
    expect(weightKg("heavy")).toBeNaN();
    expect(validateSpecs({ ...emptySpecs, height_cm: "5'10\"", weight_kg: "154 lb" })).toEqual({});
    expect(specsBody({ ...emptySpecs, height_cm: "175,5", weight_kg: "154 lb" }, "en")).toMatchObject({
      height_cm: 175.5,
      weight_kg: 69.9,
    });
  });
});
