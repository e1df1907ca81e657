//! What we read about a live target from /proc, and the real
//! [`TargetView`] the decoder uses.

use std::cell::Cell;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use crate::decode::TargetView;
use crate::model::ProcFacts;
use crate::sys::{mem, notify::ForeignFd, pidfd, sock};

/// A thread of the target, by tid.
pub struct LiveTarget {
    pub tid: u32,
    /// Whether anything was read from the target through this view.
    read: Cell<bool>,
}

impl LiveTarget {
    pub fn new(tid: u32) -> LiveTarget {
        LiveTarget {
            tid,
            read: Cell::new(false),
        }
    }

    /// Whether the decoder read anything (memory, an fd or cwd link, a
    /// socket): only then is there something NOTIF_ID_VALID must vouch for.
    pub fn read_anything(&self) -> bool {
        self.read.get()
    }

    /// Something about the target was read outside this view (its real
    /// paths): NOTIF_ID_VALID must vouch for it too.
    pub fn note_read(&self) {
        self.read.set(true);
    }
}

/// A call's registers and nothing else: for a call decoded after it was
/// answered, which is only done where its decoding reads nothing
/// ([`crate::decode::reach`]). Were it asked to read, it
/// would say the memory is gone rather than read what the program has
/// made of it since.
pub struct RegistersOnly;

impl TargetView for RegistersOnly {
    fn read_mem(&self, _addr: u64, _buf: &mut [u8]) -> Result<usize, i32> {
        debug_assert!(false, "a call decoded after its answer read memory");
        Err(libc::EFAULT)
    }

    fn fd_target(&self, _fd: i32) -> Option<Vec<u8>> {
        debug_assert!(false, "a call decoded after its answer read an fd");
        None
    }

    fn cwd(&self) -> Option<Vec<u8>> {
        debug_assert!(false, "a call decoded after its answer read the cwd");
        None
    }

    fn socket_local(&self, _fd: i32) -> Option<Vec<u8>> {
        debug_assert!(false, "a call decoded after its answer read a socket");
        None
    }
}

fn readlink(p: &str) -> Option<Vec<u8>> {
    std::fs::read_link(Path::new(p))
        .ok()
        .map(|l| l.as_os_str().as_bytes().to_vec())
}

impl TargetView for LiveTarget {
    fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
        self.read.set(true);
        mem::read(self.tid, addr, buf)
    }

    fn fd_target(&self, fd: i32) -> Option<Vec<u8>> {
        self.read.set(true);
        readlink(&format!("/proc/{}/fd/{fd}", self.tid))
    }

    fn cwd(&self) -> Option<Vec<u8>> {
        self.read.set(true);
        readlink(&format!("/proc/{}/cwd", self.tid))
    }

    fn socket_local(&self, fd: i32) -> Option<Vec<u8>> {
        self.read.set(true);
        let copy = pidfd::copy_fd(self.tid, ForeignFd(fd)).ok()?;
        sock::local_addr(copy.as_fd()).ok()
    }
}

/// Reads /proc/TID/{status,comm,exe}. Missing pieces stay empty: the
/// thread may be exiting, and the call can still be answered.
pub fn proc_info(tid: u32) -> ProcFacts {
    let mut info = ProcFacts {
        tgid: tid,
        ..ProcFacts::default()
    };
    let mut comm = None;
    if let Some(status) = read_proc(&format!("/proc/{tid}/status")) {
        parse_status(&status, &mut info);
        comm = status_name(&status).map(<[u8]>::to_vec);
    }
    // The status file's Name is comm, escaped where it has a backslash.
    if comm.is_none()
        && let Some(mut c) = read_proc(&format!("/proc/{tid}/comm"))
    {
        if c.last() == Some(&b'\n') {
            c.pop();
        }
        comm = Some(c);
    }
    info.comm = comm.unwrap_or_default().into();
    info.exe = readlink(&format!("/proc/{tid}/exe"))
        .unwrap_or_default()
        .into();
    info
}

/// Bytes shared between the cache and the calls.
type Bytes = Arc<[u8]>;

/// Reads /proc/TID/{comm,exe} alone: the facts an exec or PR_SET_NAME
/// changes without a trapped call, read fresh when a rule depends on them.
/// Either is `None` when it could not be read (the thread is exiting).
pub fn proc_identity(tid: u32) -> (Option<Bytes>, Option<Bytes>) {
    let comm = read_proc(&format!("/proc/{tid}/comm")).map(|mut c| {
        if c.last() == Some(&b'\n') {
            c.pop();
        }
        c.into()
    });
    let exe = readlink(&format!("/proc/{tid}/exe")).map(Into::into);
    (comm, exe)
}

/// Reads a small /proc file in one go (`std::fs::read` starts with a
/// 32-byte read for files that say they are empty, and doubles).
fn read_proc(path: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(4096);
    std::fs::File::open(path).ok()?.read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// The Name line of a /proc status file when it is the comm as is (no
/// escapes: every escape the kernel writes there starts with a backslash).
fn status_name(status: &[u8]) -> Option<&[u8]> {
    let name = status.strip_prefix(b"Name:\t")?;
    let name = &name[..name.iter().position(|&b| b == b'\n')?];
    (!name.contains(&b'\\')).then_some(name)
}

/// Fills tgid, ppid and the credentials from a /proc status file.
pub fn parse_status(status: &[u8], info: &mut ProcFacts) {
    let text = String::from_utf8_lossy(status);
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let nums: Vec<u32> = rest
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        match key {
            "Tgid" => info.tgid = nums.first().copied().unwrap_or(info.tgid),
            "PPid" => info.ppid = nums.first().copied().unwrap_or(0),
            // Real, effective, saved, filesystem.
            "Uid" => info.creds.fsuid = nums.get(3).copied().unwrap_or(0),
            "Gid" => info.creds.fsgid = nums.get(3).copied().unwrap_or(0),
            "Groups" => info.creds.groups = nums.into(),
            // Octal, linux 4.7.
            "Umask" => info.creds.umask = u32::from_str_radix(rest.trim(), 8).unwrap_or(0o022),
            "CapEff" => info.creds.cap_eff = u64::from_str_radix(rest.trim(), 16).unwrap_or(0),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let status = b"Name:\tcat\nTgid:\t42\nPid:\t43\nPPid:\t1\n\
            Uid:\t1000\t1001\t1002\t1003\nGid:\t10\t11\t12\t13\nGroups:\t4 24 27 \n\
            Umask:\t0027\nCapEff:\t0000000000000400\n";
        let mut info = ProcFacts::default();
        parse_status(status, &mut info);
        assert_eq!(info.tgid, 42);
        assert_eq!(info.ppid, 1);
        assert_eq!(info.creds.fsuid, 1003);
        assert_eq!(info.creds.fsgid, 13);
        assert_eq!(&info.creds.groups[..], &[4, 24, 27]);
        assert_eq!(info.creds.umask, 0o027);
        assert_eq!(info.creds.cap_eff, 1 << 10);
    }

    #[test]
    fn name_is_comm_unless_escaped() {
        assert_eq!(
            status_name(b"Name:\ta b\xff\nUmask:\t0022\n"),
            Some(&b"a b\xff"[..])
        );
        assert_eq!(status_name(b"Name:\ta\\nb\nUmask:\t0022\n"), None);
        assert_eq!(status_name(b"Umask:\t0022\n"), None);
    }

    #[test]
    fn own_process() {
        let me = std::process::id();
        let info = proc_info(me);
        assert_eq!(info.tgid, me);
        assert!(!info.comm.is_empty());
        assert!(!info.exe.is_empty());
        let mut comm = std::fs::read(format!("/proc/{me}/comm")).unwrap();
        comm.pop();
        assert_eq!(&info.comm[..], &comm[..]);
    }
}
