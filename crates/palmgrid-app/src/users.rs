//! User accounts and role grants (administrators only), plus the first-admin bootstrap
//! used by `palmgrid user add`.

use crate::audit::Who;
use crate::auth::validate_username;
use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::password::check_password;
use palmgrid_domain::{MembershipId, RegionCode, Role, UserId};
use palmgrid_store::{MembershipRow, UserRow};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

impl App {
    /// Creates a user with validated name and password; no authorisation (callers check).
    pub(crate) async fn insert_user(&self, new: &NewUser) -> Result<UserRow> {
        let row = self.new_user_row(new).await?;
        self.store.insert_user(&row).await?;
        Ok(row)
    }

    /// A checked account row (name and password policy, hashed password), not yet stored.
    pub(crate) async fn new_user_row(&self, new: &NewUser) -> Result<UserRow> {
        let username = validate_username(&new.username)?;
        check_password(&username, &new.password).map_err(|e| AppError::Validation(e.to_string()))?;
        let display_name = new.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 64 {
            return Err(AppError::Validation("display name must be 1–64 characters".into()));
        }
        let now = self.now_ms();
        let row = UserRow {
            id: UserId::new().to_string(),
            username,
            display_name: display_name.to_owned(),
            password_hash: self.hash_password(&new.password).await?,
            disabled: false,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
            created_ms: now,
            updated_ms: now,
        };
        Ok(row)
    }

    /// Resolves a region code to its id; `None` stays `None` (deployment-wide).
    async fn region_id_for(&self, code: Option<&str>) -> Result<(Option<String>, Option<RegionCode>)> {
        match code {
            None => Ok((None, None)),
            Some(c) => {
                let code = RegionCode::parse(c).map_err(|e| AppError::Validation(e.to_string()))?;
                let row = self
                    .store
                    .region_by_code(code.as_str())
                    .await?
                    .ok_or_else(|| AppError::Validation(format!("unknown region {code}")))?;
                Ok((Some(row.id), Some(code)))
            }
        }
    }

    /// For the command line: creates a user with one grant, recorded as done by the
    /// local operator. Used for the first administrator, before anyone can log in.
    pub async fn bootstrap_user(&self, new: &NewUser, role: Role, region_code: Option<&str>) -> Result<UserRow> {
        let (region_id, _) = self.region_id_for(region_code).await?;
        let row = self.insert_user(new).await?;
        self.store
            .insert_membership(
                &MembershipId::new().to_string(),
                &row.id,
                role.as_str(),
                region_id.as_deref(),
                self.now_ms(),
            )
            .await?;
        let who = Who { actor_id: None, actor_name: "local-operator".into(), actor_role: "cli".into() };
        self.record(
            &who,
            &RequestCtx::local(palmgrid_domain::Zone::Government),
            "user.create",
            &format!("user:{}", row.id),
            RESULT_OK,
            json!({"username": row.username, "role": role.as_str(), "region": region_code}),
        )
        .await?;
        Ok(row)
    }

    pub async fn create_user(&self, s: &Session, ctx: &RequestCtx, new: &NewUser) -> Result<UserRow> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        let row = self.insert_user(new).await?;
        self.record(
            &s.into(),
            ctx,
            "user.create",
            &format!("user:{}", row.id),
            RESULT_OK,
            json!({"username": row.username}),
        )
        .await?;
        Ok(row)
    }

    pub async fn list_users(&self, s: &Session) -> Result<Vec<(UserRow, Vec<MembershipRow>)>> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        let mut out = Vec::new();
        for u in self.store.list_users().await? {
            let ms = self.store.memberships_of(&u.id).await?;
            out.push((u, ms));
        }
        Ok(out)
    }

    pub async fn get_user(&self, s: &Session, id: &str) -> Result<(UserRow, Vec<MembershipRow>)> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        let u = self.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
        let ms = self.store.memberships_of(&u.id).await?;
        Ok((u, ms))
    }

    /// Disables or re-enables an account; disabling revokes its sessions at once.
    pub async fn set_user_disabled(&self, s: &Session, ctx: &RequestCtx, id: &str, disabled: bool) -> Result<()> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        if id == s.user_id && disabled {
            return Err(AppError::Validation("you cannot disable your own account".into()));
        }
        self.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
        let action = if disabled { "user.disable" } else { "user.enable" };
        self.record(&s.into(), ctx, action, &format!("user:{id}"), RESULT_OK, json!({})).await?;
        self.store.set_user_disabled(id, disabled, self.now_ms()).await?;
        if disabled {
            self.store.delete_sessions_of(id).await?;
        }
        Ok(())
    }

    /// Sets a new password for another user (e.g. forgotten password) and revokes their
    /// sessions.
    pub async fn reset_password(&self, s: &Session, ctx: &RequestCtx, id: &str, password: &str) -> Result<()> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        let u = self.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
        check_password(&u.username, password).map_err(|e| AppError::Validation(e.to_string()))?;
        let hash = self.hash_password(password).await?;
        self.record(&s.into(), ctx, "user.password.reset", &format!("user:{id}"), RESULT_OK, json!({})).await?;
        self.store.update_password(id, &hash, self.now_ms()).await?;
        self.store.delete_sessions_of(id).await?;
        self.store.unlock_username(&u.username).await?;
        Ok(())
    }

    /// Grants `role` over the subtree of `region_code` (`None`: whole deployment).
    pub async fn grant_role(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        user_id: &str,
        role: Role,
        region_code: Option<&str>,
    ) -> Result<MembershipRow> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        let (region_id, scope) = self.region_id_for(region_code).await?;
        self.authorize(s, Action::GrantRole, &Resource::Grant { role, scope })?;
        self.store.user_by_id(user_id).await?.ok_or(AppError::NotFound)?;
        let existing = self.store.memberships_of(user_id).await?;
        if existing.iter().any(|m| m.role == role.as_str() && m.region_id == region_id) {
            return Err(AppError::Conflict("the user already holds this role here".into()));
        }
        let id = MembershipId::new().to_string();
        self.record(
            &s.into(),
            ctx,
            "membership.grant",
            &format!("user:{user_id}"),
            RESULT_OK,
            json!({"membership": id, "role": role.as_str(), "region": region_code}),
        )
        .await?;
        self.store.insert_membership(&id, user_id, role.as_str(), region_id.as_deref(), self.now_ms()).await?;
        self.store.membership(&id).await?.ok_or(AppError::NotFound)
    }

    pub async fn revoke_role(&self, s: &Session, ctx: &RequestCtx, membership_id: &str) -> Result<()> {
        self.authorize(s, Action::ManageUsers, &Resource::Directory)?;
        let m = self.store.membership(membership_id).await?.ok_or(AppError::NotFound)?;
        let role = Role::parse(&m.role).ok_or_else(|| AppError::Internal(format!("unknown role {}", m.role)))?;
        let scope = m
            .region_code
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        self.authorize(s, Action::GrantRole, &Resource::Grant { role, scope })?;
        self.record(
            &s.into(),
            ctx,
            "membership.revoke",
            &format!("user:{}", m.user_id),
            RESULT_OK,
            json!({"membership": m.id, "role": m.role, "region": m.region_code}),
        )
        .await?;
        self.store.delete_membership(membership_id).await?;
        Ok(())
    }
}
