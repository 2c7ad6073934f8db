//! Region codes: GB/T 2260 district code (6 digits) + street (3) + community (3) + grid (3).
//!
//! Codes nest by prefix, so "is this region inside that scope" is a prefix test on
//! validated codes.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    District,
    Street,
    Community,
    Grid,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 4] =
        [RegionLevel::District, RegionLevel::Street, RegionLevel::Community, RegionLevel::Grid];

    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::District => "district",
            RegionLevel::Street => "street",
            RegionLevel::Community => "community",
            RegionLevel::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Option<RegionLevel> {
        RegionLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Number of digits of a code at this level.
    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::District => 6,
            RegionLevel::Street => 9,
            RegionLevel::Community => 12,
            RegionLevel::Grid => 15,
        }
    }

    /// The level a parent must have; `None` for the root level.
    pub fn parent_level(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::District => None,
            RegionLevel::Street => Some(RegionLevel::District),
            RegionLevel::Community => Some(RegionLevel::Street),
            RegionLevel::Grid => Some(RegionLevel::Community),
        }
    }

    fn from_len(len: usize) -> Option<RegionLevel> {
        RegionLevel::ALL.into_iter().find(|l| l.code_len() == len)
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("region code must contain only digits, got {0:?}")]
    NotDigits(String),
    #[error("region code must have 6, 9, 12 or 15 digits, got {0}")]
    BadLength(usize),
    #[error("district code {0} is not a GB/T 2260 county-level code (province 11–82, last four digits not 0000)")]
    NotCounty(String),
    #[error("the {level} part of {code} must not be 000")]
    ZeroSegment { code: String, level: RegionLevel },
}

/// A validated region code; its level follows from its length.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, RegionCodeError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::NotDigits(s.to_owned()));
        }
        let level = RegionLevel::from_len(s.len()).ok_or(RegionCodeError::BadLength(s.len()))?;
        let province: u32 = s[0..2].parse().expect("digits");
        if !(11..=82).contains(&province) || &s[2..6] == "0000" {
            return Err(RegionCodeError::NotCounty(s[0..6].to_owned()));
        }
        for l in [RegionLevel::Street, RegionLevel::Community, RegionLevel::Grid] {
            if l.code_len() <= s.len() && &s[l.code_len() - 3..l.code_len()] == "000" {
                return Err(RegionCodeError::ZeroSegment { code: s.to_owned(), level: l });
            }
        }
        let _ = level;
        Ok(RegionCode(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        RegionLevel::from_len(self.0.len()).expect("validated length")
    }

    /// The code of the enclosing region, `None` for a district.
    pub fn parent(&self) -> Option<RegionCode> {
        self.level().parent_level().map(|l| RegionCode(self.0[..l.code_len()].to_owned()))
    }

    /// Whether `self` is `scope` or lies beneath it.
    pub fn is_within(&self, scope: &RegionCode) -> bool {
        self.0.starts_with(&scope.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_length_and_parents_nest() {
        let grid = RegionCode::parse("430407001002003").unwrap();
        assert_eq!(grid.level(), RegionLevel::Grid);
        let community = grid.parent().unwrap();
        assert_eq!(community.as_str(), "430407001002");
        assert_eq!(community.level(), RegionLevel::Community);
        let district = community.parent().unwrap().parent().unwrap();
        assert_eq!(district.as_str(), "430407");
        assert_eq!(district.parent(), None);
        assert!(grid.is_within(&district));
        assert!(grid.is_within(&grid));
        assert!(!district.is_within(&grid));
        let other = RegionCode::parse("430407002002003").unwrap();
        assert!(!other.is_within(&community));
    }

    #[test]
    fn bad_codes_are_refused_with_the_reason() {
        assert!(matches!(RegionCode::parse("43040"), Err(RegionCodeError::BadLength(5))));
        assert!(matches!(RegionCode::parse("43o407"), Err(RegionCodeError::NotDigits(_))));
        assert!(matches!(RegionCode::parse("430000"), Err(RegionCodeError::NotCounty(_))));
        assert!(matches!(RegionCode::parse("990407"), Err(RegionCodeError::NotCounty(_))));
        assert!(matches!(
            RegionCode::parse("430407000001"),
            Err(RegionCodeError::ZeroSegment { level: RegionLevel::Street, .. })
        ));
        assert!(matches!(
            RegionCode::parse("430407001001000"),
            Err(RegionCodeError::ZeroSegment { level: RegionLevel::Grid, .. })
        ));
    }
}
