//! What decoding a call reads from the target, read while the call waits,
//! so that the decoding itself can wait until after the answer.
//!
//! For calls whose every parameter is a number, a C string or path, or a
//! plain fd ([`Reach::Gathered`]), what the decoder asks the target for
//! is the same for every syscall: the string at each pointer, what each fd
//! refers to, and for a relative path the cwd or the dirfd's path it
//! starts from. [`Gathered::gather`] asks for all of it; [`Gathered`] is then the
//! view the decoder reads through, answering from what was read and never
//! reading again. Asking for what the decoder would skip (the cwd for an
//! empty path it does not resolve) costs a read, never a wrong record.

use std::cell::Cell;

use syscalls::Sysno;

use super::decoder::int;
use super::memory::{PATH_MAX, ReadStr, TargetView};
use super::table::{Kind, Params, Reach, params};

/// A call's most string and fd parameters (renameat2 has two of each).
const SLOTS: usize = 6;

/// The largest string buffer kept for reuse: most paths fit.
const KEPT_BUFFER: usize = 512;

/// What [`Gathered::gather`] read from a target for one call, and the view that
/// answers the decoder from it.
#[derive(Debug, Default)]
pub struct Gathered {
    /// The strings at the call's pointers, by address.
    strings: [Option<(u64, ReadStr)>; SLOTS],
    /// What the call's fds refer to (/proc/TID/fd/N), by fd.
    fds: [Option<(i32, Option<Vec<u8>>)>; SLOTS],
    /// The cwd, where a relative path starts from it.
    cwd: Option<Option<Vec<u8>>>,
    /// Requests that found nothing gathered for them. Never, unless
    /// [`Gathered::gather`] and the decoder disagree: the tests count them. (Such a
    /// request gets what an unreadable target gives, never a made-up
    /// value.)
    missed: Cell<usize>,
    /// Buffers of strings read for an earlier call, for the next strings
    /// to be read into ([`Gathered::gather`]).
    buffers: Vec<Vec<u8>>,
}

impl Gathered {
    /// Reads from `view` what decoding the call `sysno` with `args` will
    /// ask for, into this, which held what was read for an earlier call:
    /// its string buffers are read into again, not freed and allocated
    /// (on the receiver, for every call). False for a call with a
    /// parameter only the decoder knows how to read ([`Reach::Decoder`]).
    pub fn gather(&mut self, sysno: Option<Sysno>, args: &[u64; 6], view: &dyn TargetView) -> bool {
        self.clear();
        let Some(params) = sysno.and_then(params) else {
            return true;
        };
        self.gather_params(params, args, view)
    }

    /// Forgets what was read, keeping the string buffers of common size:
    /// the receiver keeps well over a thousand of these in circulation,
    /// which would otherwise each hold on to the longest path it read.
    fn clear(&mut self) {
        for (_, read) in self.strings.iter_mut().filter_map(Option::take) {
            if let ReadStr::Full(b) | ReadStr::Truncated(b) | ReadStr::Unterminated(b, _) = read
                && b.capacity() <= KEPT_BUFFER
            {
                self.buffers.push(b);
            }
        }
        self.fds = Default::default();
        self.cwd = None;
        self.missed.set(0);
    }

    fn gather_params(&mut self, params: Params, args: &[u64; 6], view: &dyn TargetView) -> bool {
        for (i, &(_, kind)) in params.iter().enumerate() {
            let raw = args[i];
            match kind {
                // AT_FDCWD is negative: no fd to read.
                Kind::Fd | Kind::DirFd => self.fd(view, int(raw)),
                Kind::Str => {
                    self.string(view, raw);
                }
                Kind::Path => {
                    if self.string(view, raw) {
                        self.base(view, None);
                    }
                }
                Kind::PathAt(dirfd) => {
                    if self.string(view, raw) {
                        self.base(view, Some(int(args[dirfd])));
                    }
                }
                other if other.reach() == Reach::Registers => {}
                _ => return false,
            }
        }
        true
    }

    /// Reads the string at `addr` as the decoder does (none at NULL);
    /// whether it is a path to resolve from a base directory (relative,
    /// or empty, which `AT_EMPTY_PATH` makes the base itself).
    fn string(&mut self, view: &dyn TargetView, addr: u64) -> bool {
        if addr == 0 {
            return false;
        }
        let relative = |read: &ReadStr| matches!(read, ReadStr::Full(b) if !b.starts_with(b"/"));
        // Two parameters may point at one string (each with its dirfd).
        if let Some((_, read)) = self.strings.iter().flatten().find(|(a, _)| *a == addr) {
            return relative(read);
        }
        let into = self.buffers.pop().unwrap_or_default();
        let read = view.cstring(addr, PATH_MAX, into);
        let is_relative = relative(&read);
        put(&mut self.strings, (addr, read));
        is_relative
    }

    /// What fd `fd` refers to; negative fds are none (the decoder reads
    /// nothing for them).
    fn fd(&mut self, view: &dyn TargetView, fd: i32) {
        if fd >= 0 && !self.fds.iter().flatten().any(|(f, _)| *f == fd) {
            let target = view.fd_target(fd);
            put(&mut self.fds, (fd, target));
        }
    }

    /// The directory a relative path starts from: the cwd for `None` or
    /// `AT_FDCWD`, else the dirfd's path.
    fn base(&mut self, view: &dyn TargetView, dirfd: Option<i32>) {
        match dirfd {
            None | Some(libc::AT_FDCWD) => {
                if self.cwd.is_none() {
                    self.cwd = Some(view.cwd());
                }
            }
            Some(fd) => self.fd(view, fd),
        }
    }

    /// How many requests found nothing gathered.
    pub fn missed(&self) -> usize {
        self.missed.get()
    }

    fn miss(&self) {
        self.missed.set(self.missed.get() + 1);
    }
}

/// Puts `item` in the first free slot. There are as many slots as a call
/// has parameters, and each takes at most one.
fn put<T>(slots: &mut [Option<T>; SLOTS], item: T) {
    if let Some(free) = slots.iter_mut().find(|s| s.is_none()) {
        *free = Some(item);
    }
}

impl TargetView for Gathered {
    fn read_mem(&self, _addr: u64, _buf: &mut [u8]) -> Result<usize, i32> {
        self.miss();
        Err(libc::EFAULT)
    }

    fn cstring(&self, addr: u64, max: usize, mut into: Vec<u8>) -> ReadStr {
        let found = self.strings.iter().flatten().find(|(a, _)| *a == addr);
        let Some((_, read)) = found.filter(|_| max == PATH_MAX) else {
            self.miss();
            return ReadStr::Unreadable(libc::EFAULT);
        };
        // Into the buffer the decoder gave, which it reuses.
        let mut copy = |b: &[u8]| {
            into.clear();
            into.extend_from_slice(b);
            std::mem::take(&mut into)
        };
        match read {
            ReadStr::Full(b) => ReadStr::Full(copy(b)),
            ReadStr::Truncated(b) => ReadStr::Truncated(copy(b)),
            ReadStr::Unterminated(b, e) => ReadStr::Unterminated(copy(b), *e),
            ReadStr::Unreadable(e) => ReadStr::Unreadable(*e),
        }
    }

    fn fd_target(&self, fd: i32) -> Option<Vec<u8>> {
        match self.fds.iter().flatten().find(|(f, _)| *f == fd) {
            Some((_, target)) => target.clone(),
            None => {
                self.miss();
                None
            }
        }
    }

    fn cwd(&self) -> Option<Vec<u8>> {
        match &self.cwd {
            Some(cwd) => cwd.clone(),
            None => {
                self.miss();
                None
            }
        }
    }

    fn socket_local(&self, _fd: i32) -> Option<Vec<u8>> {
        self.miss();
        None
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decode::decoder::{decode_with_copies, reach};
    use crate::decode::fake::{AT_FDCWD_REG, FakeTarget, STR, STR2, arb_arg, arb_view};
    use crate::decode::format_call;
    use crate::model::testing::FakeCall;

    /// What was gathered for one call, into a new box.
    fn gather(sysno: Option<Sysno>, args: &[u64; 6], view: &dyn TargetView) -> Option<Gathered> {
        let mut g = Gathered::default();
        g.gather(sysno, args, view).then_some(g)
    }

    fn line(view: &dyn TargetView, sysno: Sysno, args: [u64; 6]) -> String {
        format_call(&FakeCall::decoded(Some(sysno), args, view).build())
    }

    proptest! {
        /// Every call of strings, paths and fds decoded from what was
        /// gathered shows what decoding it from the target shows, and
        /// asks for nothing that was not gathered, whatever its arguments
        /// and whatever the target holds; gathered afresh, or into what
        /// was gathered for the call before (as the receiver does),
        /// nothing of which shows.
        #[test]
        fn calls_decoded_from_what_was_gathered_show_what_the_target_shows(
            t in arb_view(),
            mut before in arb_view(),
            args in proptest::array::uniform6(arb_arg()),
        ) {
            // A cwd relative paths resolve from, unlike most of arb_view's.
            before.cwd = Some(b"/before".to_vec());
            let mut reused = Gathered::default();
            for s in Sysno::iter().filter(|&s| reach(Some(s)) == Reach::Gathered) {
                let g = gather(Some(s), &args, &t);
                prop_assert!(g.is_some(), "{} was not gathered", s);
                let g = g.unwrap();
                // The call before: the same, in another target.
                prop_assert!(reused.gather(Some(s), &args, &before));
                prop_assert!(reused.gather(Some(s), &args, &t));
                let (direct, _) = decode_with_copies(Some(s), &args, &t);
                for g in [&g, &reused] {
                    let (gathered, _) = decode_with_copies(Some(s), &args, g);
                    prop_assert_eq!(g.missed(), 0, "{} asked for what was not gathered", s);
                    prop_assert_eq!(&gathered, &direct, "{}", s);
                }
            }
        }
    }

    #[test]
    fn what_a_path_call_shows_comes_from_what_was_gathered() {
        let mut t = FakeTarget::new();
        t.str(STR, b"sub/../new")
            .str(STR2, b"/etc/hosts")
            .fd(5, b"/srv/data");
        let at = |dirfd: u64, path: u64| [dirfd, path, 0o755, 0, 0, 0];
        let g = gather(Some(Sysno::mkdirat), &at(AT_FDCWD_REG, STR), &t).unwrap();
        // The target changes once the call is answered: what was read
        // stays what is shown.
        t.str(STR, b"elsewhere").cwd = Some(b"/root".to_vec());
        assert_eq!(
            line(&g, Sysno::mkdirat, at(AT_FDCWD_REG, STR)),
            "mkdirat(AT_FDCWD, \"sub/../new\"</tmp/d/new>, 0755)"
        );
        assert_eq!(g.missed(), 0);
        // An absolute path needs no cwd; a dirfd is read for what it is.
        let g = gather(Some(Sysno::mkdirat), &at(5, STR2), &t).unwrap();
        assert_eq!(g.cwd, None);
        assert_eq!(
            line(&g, Sysno::mkdirat, at(5, STR2)),
            "mkdirat(5</srv/data>, \"/etc/hosts\", 0755)"
        );
        // One string, two parameters, each from its own directory.
        let args = [AT_FDCWD_REG, STR, 5, STR, 0, 0];
        let g = gather(Some(Sysno::renameat), &args, &t).unwrap();
        assert_eq!(
            line(&g, Sysno::renameat, args),
            line(&t, Sysno::renameat, args)
        );
        assert_eq!(g.missed(), 0);
    }

    /// A box kept for reuse holds on to the buffers of common paths, not
    /// to the longest path it ever read: over a thousand boxes circulate.
    #[test]
    fn only_buffers_of_common_size_are_kept_for_the_next_call() {
        let mut t = FakeTarget::new();
        t.str(STR, &[b'x'; 4000]).str(STR2, b"/tmp/short");
        let mut g = Gathered::default();
        let mkdir = |p: u64| [p, 0o755, 0, 0, 0, 0];
        assert!(g.gather(Some(Sysno::mkdir), &mkdir(STR), &t));
        assert!(g.gather(Some(Sysno::getppid), &[0; 6], &t));
        assert!(g.buffers.is_empty(), "a 4 KB buffer was kept");
        assert!(g.gather(Some(Sysno::mkdir), &mkdir(STR2), &t));
        assert!(g.gather(Some(Sysno::getppid), &[0; 6], &t));
        assert_eq!(g.buffers.len(), 1, "the short path's buffer is kept");
        assert!(g.buffers[0].capacity() <= KEPT_BUFFER);
    }

    /// Asked for what was not read, the view makes nothing up: memory is
    /// unreadable, an fd and the cwd unknown, and each such request is
    /// counted (the property test above requires none).
    #[test]
    fn what_was_not_gathered_is_not_made_up() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/etc/hosts").fd(4, b"/srv");
        let g = gather(Some(Sysno::mkdir), &[STR, 0o755, 0, 0, 0, 0], &t).unwrap();
        assert_eq!(g.missed(), 0);
        let mut buf = [0u8; 8];
        assert_eq!(g.read_mem(STR, &mut buf), Err(libc::EFAULT));
        assert_eq!(
            g.cstring(STR2, PATH_MAX, Vec::new()),
            ReadStr::Unreadable(libc::EFAULT)
        );
        assert_eq!(g.fd_target(4), None);
        assert_eq!(g.cwd(), None);
        assert_eq!(g.socket_local(4), None);
        assert_eq!(g.missed(), 5);
        // What was read is given, and not counted.
        assert_eq!(
            g.cstring(STR, PATH_MAX, Vec::new()),
            ReadStr::Full(b"/etc/hosts".to_vec())
        );
        assert_eq!(g.missed(), 5);
        // Read for a path, not for a shorter string at the same address.
        assert_eq!(
            g.cstring(STR, 5, Vec::new()),
            ReadStr::Unreadable(libc::EFAULT)
        );
        assert_eq!(g.missed(), 6);
    }

    #[test]
    fn calls_only_the_decoder_can_read_are_not_gathered() {
        let t = FakeTarget::new();
        for s in [Sysno::connect, Sysno::execve, Sysno::openat2, Sysno::poll] {
            assert!(gather(Some(s), &[0; 6], &t).is_none(), "{s}");
        }
        // Numbers alone: nothing to gather, nothing missed.
        let g = gather(Some(Sysno::getpriority), &[0; 6], &t).unwrap();
        assert_eq!(
            line(&g, Sysno::getpriority, [0; 6]),
            "getpriority(PRIO_PROCESS, 0)"
        );
        assert_eq!(g.missed(), 0);
    }
}
