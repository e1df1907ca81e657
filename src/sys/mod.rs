//! The only code allowed `unsafe`: seccomp and BPF, the listener fd,
//! spawning, remote memory, pidfds, raw socket calls, credentials, a
//! prefetch hint and the monotonic clock as one number.
#![allow(unsafe_code)]

pub mod bpf;
pub mod cache;
pub mod clock;
pub mod creds;
pub mod fdpass;
pub mod leader;
pub mod lesson;
pub mod mem;
pub mod notify;
pub mod own_filter;
pub mod pidfd;
pub mod proc;
pub mod pty;
pub mod sock;
pub mod spawn;
