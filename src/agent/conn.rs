//! One connection from a runtime: the container process state (JSON) and
//! the fds that come with it, read until the JSON is whole.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::Instant;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::state::{self, ProcessState};
use crate::sys::sock;

/// A container's listener and what its runtime said about it.
pub struct Handover {
    pub state: ProcessState,
    pub listener: OwnedFd,
}

/// The largest state taken: runc's and crun's are a few hundred bytes
/// (annotations included).
const MAX_STATE: usize = 1 << 20;

/// What `/proc/self/fd/N` says for a seccomp listener.
const LISTENER_LINK: &str = "anon_inode:seccomp notify";

/// Reads the state and its fds from `stream` until the JSON is whole,
/// giving up at `deadline`. Keeps the fd the state names `seccompFd` once
/// it is checked to be a seccomp listener; every other fd is closed.
/// The error says in a few words what was wrong.
pub fn read_handover(stream: &UnixStream, deadline: Instant) -> Result<Handover, String> {
    let mut bytes = Vec::new();
    let mut fds: Vec<OwnedFd> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let value = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
        let mut pfd = [PollFd::new(stream.as_fd(), PollFlags::POLLIN)];
        let ready = match poll(
            &mut pfd,
            PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
        ) {
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(format!("poll: {e}")),
        };
        if ready == 0 {
            let secs = super::HANDOVER_TIMEOUT.as_secs();
            return Err(if bytes.is_empty() {
                format!("sent nothing within {secs} s")
            } else {
                format!("the state was still incomplete after {secs} s")
            });
        }
        let got = match sock::recv_with_fds(stream.as_fd(), &mut chunk) {
            Ok(r) => r,
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            Err(e) => return Err(format!("reading: {e}")),
        };
        fds.extend(got.fds);
        if got.fds_cut {
            return Err(format!(
                "more than {} fds came with the state",
                sock::MAX_RECV_FDS
            ));
        }
        if got.len == 0 {
            return Err(if bytes.is_empty() {
                "closed the connection without sending a state".to_string()
            } else {
                "malformed JSON (the connection closed in the middle of it)".to_string()
            });
        }
        bytes.extend_from_slice(&chunk[..got.len]);
        if bytes.len() > MAX_STATE {
            return Err(format!("the state is longer than {MAX_STATE} bytes"));
        }
        if let Some(v) = state::complete(&bytes)? {
            break v;
        }
    };
    let st = state::parse(&value)?;
    if fds.is_empty() {
        return Err("no fd came with the state (SCM_RIGHTS)".into());
    }
    let n = fds.len();
    let Some(listener) = fds.into_iter().nth(st.seccomp_fd) else {
        return Err(format!(
            "`fds` puts \"{}\" at position {} but {n} fd{} came",
            state::SECCOMP_FD,
            st.seccomp_fd + 1,
            if n == 1 { "" } else { "s" }
        ));
    };
    let link = std::fs::read_link(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&listener)
    ))
    .map(|l| l.into_os_string().into_encoded_bytes())
    .unwrap_or_default();
    if link != LISTENER_LINK.as_bytes() {
        return Err(format!(
            "the fd named \"{}\" is not a seccomp listener (it is {})",
            state::SECCOMP_FD,
            crate::escape::escape_bytes(&link)
        ));
    }
    Ok(Handover {
        state: st,
        listener,
    })
}
