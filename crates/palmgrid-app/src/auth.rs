//! Login, sessions, lockout, password changes and TOTP.
//!
//! Tokens are 32 random bytes; only their SHA-256 is stored, so a database leak does not
//! leak sessions. A refused login answers the same way whether the user exists or not:
//! failures and lockouts are counted per user *name*, and an unknown name still costs one
//! Argon2 verification.

use crate::audit::Who;
use crate::{App, AppError, RequestCtx, Result};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use palmgrid_domain::audit::{RESULT_DENIED, RESULT_FAILED, RESULT_OK};
use palmgrid_domain::authz::{Actor, Grant};
use palmgrid_domain::{RegionCode, Role, UserId, totp};
use palmgrid_store::{MembershipRow, SessionRow, UserRow};
use serde_json::json;

/// An authenticated request's identity.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub memberships: Vec<MembershipRow>,
    pub actor: Actor,
    pub totp_enabled: bool,
    /// The account needs TOTP (by role) and has not enrolled yet: only self-service
    /// routes are open until it does.
    pub totp_pending: bool,
}

impl Session {
    pub fn roles_label(&self) -> String {
        let mut roles: Vec<&str> = self.memberships.iter().map(|m| m.role.as_str()).collect();
        roles.sort_unstable();
        roles.dedup();
        roles.join(",")
    }

    pub fn requires_totp(&self) -> bool {
        self.actor.roles().any(Role::requires_totp)
    }
}

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub session: Session,
}

pub fn hash_token(token: &str) -> String {
    crate::cases::sha256_hex(token.as_bytes())
}

/// Lower-cased, trimmed user name; the key for lookups and lockouts.
pub fn normalize_username(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Checks the form of a new user name: 3–64 characters of letters, digits, `.`, `_`, `-`.
pub fn validate_username(name: &str) -> Result<String> {
    let n = normalize_username(name);
    let ok_chars = n.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&n.chars().count()) || !ok_chars {
        return Err(AppError::Validation("user name must be 3–64 letters, digits, '.', '_' or '-'".into()));
    }
    Ok(n)
}

fn grants_of(memberships: &[MembershipRow]) -> Vec<Grant> {
    memberships
        .iter()
        .filter_map(|m| {
            let role = Role::parse(&m.role)?;
            let scope = match &m.region_code {
                Some(code) => Some(RegionCode::parse(code).ok()?),
                None => None,
            };
            Some(Grant { role, scope })
        })
        .collect()
}

impl App {
    fn argon2(&self) -> Argon2<'static> {
        let params = Params::new(self.auth.argon2_m_cost_kib, self.auth.argon2_t_cost, 1, None)
            .expect("valid argon2 parameters");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Hashes a password with Argon2id on a blocking thread.
    pub async fn hash_password(&self, password: &str) -> Result<String> {
        let argon = self.argon2();
        let pw = password.to_owned();
        tokio::task::spawn_blocking(move || argon.hash_password(pw.as_bytes()).map(|h| h.to_string()))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    async fn verify_password(&self, password: &str, hash: &str) -> bool {
        let argon = self.argon2();
        let (pw, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || argon.verify_password(pw.as_bytes(), hash.as_str()).is_ok())
            .await
            .unwrap_or(false)
    }

    /// A hash to verify against when the user does not exist, so timing does not tell.
    async fn dummy_hash(&self) -> String {
        static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        DUMMY
            .get_or_init(|| async { self.hash_password("palmgrid-dummy-password").await.unwrap_or_default() })
            .await
            .clone()
    }

    /// Password login (plus TOTP or a recovery code when the account has one).
    pub async fn login(
        &self,
        ctx: &RequestCtx,
        username: &str,
        password: &str,
        totp_code: Option<&str>,
    ) -> Result<LoginOutcome> {
        let name = normalize_username(username);
        if name.is_empty() || name.chars().count() > 64 || password.len() > 1024 {
            return Err(AppError::InvalidCredentials);
        }
        let who = Who { actor_id: None, actor_name: name.clone(), actor_role: String::new() };
        let now = self.now_ms();
        if let Some(until_ms) = self.store.locked_until(&name, now).await? {
            self.record(&who, ctx, "auth.login", &format!("user:{name}"), RESULT_DENIED, json!({"reason": "locked"}))
                .await?;
            self.failure_delay().await;
            return Err(AppError::AccountLocked { until_ms });
        }
        let user = self.store.user_by_username(&name).await?;
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => self.dummy_hash().await,
        };
        let password_ok = self.verify_password(password, &hash).await;
        let user = match user {
            Some(u) if password_ok && !u.disabled => u,
            _ => {
                return Err(self.login_failed(&who, ctx, &name, "bad_credentials").await?);
            }
        };
        let who = Who { actor_id: Some(user.id.clone()), ..who };
        if user.totp_enabled {
            let Some(code) = totp_code.filter(|c| !c.trim().is_empty()) else {
                self.record(
                    &who,
                    ctx,
                    "auth.login",
                    &format!("user:{}", user.id),
                    RESULT_DENIED,
                    json!({"reason": "totp_required"}),
                )
                .await?;
                return Err(AppError::TotpRequired);
            };
            if !self.check_second_factor(&user, code).await? {
                return match self.login_failed(&who, ctx, &name, "bad_totp").await? {
                    AppError::InvalidCredentials => Err(AppError::InvalidTotp),
                    other => Err(other),
                };
            }
        }
        self.store.clear_login_failures(&name).await?;
        let token = hex::encode(crate::random_bytes::<32>());
        let memberships = self.store.memberships_of(&user.id).await?;
        let staff = grants_of(&memberships).iter().any(|g| g.role.is_staff()) || memberships.is_empty();
        let row = SessionRow {
            token_hash: hash_token(&token),
            user_id: user.id.clone(),
            created_ms: now,
            last_seen_ms: now,
            expires_ms: now + self.auth.absolute_lifetime_ms,
            idle_timeout_ms: if staff { self.auth.staff_idle_timeout_ms } else { self.auth.member_idle_timeout_ms },
            mfa_ok: user.totp_enabled,
            source: ctx.source.clone(),
        };
        self.store.insert_session(&row).await?;
        let session = self.session_for(row, user, memberships, ctx)?;
        self.record(
            &(&session).into(),
            ctx,
            "auth.login",
            &format!("user:{}", session.user_id),
            RESULT_OK,
            json!({"second_factor": session.totp_enabled}),
        )
        .await?;
        Ok(LoginOutcome { token, session })
    }

    /// Counts a failure, locks the name at the threshold, records both and waits. The
    /// attempt that reaches the threshold is still answered `invalid_credentials`, like
    /// the ones before it; the next one sees the lock.
    async fn login_failed(&self, who: &Who, ctx: &RequestCtx, name: &str, reason: &str) -> Result<AppError> {
        let now = self.now_ms();
        let failures = self.store.record_login_failure(name, now, now - self.auth.lockout_window_ms).await?;
        let target = format!("user:{name}");
        self.record(who, ctx, "auth.login", &target, RESULT_FAILED, json!({"reason": reason, "failures": failures}))
            .await?;
        if failures >= self.auth.lockout_threshold {
            let until = now + self.auth.lockout_duration_ms;
            self.store.lock_username(name, until).await?;
            self.store.clear_login_failures(name).await?;
            self.record(
                who,
                ctx,
                "auth.lockout",
                &target,
                RESULT_OK,
                json!({"failures": failures, "locked_until_ms": until}),
            )
            .await?;
            tracing::warn!(user = name, "login locked after {failures} failures");
        }
        self.failure_delay().await;
        Ok(AppError::InvalidCredentials)
    }

    async fn failure_delay(&self) {
        if self.auth.failure_delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.auth.failure_delay_ms)).await;
        }
    }

    /// A TOTP code (not replayed) or an unused recovery code.
    async fn check_second_factor(&self, user: &UserRow, code: &str) -> Result<bool> {
        let Some(secret) = &user.totp_secret else {
            return Ok(false);
        };
        let now_s = self.now_ms() / 1000;
        let last = user.totp_last_step.map(|s| s as u64);
        if let Some(step) = totp::verify(secret, code, now_s, last) {
            self.store.set_totp_state(&user.id, true, Some(step as i64), self.now_ms()).await?;
            return Ok(true);
        }
        let normalized: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        Ok(self.store.use_recovery_code(&user.id, &hash_token(&normalized), self.now_ms()).await?)
    }

    fn session_for(
        &self,
        row: SessionRow,
        user: UserRow,
        memberships: Vec<MembershipRow>,
        ctx: &RequestCtx,
    ) -> Result<Session> {
        let user_id = UserId::parse(&user.id).map_err(|e| AppError::Internal(e.to_string()))?;
        let actor = Actor { user_id, grants: grants_of(&memberships), listener_zone: ctx.listener_zone };
        let needs = actor.roles().any(Role::requires_totp);
        Ok(Session {
            token_hash: row.token_hash,
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            memberships,
            totp_enabled: user.totp_enabled,
            totp_pending: self.auth.enforce_totp && needs && !row.mfa_ok,
            actor,
        })
    }

    /// Resolves a bearer token to a session, enforcing idle and absolute expiry.
    pub async fn authenticate(&self, ctx: &RequestCtx, token: &str) -> Result<Session> {
        if token.len() != 64 {
            return Err(AppError::Unauthenticated);
        }
        let th = hash_token(token);
        let Some(row) = self.store.session(&th).await? else {
            return Err(AppError::Unauthenticated);
        };
        let now = self.now_ms();
        if now >= row.expires_ms || now >= row.last_seen_ms + row.idle_timeout_ms {
            self.store.delete_session(&th).await?;
            return Err(AppError::Unauthenticated);
        }
        let Some(user) = self.store.user_by_id(&row.user_id).await? else {
            return Err(AppError::Unauthenticated);
        };
        if user.disabled {
            self.store.delete_session(&th).await?;
            return Err(AppError::Unauthenticated);
        }
        // Touch at most every 10 s: the idle timeout is minutes, and this saves a write
        // per request.
        if now - row.last_seen_ms >= 10_000 {
            self.store.touch_session(&th, now).await?;
        }
        let memberships = self.store.memberships_of(&user.id).await?;
        self.session_for(row, user, memberships, ctx)
    }

    /// Records an action a user takes on their own account.
    async fn record_on_self(&self, session: &Session, ctx: &RequestCtx, action: &str, result: &str) -> Result<()> {
        let target = format!("user:{}", session.user_id);
        self.record(&session.into(), ctx, action, &target, result, json!({})).await.map(|_| ())
    }

    pub async fn logout(&self, session: &Session, ctx: &RequestCtx) -> Result<()> {
        self.store.delete_session(&session.token_hash).await?;
        self.record_on_self(session, ctx, "auth.logout", RESULT_OK).await?;
        Ok(())
    }

    /// Changes one's own password; every other session of the account is revoked.
    pub async fn change_own_password(&self, session: &Session, ctx: &RequestCtx, old: &str, new: &str) -> Result<()> {
        let user = self.store.user_by_id(&session.user_id).await?.ok_or(AppError::Unauthenticated)?;
        if !self.verify_password(old, &user.password_hash).await {
            self.record_on_self(session, ctx, "user.password.change", RESULT_DENIED).await?;
            return Err(AppError::InvalidCredentials);
        }
        palmgrid_domain::password::check_password(&user.username, new)
            .map_err(|e| AppError::Validation(e.to_string()))?;
        let hash = self.hash_password(new).await?;
        self.record_on_self(session, ctx, "user.password.change", RESULT_OK).await?;
        self.store.update_password(&user.id, &hash, self.now_ms()).await?;
        self.store.delete_sessions_of(&user.id).await?;
        Ok(())
    }

    /// Starts TOTP enrolment: a new secret and ten recovery codes, shown once.
    pub async fn totp_enroll(&self, session: &Session, ctx: &RequestCtx) -> Result<TotpEnrollment> {
        if session.totp_enabled {
            return Err(AppError::Conflict("TOTP is already enabled for this account".into()));
        }
        let secret = crate::random_bytes::<20>();
        let codes: Vec<String> =
            (0..10).map(|_| data_encoding::BASE32_NOPAD.encode(&crate::random_bytes::<5>()).to_lowercase()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| hash_token(c)).collect();
        self.record_on_self(session, ctx, "user.totp.enroll", RESULT_OK).await?;
        self.store.set_totp_pending(&session.user_id, &secret, &hashes, self.now_ms()).await?;
        Ok(TotpEnrollment {
            secret_base32: totp::secret_to_base32(&secret),
            otpauth_uri: totp::otpauth_uri("palmgrid", &session.username, &secret),
            recovery_codes: codes,
        })
    }

    /// Confirms enrolment with a first code; the current session then counts as
    /// second-factor authenticated.
    pub async fn totp_confirm(&self, session: &Session, ctx: &RequestCtx, code: &str) -> Result<()> {
        let user = self.store.user_by_id(&session.user_id).await?.ok_or(AppError::Unauthenticated)?;
        let Some(secret) = &user.totp_secret else {
            return Err(AppError::Validation("start TOTP enrolment first".into()));
        };
        if user.totp_enabled {
            return Err(AppError::Conflict("TOTP is already enabled for this account".into()));
        }
        let Some(step) = totp::verify(secret, code, self.now_ms() / 1000, None) else {
            self.record_on_self(session, ctx, "user.totp.confirm", RESULT_FAILED).await?;
            return Err(AppError::InvalidTotp);
        };
        self.record_on_self(session, ctx, "user.totp.confirm", RESULT_OK).await?;
        self.store.set_totp_state(&user.id, true, Some(step as i64), self.now_ms()).await?;
        self.store.set_session_mfa(&session.token_hash, true).await?;
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct TotpEnrollment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub recovery_codes: Vec<String>,
}
