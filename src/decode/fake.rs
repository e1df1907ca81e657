//! A fake target for the decoder's tests, and calls decoded against it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use syscalls::Sysno;

use super::format::format_call;
use super::memory::{PAGE_SIZE, TargetView};
use crate::model::Call;
use crate::model::testing::FakeCall;

pub const PAGE: u64 = PAGE_SIZE;

/// A target with page-granular memory: a read returns the bytes up to
/// the first unmapped page, or EFAULT if the first byte is unmapped.
/// Every read request is recorded.
#[derive(Debug, Default)]
pub struct FakeTarget {
    pub pages: BTreeMap<u64, Vec<u8>>,
    pub cwd: Option<Vec<u8>>,
    pub fds: HashMap<i32, Vec<u8>>,
    pub sockets: HashMap<i32, Vec<u8>>,
    pub reads: RefCell<Vec<(u64, usize)>>,
}

impl FakeTarget {
    pub fn new() -> Self {
        FakeTarget {
            cwd: Some(b"/tmp/d".to_vec()),
            ..Default::default()
        }
    }

    /// Maps the pages covering `addr..addr+len` (zero-filled) and
    /// writes `bytes` there.
    pub fn map(&mut self, addr: u64, bytes: &[u8]) -> &mut Self {
        let first = addr / PAGE;
        let last = (addr + bytes.len().max(1) as u64 - 1) / PAGE;
        for p in first..=last {
            self.pages
                .entry(p)
                .or_insert_with(|| vec![0; PAGE as usize]);
        }
        for (k, &b) in bytes.iter().enumerate() {
            let a = addr + k as u64;
            self.pages.get_mut(&(a / PAGE)).unwrap()[(a % PAGE) as usize] = b;
        }
        self
    }

    /// Maps a NUL-terminated string.
    pub fn str(&mut self, addr: u64, s: &[u8]) -> &mut Self {
        let mut b = s.to_vec();
        b.push(0);
        self.map(addr, &b)
    }

    /// Maps a NULL-terminated pointer array.
    pub fn ptrs(&mut self, addr: u64, ptrs: &[u64]) -> &mut Self {
        let mut b = Vec::new();
        for p in ptrs.iter().chain([&0]) {
            b.extend(p.to_ne_bytes());
        }
        self.map(addr, &b)
    }

    pub fn fd(&mut self, fd: i32, target: &[u8]) -> &mut Self {
        self.fds.insert(fd, target.to_vec());
        self
    }
}

impl TargetView for FakeTarget {
    fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
        self.reads.borrow_mut().push((addr, buf.len()));
        let mut n = 0;
        while n < buf.len() {
            let Some(a) = addr.checked_add(n as u64) else {
                break;
            };
            let Some(page) = self.pages.get(&(a / PAGE)) else {
                break;
            };
            buf[n] = page[(a % PAGE) as usize];
            n += 1;
        }
        if n == 0 && !buf.is_empty() {
            Err(libc::EFAULT)
        } else {
            Ok(n)
        }
    }

    fn fd_target(&self, fd: i32) -> Option<Vec<u8>> {
        self.fds.get(&fd).cloned()
    }

    fn cwd(&self) -> Option<Vec<u8>> {
        self.cwd.clone()
    }

    fn socket_local(&self, fd: i32) -> Option<Vec<u8>> {
        self.sockets.get(&fd).cloned()
    }
}

pub const STR: u64 = 0x10_000;
pub const STR2: u64 = 0x20_000;
pub const BUF: u64 = 0x30_000;
pub const AT_FDCWD_REG: u64 = 0xffff_ff9c;

/// The call `sysno` with these registers, decoded against `view`.
pub fn call(view: &FakeTarget, sysno: Option<Sysno>, args: [u64; 6]) -> Call {
    FakeCall::decoded(sysno, args, view).build()
}

pub fn line(view: &FakeTarget, sysno: Sysno, args: &[u64]) -> String {
    let mut a = [0u64; 6];
    a[..args.len()].copy_from_slice(args);
    format_call(&call(view, Some(sysno), a))
}

pub fn sockaddr_in(ip: [u8; 4], port: u16) -> Vec<u8> {
    let mut b = (libc::AF_INET as u16).to_ne_bytes().to_vec();
    b.extend(port.to_be_bytes());
    b.extend(ip);
    b.extend([0u8; 8]);
    b
}

pub fn arb_view() -> impl Strategy<Value = FakeTarget> {
    (
        prop::collection::vec((0u64..8, prop::collection::vec(any::<u8>(), 0..600)), 0..6),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
        prop::collection::vec((-2i32..8, prop::collection::vec(any::<u8>(), 0..40)), 0..6),
        prop::collection::vec((0i32..8, prop::collection::vec(any::<u8>(), 0..40)), 0..4),
    )
        .prop_map(|(maps, cwd, fds, socks)| {
            let mut t = FakeTarget::new();
            for (page, bytes) in maps {
                // Place the bytes at the end of the page so strings run
                // into the next (maybe unmapped) page.
                let end = (page + 1) * PAGE;
                t.map(end - bytes.len().max(1) as u64, &bytes);
            }
            t.cwd = cwd;
            t.fds.extend(fds);
            t.sockets.extend(socks);
            t
        })
}

pub fn arb_arg() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..8 * PAGE,
        Just(0u64),
        Just(AT_FDCWD_REG),
        (-3i64..64).prop_map(|v| v as u64),
    ]
}
