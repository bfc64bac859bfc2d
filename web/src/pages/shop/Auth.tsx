// Sign in and create an account.
import { useState, type FormEvent, type ReactElement } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { ApiError, describeError } from "../../api/errors";
import { sessionStore } from "../../auth/session";
import { useSessionNotice } from "../../auth/useSession";
import { Alert } from "../../components/Feedback";
import { usePageTitle } from "../../components/PageTitle";

export const MIN_PASSWORD = 12;

/** Where to go after signing in: only a path inside the app (never another site). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

async function signIn(email: string, password: string): Promise<void> {
  const token = await unwrap(
    api.users.POST("/auth/token", {
      body: { username: email, password },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }),
  );
  sessionStore.signIn(token.access_token);
}

export function LoginPage(): ReactElement {
  usePageTitle("Sign in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const notice = useSessionNotice();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: () => signIn(email.trim(), password),
    onSuccess: () => navigate(safeNext(params.get("next")), { replace: true }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  const next = params.get("next");
  return (
    <section className="auth-card" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <p className="muted">Welcome back. Sign in to check out and follow your orders.</p>
      {notice && !login.isError && <Alert tone="warning">{notice}</Alert>}
      {login.isError && <Alert tone="danger">{describeError(login.error)}</Alert>}
      <form onSubmit={submit} className="form" noValidate={false}>
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="button button-block" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="auth-switch">
        New to ecart?{" "}
        <Link to={next ? `/register?next=${encodeURIComponent(next)}` : "/register"}>Create an account</Link>
      </p>
    </section>
  );
}

export function registerError(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    return "An account with this email already exists. Sign in instead.";
  }
  return describeError(error);
}

export function RegisterPage(): ReactElement {
  usePageTitle("Create an account");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [tooShort, setTooShort] = useState(false);
  const register = useMutation({
    mutationFn: async () => {
      await unwrap(
        api.users.POST("/auth/register", { body: { name: name.trim(), email: email.trim(), password } }),
      );
      await signIn(email.trim(), password);
    },
    onSuccess: () => navigate(safeNext(params.get("next")), { replace: true }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password.length < MIN_PASSWORD) {
      setTooShort(true);
      return;
    }
    setTooShort(false);
    register.mutate();
  };
  return (
    <section className="auth-card" aria-labelledby="register-title">
      <h1 id="register-title">Create an account</h1>
      <p className="muted">It takes a minute. We only ask for what we need to deliver your orders.</p>
      {register.isError && <Alert tone="danger">{registerError(register.error)}</Alert>}
      <form onSubmit={submit} className="form">
        <div className="field">
          <label htmlFor="register-name">Full name</label>
          <input
            id="register-name"
            autoComplete="name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="register-email">Email</label>
          <input
            id="register-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="register-password">Password</label>
          <input
            id="register-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            maxLength={128}
            aria-describedby="password-help"
            aria-invalid={tooShort || undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="password-help" className={tooShort ? "field-error" : "field-help"}>
            At least {MIN_PASSWORD} characters. A short phrase is easy to remember and hard to guess.
          </p>
        </div>
        <button type="submit" className="button button-block" disabled={register.isPending}>
          {register.isPending ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p className="auth-switch">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
