import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from "react";
import useSWR from "swr";
import { Navigate, useLocation } from "react-router-dom";
import { Box, CircularProgress } from "@mui/material";
import { api, setSignedOutHandler, unwrap } from "./api/client";
import { ApiError } from "./api/errors";
import type { User } from "./api/types";
import { useI18n } from "./i18n/I18n";

interface AuthValue {
  user: User | null;
  loading: boolean;
  refresh: () => Promise<unknown>;
  logout: () => Promise<void>;
  loginLocal: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

async function fetchMe(): Promise<User | null> {
  try {
    return await unwrap<User>(api.GET("/api/v1/auth/me"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const { data, isLoading, mutate } = useSWR("auth/me", fetchMe, { revalidateOnFocus: true });
  useEffect(() => {
    setSignedOutHandler(() => void mutate(null, { revalidate: false }));
    return () => setSignedOutHandler(null);
  }, [mutate]);
  const logout = useCallback(async () => {
    await api.POST("/api/v1/auth/logout").catch(() => undefined);
    await mutate(null, { revalidate: false });
  }, [mutate]);
  const loginLocal = useCallback(async () => {
    const user = await unwrap<User>(api.POST("/api/v1/auth/local/login"));
    await mutate(user, { revalidate: false });
  }, [mutate]);
  const value = useMemo(
    () => ({ user: data ?? null, loading: isLoading, refresh: () => mutate(), logout, loginLocal }),
    [data, isLoading, mutate, logout, loginLocal],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** Renders its children for a signed-in user; otherwise sends the browser to /login?next=here. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { user, loading } = useAuth();
  const location = useLocation();
  const { t } = useI18n();
  if (loading) {
    return (
      <Box sx={{ display: "flex", justifyContent: "center", py: 8 }}>
        <CircularProgress aria-label={t("common.loading")} />
      </Box>
    );
  }
  if (!user) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
