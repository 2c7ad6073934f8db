//! Typed identifiers, so a user id can never be passed where a region id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random (v4) identifier.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// Parses the canonical hyphenated form.
            pub fn parse(s: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// A person's account.
    UserId
);
typed_id!(
    /// A node of the region tree (district, street, community, grid).
    RegionId
);
typed_id!(
    /// One (user, role, region) grant.
    MembershipId
);
typed_id!(
    /// A camera.
    CameraId
);
