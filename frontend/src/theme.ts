// A Material 3 flavoured MUI theme: tonal surfaces, large rounded shapes, pill buttons, a red "glove" primary.
import { createTheme } from "@mui/material/styles";

export const tones = {
  primary: "#8c1d18",
  onPrimary: "#ffffff",
  primaryContainer: "#ffdad5",
  onPrimaryContainer: "#410001",
  secondary: "#775651",
  secondaryContainer: "#ffdad5",
  tertiary: "#705c2e",
  tertiaryContainer: "#fbdfa6",
  surface: "#fff8f6",
  surfaceContainer: "#fceae7",
  surfaceContainerLow: "#fff0ee",
  surfaceContainerHigh: "#f6e4e1",
  outline: "#857370",
  outlineVariant: "#d8c2be",
  onSurface: "#231918",
  onSurfaceVariant: "#534341",
  strike: "#c62828",
  defense: "#1565c0",
  fault: "#ef6c00",
};

export const theme = createTheme({
  palette: {
    mode: "light",
    primary: { main: tones.primary, contrastText: tones.onPrimary },
    secondary: { main: tones.secondary },
    error: { main: "#ba1a1a" },
    background: { default: tones.surface, paper: "#ffffff" },
    text: { primary: tones.onSurface, secondary: tones.onSurfaceVariant },
    divider: tones.outlineVariant,
  },
  // sx borderRadius numbers multiply this (2 → 8px); components below set their own M3 radii.
  shape: { borderRadius: 4 },
  typography: {
    fontFamily:
      'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif',
    h1: { fontSize: "2.25rem", fontWeight: 600, lineHeight: 1.2 },
    h2: { fontSize: "1.5rem", fontWeight: 600 },
    h3: { fontSize: "1.2rem", fontWeight: 600 },
    button: { textTransform: "none", fontWeight: 600 },
  },
  components: {
    MuiButton: {
      defaultProps: { disableElevation: true },
      styleOverrides: { root: { borderRadius: 999, paddingInline: 20, minHeight: 40 } },
    },
    MuiCard: {
      defaultProps: { elevation: 0 },
      styleOverrides: { root: { borderRadius: 16, backgroundColor: tones.surfaceContainerLow } },
    },
    MuiPaper: { styleOverrides: { rounded: { borderRadius: 16 } } },
    MuiAppBar: {
      defaultProps: { elevation: 0, color: "inherit" },
      styleOverrides: { root: { backgroundColor: tones.surfaceContainer } },
    },
    MuiChip: { styleOverrides: { root: { borderRadius: 8 } } },
    MuiAlert: { styleOverrides: { root: { borderRadius: 12 } } },
    MuiDialog: { styleOverrides: { paper: { borderRadius: 28 } } },
    MuiMenu: { styleOverrides: { paper: { borderRadius: 8 } } },
    MuiLinearProgress: { styleOverrides: { root: { height: 8, borderRadius: 4 } } },
    MuiButtonBase: {
      styleOverrides: {
        root: { "&.Mui-focusVisible": { outline: `3px solid ${tones.primary}`, outlineOffset: 2 } },
      },
    },
  },
});
