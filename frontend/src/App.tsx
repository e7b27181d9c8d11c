import { lazy, Suspense, useState } from "react";
import { Link as RouterLink, Route, Routes, useNavigate } from "react-router-dom";
import {
  AppBar,
  Box,
  Button,
  CircularProgress,
  Container,
  CssBaseline,
  GlobalStyles,
  IconButton,
  Menu,
  MenuItem,
  ThemeProvider,
  ToggleButton,
  ToggleButtonGroup,
  Toolbar,
  Typography,
} from "@mui/material";
import { SWRConfig } from "swr";
import { theme } from "./theme";
import { I18nProvider, useI18n } from "./i18n/I18n";
import { AuthProvider, RequireAuth, useAuth } from "./auth";
import { ApiError } from "./api/errors";
import { Landing } from "./pages/Landing";
import { Login } from "./pages/Login";
import { UploadPage } from "./pages/Upload";
import { ConfigurePage } from "./pages/Configure";
import { ProcessingPage } from "./pages/Processing";
import { NotFound } from "./pages/NotFound";
import { GloveIcon, MenuIcon } from "./components/icons";

const ReportPage = lazy(() => import("./pages/Report"));
const SharedPage = lazy(() => import("./pages/Shared"));
const DashboardPage = lazy(() => import("./pages/Dashboard"));
const ComparePage = lazy(() => import("./pages/Compare"));
const SamplePage = lazy(() => import("./pages/Sample"));

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <ToggleButtonGroup
      size="small"
      exclusive
      value={lang}
      onChange={(_, value) => value && setLang(value)}
      aria-label={t("nav.language")}
      sx={{ bgcolor: "background.paper", borderRadius: 999, "& .MuiToggleButton-root": { border: 0, px: 1.2, borderRadius: 999 } }}
    >
      <ToggleButton value="en" aria-label="English" lang="en">
        EN
      </ToggleButton>
      <ToggleButton value="ko" aria-label="한국어" lang="ko">
        한
      </ToggleButton>
    </ToggleButtonGroup>
  );
}

function TopBar() {
  const { t } = useI18n();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const [menu, setMenu] = useState<HTMLElement | null>(null);
  const signOut = async () => {
    setMenu(null);
    await logout();
    navigate("/");
  };
  return (
    <AppBar position="sticky" component="header">
      <Toolbar sx={{ gap: 1 }}>
        <Box
          component={RouterLink}
          to="/"
          sx={{ display: "flex", alignItems: "center", gap: 1, color: "primary.main", textDecoration: "none", mr: "auto" }}
        >
          <GloveIcon />
          <Typography component="span" sx={{ fontWeight: 700, fontSize: "1.1rem", color: "text.primary" }}>
            {t("app.name")}
          </Typography>
        </Box>
        <Box component="nav" aria-label={t("nav.menu")} sx={{ display: { xs: "none", sm: "flex" }, gap: 1 }}>
          {user && (
            <>
              <Button component={RouterLink} to="/upload">
                {t("nav.upload")}
              </Button>
              <Button component={RouterLink} to="/dashboard">
                {t("nav.dashboard")}
              </Button>
              <Button onClick={signOut}>{t("nav.logout")}</Button>
            </>
          )}
          {!user && (
            <Button component={RouterLink} to="/login" variant="contained">
              {t("nav.login")}
            </Button>
          )}
        </Box>
        <LanguageSwitch />
        <IconButton
          sx={{ display: { xs: "inline-flex", sm: "none" } }}
          aria-label={t("nav.menu")}
          aria-haspopup="menu"
          onClick={(e) => setMenu(e.currentTarget)}
        >
          <MenuIcon />
        </IconButton>
        <Menu anchorEl={menu} open={Boolean(menu)} onClose={() => setMenu(null)}>
          {user
            ? [
                <MenuItem key="u" component={RouterLink} to="/upload" onClick={() => setMenu(null)}>
                  {t("nav.upload")}
                </MenuItem>,
                <MenuItem key="d" component={RouterLink} to="/dashboard" onClick={() => setMenu(null)}>
                  {t("nav.dashboard")}
                </MenuItem>,
                <MenuItem key="o" onClick={signOut}>
                  {t("nav.logout")}
                </MenuItem>,
              ]
            : [
                <MenuItem key="l" component={RouterLink} to="/login" onClick={() => setMenu(null)}>
                  {t("nav.login")}
                </MenuItem>,
              ]}
        </Menu>
      </Toolbar>
    </AppBar>
  );
}

function Loading() {
  const { t } = useI18n();
  return (
    <Box sx={{ display: "flex", justifyContent: "center", py: 8 }}>
      <CircularProgress aria-label={t("common.loading")} />
    </Box>
  );
}

function Shell() {
  const { t } = useI18n();
  return (
    <>
      <Box
        component="a"
        href="#main"
        sx={{
          position: "absolute",
          left: 8,
          top: -48,
          zIndex: 2000,
          bgcolor: "primary.main",
          color: "primary.contrastText",
          px: 2,
          py: 1,
          borderRadius: 2,
          "&:focus": { top: 8 },
        }}
      >
        {t("app.skip")}
      </Box>
      <TopBar />
      <Container component="main" id="main" tabIndex={-1} maxWidth="lg" sx={{ py: { xs: 2, sm: 4 }, outline: "none" }}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Landing />} />
            <Route path="/login" element={<Login />} />
            <Route path="/upload" element={<RequireAuth><UploadPage /></RequireAuth>} />
            <Route path="/configure/:analysisId" element={<RequireAuth><ConfigurePage /></RequireAuth>} />
            <Route path="/processing/:analysisId" element={<RequireAuth><ProcessingPage /></RequireAuth>} />
            <Route path="/report/:analysisId" element={<RequireAuth><ReportPage /></RequireAuth>} />
            <Route path="/dashboard" element={<RequireAuth><DashboardPage /></RequireAuth>} />
            <Route path="/compare/:a/:b" element={<RequireAuth><ComparePage /></RequireAuth>} />
            <Route path="/share/:hash" element={<SharedPage />} />
            <Route path="/sample" element={<SamplePage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Container>
    </>
  );
}

export function App() {
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      {/* Printing a report (or saving it as PDF): the report alone, on white, without the app's controls. */}
      <GlobalStyles
        styles={{
          "@media print": {
            "header, .no-print, .MuiSwitch-root, .MuiFormControlLabel-root": { display: "none !important" },
            body: { background: "#fff !important" },
            "section, figure": { breakInside: "avoid" },
          },
        }}
      />
      <I18nProvider>
        <SWRConfig
          value={{
            shouldRetryOnError: (error: unknown) => !(error instanceof ApiError && error.status >= 400 && error.status < 500),
            revalidateOnFocus: false,
          }}
        >
          <AuthProvider>
            <Shell />
          </AuthProvider>
        </SWRConfig>
      </I18nProvider>
    </ThemeProvider>
  );
}
