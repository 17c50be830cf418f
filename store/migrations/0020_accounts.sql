-- Accounts, sessions, login throttling, one-time set-up links and the audit log (api/auth/).
-- Pupil data never appears here: the audit log names targets by opaque id (case id, pupil uuid).

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,                  -- stored lower-cased
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('officer', 'manager', 'admin')),
  all_schools boolean NOT NULL DEFAULT false,  -- scope: every school (the first administrator)
  password_hash text,                          -- scrypt$N$r$p$salt$hash; null until set via a set-up link
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A user's scope: the schools whose pupils and cases they may see.
CREATE TABLE user_schools (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  school_id text NOT NULL,                     -- no FK: a scope may name a school before its first import
  PRIMARY KEY (user_id, school_id)
);
CREATE INDEX user_schools_school_idx ON user_schools (school_id);

-- Sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,                    -- the double-submit token the x-csrf-token header must carry
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Failed logins, for throttling (per account + IP and per account). Rows older than a day are purged.
CREATE TABLE login_failures (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  ip text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_idx ON login_failures (email, at);

-- One-time links: the first administrator's set-up, and password (re)set links an admin hands out.
CREATE TABLE setup_tokens (
  token_hash text PRIMARY KEY,
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,   -- null: creates the first administrator
  purpose text NOT NULL CHECK (purpose IN ('first-admin', 'set-password')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Every decision and change: who, when, what, on which target. `details` holds ids and choices,
-- never names, addresses or letter text.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id uuid,                                -- null for the system or an unknown login
  role text,
  action text NOT NULL,                        -- e.g. approval.approve, case.event.outcome, user.create
  target_type text,                            -- case, pupil, user, school, policy, import, letter
  target_id text,
  school_id text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_school_idx ON audit_log (school_id, at);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
