//! Password policy (security checklist AUTH‑3, with the numbers).

pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("password must not be the user name")]
    SameAsUsername,
    #[error("password is too long (at most 256 characters)")]
    TooLong,
}

/// Checks a new password; characters are counted as Unicode scalar values.
pub fn check_password(username: &str, password: &str) -> Result<(), PasswordPolicyError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooShort);
    }
    if chars > 256 {
        return Err(PasswordPolicyError::TooLong);
    }
    if password.trim().to_lowercase() == username.trim().to_lowercase() {
        return Err(PasswordPolicyError::SameAsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check_password("a", "short"), Err(PasswordPolicyError::TooShort));
        assert_eq!(check_password("a", "12345678901"), Err(PasswordPolicyError::TooShort));
        assert_eq!(check_password("a", "123456789012"), Ok(()));
        assert_eq!(check_password("longusername", "LongUserName"), Err(PasswordPolicyError::SameAsUsername));
        // Twelve Chinese characters are twelve characters, not 36 bytes.
        assert_eq!(check_password("a", "网格化视频监控掌上社区安"), Ok(()));
        assert_eq!(check_password("a", "网格化视频监控掌上社区"), Err(PasswordPolicyError::TooShort));
    }
}
