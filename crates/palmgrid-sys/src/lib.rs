//! The socket options palmgrid needs and no safe crate wraps. This is the workspace's only
//! unsafe code; each call takes a [`BorrowedFd`], so the descriptor is open for the call.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Sets the socket's receive low-water mark (`SO_RCVLOWAT`, socket(7)): the kernel does
/// not report the socket readable, and so does not wake an `epoll` waiter, until this
/// many bytes are queued (or the connection ends, errs, or its receive window runs low).
/// A non-blocking read still returns whatever is queued. On Linux, lowering the mark
/// re-checks the queue at once and wakes waiters if it now suffices.
///
/// Linux caps the value at half the largest receive buffer and may grow the socket's
/// receive buffer to fit it.
pub fn set_rcvlowat(fd: BorrowedFd<'_>, bytes: u32) -> io::Result<()> {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: `fd` is open for the duration of the call (it is borrowed); the option value
    // is a c_int living on this stack frame and its exact size is passed.
    #[allow(unsafe_code)]
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// The socket's receive low-water mark.
pub fn rcvlowat(fd: BorrowedFd<'_>) -> io::Result<u32> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` is open for the duration of the call; `value` and `len` are valid for
    // writes and `len` holds the size of `value`.
    #[allow(unsafe_code)]
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r == 0 { Ok(value.max(0) as u32) } else { Err(io::Error::last_os_error()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsFd;

    /// Whether poll(2) reports the socket readable now.
    fn readable(fd: BorrowedFd<'_>) -> bool {
        let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, zero timeout.
        #[allow(unsafe_code)]
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        assert!(n >= 0, "poll: {}", io::Error::last_os_error());
        p.revents & libc::POLLIN != 0
    }

    #[test]
    fn the_mark_holds_back_readiness_until_lowered() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert_eq!(rcvlowat(client.as_fd()).unwrap(), 1, "the default mark");
        set_rcvlowat(client.as_fd(), 64 * 1024).unwrap();
        assert_eq!(rcvlowat(client.as_fd()).unwrap(), 64 * 1024);
        server.write_all(&[7u8; 1000]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!readable(client.as_fd()), "1,000 bytes are below the mark");
        // A non-blocking read still takes what is queued.
        client.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 4096];
        assert_eq!(client.peek(&mut buf).unwrap(), 1000);
        set_rcvlowat(client.as_fd(), 1).unwrap();
        assert!(readable(client.as_fd()), "lowering the mark makes the queue readable");
        // Too large a mark is clamped (by us to i32::MAX, by Linux to half the largest
        // receive buffer), never wrapped to a negative.
        set_rcvlowat(client.as_fd(), u32::MAX).unwrap();
        assert!(rcvlowat(client.as_fd()).unwrap() >= 1 << 20);
    }
}
