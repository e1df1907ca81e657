//! Reading the target's memory through [`TargetView`]: C strings that
//! never cross into a page they do not need, and fixed-size structs.

/// Access to the target the decoder needs; the real one reads /proc and
/// process_vm_readv, tests use a fake.
pub trait TargetView {
    /// Read target memory at `addr` into `buf`. Returns bytes read (may be
    /// short when the range crosses into an unmapped page) or an errno
    /// (e.g. `libc::EFAULT`).
    fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32>;
    /// What fd `fd` of the target refers to (readlink of /proc/TID/fd/N):
    /// "/etc/hosts", "socket:[123]", "pipe:[9]".
    fn fd_target(&self, fd: i32) -> Option<Vec<u8>>;
    /// The target's cwd (readlink /proc/TID/cwd).
    fn cwd(&self) -> Option<Vec<u8>>;
    /// Local address a socket fd of the target is bound to (getsockname on
    /// a pidfd_getfd copy), as raw sockaddr bytes.
    fn socket_local(&self, fd: i32) -> Option<Vec<u8>>;
    /// The NUL-terminated string at `addr` ([`read_cstring_into`]): read
    /// through [`read_mem`](Self::read_mem), unless the view holds the
    /// strings read earlier ([`super::gather::Gathered`]).
    fn cstring(&self, addr: u64, max: usize, into: Vec<u8>) -> ReadStr {
        read_cstring_into(self, addr, max, into)
    }
}

/// Longest path the kernel accepts, including its NUL. A path read with
/// `PATH_MAX` bytes and no NUL is truncated (the kernel would fail the call
/// with ENAMETOOLONG); such values are shown with a trailing `...`.
pub const PATH_MAX: usize = 4096;

/// Reads of C strings never cross this boundary in one request, so a
/// string that ends just before an unmapped page is read without touching
/// that page. 4096 divides every Linux page size, so it is safe everywhere.
pub(super) const PAGE_SIZE: u64 = 4096;

/// A NUL-terminated string read from the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadStr {
    /// The bytes before the NUL.
    Full(Vec<u8>),
    /// `max` bytes were read without finding a NUL: those bytes.
    Truncated(Vec<u8>),
    /// The string ran into unreadable memory before a NUL: the bytes read
    /// so far and the errno of the failed read.
    Unterminated(Vec<u8>, i32),
    /// The first byte could not be read (NULL, unmapped): the errno.
    Unreadable(i32),
}

/// Reads a NUL-terminated string at `addr`, examining at most `max` bytes
/// (so a [`ReadStr::Full`] string is at most `max - 1` bytes long).
///
/// Each `read_mem` request stops at the next 4096-byte boundary, so memory
/// after the NUL is never asked for. The first asks for at most
/// [`FIRST_READ`] bytes: most strings end within them, and a read up to
/// the page's end copies (and first zeroes) up to a page for a path of
/// twenty bytes.
pub fn read_cstring(view: &dyn TargetView, addr: u64, max: usize) -> ReadStr {
    read_cstring_into(view, addr, max, Vec::new())
}

/// [`read_cstring`] into `out` (what it held is dropped, its allocation
/// kept for the string).
pub fn read_cstring_into<V: TargetView + ?Sized>(
    view: &V,
    addr: u64,
    max: usize,
    mut out: Vec<u8>,
) -> ReadStr {
    out.clear();
    let mut first = [0u8; FIRST_READ];
    let mut page: Vec<u8> = Vec::new();
    let mut cur = addr;
    while out.len() < max {
        let to_boundary = (PAGE_SIZE - cur % PAGE_SIZE) as usize;
        let mut want = to_boundary.min(max - out.len());
        let buf: &mut [u8] = if out.is_empty() {
            want = want.min(FIRST_READ);
            &mut first[..want]
        } else {
            if page.is_empty() {
                page = vec![0; PAGE_SIZE as usize];
            }
            &mut page[..want]
        };
        let got = match view.read_mem(cur, buf) {
            // A reader that returns nothing would make us spin; the kernel's
            // process_vm_readv reports that case as EFAULT.
            Ok(0) => Err(libc::EFAULT),
            Ok(n) => Ok(n.min(want)),
            Err(e) => Err(e),
        };
        let n = match got {
            Ok(n) => n,
            Err(e) if out.is_empty() => return ReadStr::Unreadable(e),
            Err(e) => return ReadStr::Unterminated(out, e),
        };
        if let Some(nul) = buf[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..nul]);
            return ReadStr::Full(out);
        }
        out.extend_from_slice(&buf[..n]);
        match cur.checked_add(n as u64) {
            Some(next) => cur = next,
            None => return ReadStr::Unterminated(out, libc::EFAULT),
        }
    }
    ReadStr::Truncated(out)
}

/// How many bytes the first read of a string asks for.
const FIRST_READ: usize = 256;

/// Fills `buf` from `addr`, or fails with the errno of the read that could
/// not continue (a short read counts as EFAULT).
pub(super) fn read_exact(view: &dyn TargetView, addr: u64, buf: &mut [u8]) -> Result<(), i32> {
    let mut done = 0;
    while done < buf.len() {
        let at = addr.checked_add(done as u64).ok_or(libc::EFAULT)?;
        match view.read_mem(at, &mut buf[done..])? {
            0 => return Err(libc::EFAULT),
            n => done += n,
        }
    }
    Ok(())
}

pub(super) fn read_u64(view: &dyn TargetView, addr: u64) -> Result<u64, i32> {
    let mut b = [0u8; 8];
    read_exact(view, addr, &mut b)?;
    Ok(u64::from_ne_bytes(b))
}

/// The `u64` at `offset` of a struct read as bytes.
pub(super) fn field_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[offset..offset + 8]);
    u64::from_ne_bytes(b)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decode::fake::*;

    /// What [`read_cstring`] should return, byte by byte.
    fn cstring_model(t: &FakeTarget, addr: u64, max: usize) -> ReadStr {
        let mut out = Vec::new();
        let mut at = Some(addr);
        while out.len() < max {
            let byte = at.and_then(|a| t.pages.get(&(a / PAGE)).map(|p| p[(a % PAGE) as usize]));
            match byte {
                None if out.is_empty() => return ReadStr::Unreadable(libc::EFAULT),
                None => return ReadStr::Unterminated(out, libc::EFAULT),
                Some(0) => return ReadStr::Full(out),
                Some(b) => out.push(b),
            }
            at = at.and_then(|a| a.checked_add(1));
        }
        ReadStr::Truncated(out)
    }

    #[test]
    fn string_ending_at_a_page_edge_never_touches_the_next_page() {
        let mut t = FakeTarget::new();
        let end = STR + PAGE;
        t.map(end - 6, b"/a/b\0\0");
        t.map(STR2 - 4000, &vec![b'x'; 3999]);
        assert_eq!(
            read_cstring(&t, end - 6, PATH_MAX),
            ReadStr::Full(b"/a/b".to_vec())
        );
        assert_eq!(
            read_cstring(&t, STR2 - 4000, PATH_MAX),
            ReadStr::Full(vec![b'x'; 3999])
        );
        for &(addr, len) in t.reads.borrow().iter() {
            assert!(addr % PAGE + len as u64 <= PAGE, "{addr:#x}+{len}");
            assert!(t.pages.contains_key(&(addr / PAGE)), "{addr:#x}");
        }
    }

    #[test]
    fn a_short_string_costs_one_small_read_and_a_long_one_reads_on() {
        let mut t = FakeTarget::new();
        t.map(STR, b"/tmp/short\0");
        assert_eq!(
            read_cstring(&t, STR, PATH_MAX),
            ReadStr::Full(b"/tmp/short".to_vec())
        );
        assert_eq!(*t.reads.borrow(), [(STR, FIRST_READ)]);
        t.reads.borrow_mut().clear();
        let long = vec![b'y'; 1000];
        t.map(STR2, &[&long[..], b"\0"].concat());
        assert_eq!(read_cstring(&t, STR2, PATH_MAX), ReadStr::Full(long));
        assert_eq!(
            *t.reads.borrow(),
            [
                (STR2, FIRST_READ),
                (STR2 + FIRST_READ as u64, PAGE as usize - FIRST_READ)
            ]
        );
    }

    proptest! {
        /// Not only well-formed: exactly the target's bytes, however the
        /// string lies across mapped and unmapped pages.
        #[test]
        fn read_cstring_returns_the_targets_bytes(
            t in arb_view(),
            addr in prop_oneof![0u64..9 * PAGE, (1u64..9).prop_map(|p| p * PAGE - 1)],
            max in prop_oneof![0usize..10_000, Just(PATH_MAX)],
        ) {
            prop_assert_eq!(read_cstring(&t, addr, max), cstring_model(&t, addr, max));
        }

        #[test]
        fn read_cstring_is_sane(
            t in arb_view(),
            addr in prop_oneof![0u64..9 * PAGE, any::<u64>(), u64::MAX - 64..=u64::MAX],
            max in 0usize..10_000,
        ) {
            match read_cstring(&t, addr, max) {
                ReadStr::Full(b) => prop_assert!(b.len() < max && !b.contains(&0)),
                ReadStr::Truncated(b) => prop_assert_eq!(b.len(), max),
                ReadStr::Unterminated(b, e) => {
                    prop_assert!(!b.is_empty() && b.len() < max && e == libc::EFAULT)
                }
                ReadStr::Unreadable(e) => prop_assert_eq!(e, libc::EFAULT),
            }
            for &(a, len) in t.reads.borrow().iter() {
                prop_assert!(a % PAGE + len as u64 <= PAGE);
            }
        }
    }
}
