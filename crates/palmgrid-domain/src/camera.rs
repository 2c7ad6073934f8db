//! Cameras: the model and the validation of camera URLs.
//!
//! Camera URLs are untrusted input from contractors. Credentials are split off at the edge
//! (stored apart, never returned, never logged), and addresses that point at the server
//! itself (loopback, link-local, unspecified) or at multicast/broadcast are refused unless
//! the deployment allows local cameras (the demo's simulated cameras run on loopback).
//! Host names are checked again after DNS resolution, at connect time, by the ingest.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraUrlError {
    #[error("not a valid URL: {0}")]
    Syntax(String),
    #[error("camera URLs must use rtsp:// or rtsps://, not {0}://")]
    Scheme(String),
    #[error("camera URL has no host")]
    NoHost,
    #[error("camera URL points at a local or special address ({0}); refused")]
    LocalAddress(String),
    #[error("camera URL must not contain a fragment")]
    Fragment,
    #[error("camera URL is too long (at most 2048 characters)")]
    TooLong,
}

/// Username and password split off a camera URL.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    /// Never prints the password, whatever logs a `Debug` of it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"***").finish()
    }
}

/// A camera stream URL without credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraUrl(String);

impl CameraUrl {
    /// Parses and checks `s`; returns the URL without credentials and the credentials.
    pub fn parse(s: &str, allow_local: bool) -> Result<(CameraUrl, Option<Credentials>), CameraUrlError> {
        if s.len() > 2048 {
            return Err(CameraUrlError::TooLong);
        }
        let mut url = url::Url::parse(s.trim()).map_err(|e| CameraUrlError::Syntax(e.to_string()))?;
        if !matches!(url.scheme(), "rtsp" | "rtsps") {
            return Err(CameraUrlError::Scheme(url.scheme().to_owned()));
        }
        if url.fragment().is_some() {
            return Err(CameraUrlError::Fragment);
        }
        let host = url.host().ok_or(CameraUrlError::NoHost)?;
        let ip = match host {
            url::Host::Ipv4(a) => Some(IpAddr::V4(a)),
            url::Host::Ipv6(a) => Some(IpAddr::V6(a)),
            // rtsp is not a "special" scheme for the URL standard, so IPv4 literals arrive
            // as opaque host strings. Odd spellings a resolver may still accept (such as
            // "2130706433") are caught after resolution, at connect time.
            url::Host::Domain(d) => {
                if let Ok(ip) = d.parse::<IpAddr>() {
                    Some(ip)
                } else if d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost") {
                    Some(IpAddr::from([127, 0, 0, 1]))
                } else {
                    None
                }
            }
        };
        if let Some(ip) = ip
            && !allow_local
            && is_local_or_special(ip)
        {
            return Err(CameraUrlError::LocalAddress(ip.to_string()));
        }
        let creds = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let dec =
                |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            Some(Credentials {
                username: dec(url.username()).unwrap_or_default(),
                password: url.password().and_then(dec).unwrap_or_default(),
            })
        };
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok((CameraUrl(url.to_string()), creds))
    }

    /// A stored URL, trusted because it was checked when stored.
    pub fn from_stored(s: String) -> CameraUrl {
        CameraUrl(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Addresses a camera must not point at: the server itself and special ranges.
pub fn is_local_or_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_loopback() || a.is_link_local() || a.is_unspecified() || a.is_multicast() || a.is_broadcast()
        }
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_local_or_special(IpAddr::V4(v4));
            }
            a.is_loopback() || a.is_unspecified() || a.is_multicast() || (a.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Health of a camera as the platform sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CameraStatus {
    /// Nobody is pulling it (on-demand camera without viewers or recording).
    Idle,
    Online,
    Offline,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_split_off_and_never_debug_printed() {
        let (url, creds) =
            CameraUrl::parse("rtsp://admin:p%40ss%3Aw@10.2.3.4:554/Streaming/Channels/101", false).unwrap();
        assert_eq!(url.as_str(), "rtsp://10.2.3.4:554/Streaming/Channels/101");
        let creds = creds.unwrap();
        assert_eq!((creds.username.as_str(), creds.password.as_str()), ("admin", "p@ss:w"));
        assert!(!format!("{creds:?}").contains("p@ss"));
        let (_, none) = CameraUrl::parse("rtsp://cam.example.net/live", false).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn local_and_special_addresses_are_refused_unless_allowed() {
        for bad in [
            "rtsp://127.0.0.1/x",
            "rtsp://127.8.9.10/x",
            "rtsp://localhost:8554/x",
            "rtsp://[::1]/x",
            "rtsp://[::ffff:127.0.0.1]/x",
            "rtsp://169.254.169.254/latest",
            "rtsp://[fe80::1]/x",
            "rtsp://0.0.0.0/x",
            "rtsp://224.0.0.1/x",
            "rtsp://255.255.255.255/x",
        ] {
            assert!(matches!(CameraUrl::parse(bad, false), Err(CameraUrlError::LocalAddress(_))), "{bad}");
        }
        assert!(CameraUrl::parse("rtsp://127.0.0.1:8554/sim", true).is_ok());
        assert!(CameraUrl::parse("rtsp://192.168.1.64/x", false).is_ok(), "private LAN cameras are normal");
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert!(matches!(CameraUrl::parse("http://10.0.0.1/", false), Err(CameraUrlError::Scheme(_))));
        assert!(matches!(CameraUrl::parse("file:///etc/passwd", false), Err(CameraUrlError::Scheme(_))));
        assert!(matches!(CameraUrl::parse("not a url", false), Err(CameraUrlError::Syntax(_))));
        assert!(matches!(CameraUrl::parse("rtsp://10.0.0.1/x#frag", false), Err(CameraUrlError::Fragment)));
        assert!(matches!(
            CameraUrl::parse(&format!("rtsp://h/{}", "a".repeat(3000)), false),
            Err(CameraUrlError::TooLong)
        ));
    }
}
