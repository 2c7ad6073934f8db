//! Quiet sockets for paced pulls.
//!
//! While only the recorder watches a TCP stream, [`crate::rtsp::pull`] reads it on a shared
//! one-second tick. That alone does not stop the kernel from waking the runtime for every TCP
//! segment that arrives: tokio registers each socket with `epoll`, and a worker parked in
//! `epoll_wait` is woken whenever a socket becomes readable, even if no task waits for it.
//! At 32 cameras that was ~580 wake-ups a second, most of the CPU above the bare copies.
//!
//! The socket's receive low-water mark stops those wake-ups: between ticks the mark is
//! raised ([`QuietSocket::hold`]) so the kernel queues segments silently; on the tick it is
//! lowered again ([`QuietSocket::release`]), which on Linux re-checks the queue at once and
//! makes one readiness event for everything that arrived.
//!
//! retina owns the socket and does not expose it, so [`dial`] finds it: it notes the
//! process's socket inodes before retina connects, and afterwards takes a duplicate
//! (`pidfd_getfd`, safe and immune to descriptor reuse) of the one new socket whose peer is
//! the camera. Connections to one peer address are dialled one at a time so that "the new
//! socket to that peer" is unambiguous. If anything fails (no `/proc`, no `pidfd_getfd`
//! under a seccomp filter, another OS), the pull runs paced without the mark, as before.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, LazyLock, Mutex};

/// The mark while held: about what a camera sends in one tick (8 Mbit/s is 1 MB a second),
/// so a held socket wakes nobody until the tick; a camera sending more wakes its pull each
/// time the mark is reached, before the buffer fills. Linux sets the receive buffer to
/// twice the mark, which also leaves room for 80 Mbit/s at 100 ms round trip.
pub const HELD_MARK: u32 = 1 << 20;

/// One camera connection's socket, duplicated from retina's. Dropping it closes only the
/// duplicate; it is dropped with the session it belongs to.
#[derive(Debug)]
pub struct QuietSocket {
    fd: OwnedFd,
    held: bool,
}

impl QuietSocket {
    /// Raises the mark: segments are queued without waking anyone until [`Self::release`].
    pub fn hold(&mut self) {
        if !self.held {
            self.held = palmgrid_sys::set_rcvlowat(self.fd.as_fd(), HELD_MARK).is_ok();
        }
    }

    /// Restores the default mark of one byte; anything already queued is reported at once.
    pub fn release(&mut self) {
        if self.held {
            self.held = palmgrid_sys::set_rcvlowat(self.fd.as_fd(), 1).is_err();
        }
    }

    pub fn is_held(&self) -> bool {
        self.held
    }
}

/// What was there before a connection was dialled, and the turn to dial that peer.
pub struct Dialing {
    peer: SocketAddr,
    before: Option<HashSet<u64>>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

/// Takes the turn to connect to `peer` and notes the sockets that exist now. Hold the
/// result while the RTSP session connects, then call [`Dialing::found`].
pub async fn dial(peer: SocketAddr) -> Dialing {
    static TURNS: LazyLock<Mutex<HashMap<SocketAddr, Arc<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);
    let turn = {
        let mut turns = TURNS.lock().unwrap_or_else(|e| e.into_inner());
        turns.retain(|_, t| Arc::strong_count(t) > 1);
        turns.entry(peer).or_default().clone()
    };
    let turn = turn.lock_owned().await;
    let before = socket_fds().map(|fds| fds.into_keys().collect());
    Dialing { peer, before, _turn: turn }
}

impl Dialing {
    /// The one socket that appeared since [`dial`] and is connected to the peer, if
    /// exactly one did.
    pub fn found(self) -> Option<QuietSocket> {
        let before = self.before.as_ref()?;
        let mut found = sockets_to(self.peer, |inode| !before.contains(&inode)).into_iter();
        match (found.next(), found.next()) {
            (Some(fd), None) => Some(QuietSocket { fd, held: false }),
            _ => None,
        }
    }
}

/// Duplicates of this process's sockets that are connected to `peer`, among those whose
/// inode passes `consider`.
pub fn sockets_to(peer: SocketAddr, consider: impl Fn(u64) -> bool) -> Vec<OwnedFd> {
    let Some(fds) = socket_fds() else { return Vec::new() };
    let Ok(me) = rustix::process::pidfd_open(rustix::process::getpid(), rustix::process::PidfdFlags::empty()) else {
        return Vec::new();
    };
    fds.into_iter()
        .filter(|&(inode, _)| consider(inode))
        .filter_map(|(_, raw)| rustix::process::pidfd_getfd(&me, raw, rustix::process::PidfdGetfdFlags::empty()).ok())
        .filter(|fd| socket2::SockRef::from(fd).peer_addr().ok().and_then(|a| a.as_socket()) == Some(peer))
        .collect()
}

/// The process's open sockets: socket inode → a descriptor of it, from `/proc/self/fd`.
/// (A socket can have several descriptors, e.g. a [`QuietSocket`]'s duplicate.)
fn socket_fds() -> Option<HashMap<u64, i32>> {
    let mut fds = HashMap::new();
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(target) = std::fs::read_link(entry.path()) else { continue };
        let inode = target.to_str().and_then(|t| t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok());
        if let Some(inode) = inode {
            fds.insert(inode, fd);
        }
    }
    Some(fds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finds_the_new_socket_to_the_peer_and_holds_its_mark() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = listener.local_addr().unwrap();
        // A connection that already exists is not the one being dialled.
        let _older = tokio::net::TcpStream::connect(peer).await.unwrap();
        let dialing = dial(peer).await;
        let stream = tokio::net::TcpStream::connect(peer).await.unwrap();
        let mut quiet = dialing.found().expect("exactly one new socket to the peer");
        assert!(!quiet.is_held());
        let mark = || palmgrid_sys::rcvlowat(stream.as_fd()).unwrap();
        quiet.hold();
        assert!(quiet.is_held());
        assert_eq!(mark(), HELD_MARK, "the duplicate changes retina's socket");
        quiet.release();
        assert_eq!(mark(), 1);
        assert_eq!(
            socket2::SockRef::from(&quiet.fd).local_addr().unwrap().as_socket(),
            Some(stream.local_addr().unwrap())
        );
    }

    #[tokio::test]
    async fn two_new_sockets_to_one_peer_are_not_guessed_between() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = listener.local_addr().unwrap();
        let dialing = dial(peer).await;
        let _a = tokio::net::TcpStream::connect(peer).await.unwrap();
        let _b = tokio::net::TcpStream::connect(peer).await.unwrap();
        assert!(dialing.found().is_none());
    }

    #[tokio::test]
    async fn dialling_one_peer_waits_for_the_turn() {
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let first = dial(peer).await;
        let second = tokio::time::timeout(std::time::Duration::from_millis(100), dial(peer)).await;
        assert!(second.is_err(), "the second dial waits while the first holds the turn");
        drop(first);
        tokio::time::timeout(std::time::Duration::from_secs(1), dial(peer)).await.expect("the turn passes on");
    }
}
