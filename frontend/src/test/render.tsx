import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { ThemeProvider } from "@mui/material";
import { I18nProvider } from "../i18n/I18n";
import { theme } from "../theme";

export function renderWithProviders(ui: ReactElement, lang: "en" | "ko" = "en") {
  return render(
    <ThemeProvider theme={theme}>
      <I18nProvider lang={lang}>{ui}</I18nProvider>
    </ThemeProvider>,
  );
}
