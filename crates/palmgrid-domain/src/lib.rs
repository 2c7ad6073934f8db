//! The pure domain model of palmgrid.
//!
//! Nothing in this crate does I/O, knows tokio, SQL or HTTP. It holds the words of
//! `docs/glossary.md` as types: identifiers, region codes, roles, zones, the single
//! authorisation function [`authz::can`], the audit-chain hashing and TOTP.

pub mod audit;
pub mod authz;
pub mod calendar;
pub mod camera;
pub mod case;
pub mod case_metrics;
pub mod category;
pub mod clock;
pub mod community;
pub mod gcj02;
pub mod geometry;
pub mod ids;
pub mod password;
pub mod privacy;
pub mod region;
pub mod region_import;
pub mod role;
pub mod totp;
pub mod zone;

pub use ids::{CameraId, MembershipId, RegionId, UserId};
pub use region::{RegionCode, RegionLevel};
pub use role::Role;
pub use zone::Zone;
