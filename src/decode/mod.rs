//! Decoding of trapped calls into named, typed arguments, and their
//! strace-like one-line rendering.
//!
//! Pure and table-driven: [`table`] lists each syscall's parameters (names
//! from the man pages) and how to decode each one; target memory, fds and
//! cwd are reached only through [`TargetView`] ([`memory`]), so everything
//! here is tested without a kernel. [`decoder`] turns registers into
//! [`Arg`](crate::model::Arg)s, [`format`] renders them.

#[cfg(test)]
mod cases;
mod decoder;
#[cfg(test)]
mod fake;
mod flags;
mod format;
mod gather;
pub mod groups;
mod ioctl;
mod memory;
pub mod realpath;
mod sockaddr;
pub mod stack;
mod table;

pub use decoder::{decode_args, decode_reusing, decode_with_copies, native_sysno, reach};
pub use flags::{format_mode, open_flags};
pub use format::{format_call, format_call_brief, format_value};
pub use gather::Gathered;
pub use memory::{PATH_MAX, ReadStr, TargetView, read_cstring};
pub use sockaddr::{SOCKADDR_STORAGE_LEN, format_sockaddr, parse_sockaddr};
pub use table::Reach;
