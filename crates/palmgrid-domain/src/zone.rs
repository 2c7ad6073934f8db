//! Network zones. Every camera carries one, and so does every HTTP listener; the police
//! video network's cameras are never served on a listener of a lower zone.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// The internet-facing app gateway (phones).
    Internet,
    /// A contractor's or private integrator's network.
    Contractor,
    /// The government / operator video network.
    Government,
    /// The police video private network (公安视频专网).
    PoliceVideo,
}

impl Zone {
    pub const ALL: [Zone; 4] = [Zone::Internet, Zone::Contractor, Zone::Government, Zone::PoliceVideo];

    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Internet => "internet",
            Zone::Contractor => "contractor",
            Zone::Government => "government",
            Zone::PoliceVideo => "police_video",
        }
    }

    pub fn parse(s: &str) -> Option<Zone> {
        Zone::ALL.into_iter().find(|z| z.as_str() == s)
    }

    /// Whether a resource of zone `self` may be served on a listener of zone `listener`.
    ///
    /// Police-zone resources exist only on a police-zone listener; a lower listener behaves
    /// as if they did not exist. Other zones are reachable from every listener because the
    /// phone app on the internet gateway is how officers watch them.
    pub fn visible_on(self, listener: Zone) -> bool {
        match self {
            Zone::PoliceVideo => listener == Zone::PoliceVideo,
            _ => true,
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn police_video_is_only_visible_on_the_police_listener() {
        for listener in Zone::ALL {
            assert_eq!(Zone::PoliceVideo.visible_on(listener), listener == Zone::PoliceVideo);
            assert!(Zone::Government.visible_on(listener));
        }
    }

    #[test]
    fn names_round_trip() {
        for z in Zone::ALL {
            assert_eq!(Zone::parse(z.as_str()), Some(z));
        }
        assert_eq!(Zone::parse("police"), None);
    }
}
