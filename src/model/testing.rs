//! Calls made up for unit tests, as the decoder would produce them: one
//! builder shared by the decoder's, the policy's and the UI's tests.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use syscalls::Sysno;

use crate::decode::{TargetView, decode_with_copies};
use crate::model::{Arg, Call, Creds, Notif, ProcFacts, SockAddr, Value};

/// The `nr` of a call made with no [`Sysno`]: a number the kernel does not
/// know.
pub const UNKNOWN_NR: i32 = 9999;

/// A [`Call`] under construction: `prog` (`/usr/bin/prog`), pid and tgid
/// 100, parent 1, default credentials, no arguments, unless set otherwise.
pub struct FakeCall(Call);

impl FakeCall {
    /// `sysno` with these registers; `None` is an unknown number
    /// ([`UNKNOWN_NR`]).
    pub fn new(sysno: Option<Sysno>, raw: [u64; 6]) -> Self {
        FakeCall(Call {
            notif: Notif {
                id: 1,
                pid: 100,
                flags: 0,
                nr: sysno.map_or(UNKNOWN_NR, |s| s.id()),
                arch: 0xc000_003e,
                instruction_pointer: 0,
                args: raw,
            },
            proc: Arc::new(ProcFacts {
                tgid: 100,
                ppid: 1,
                comm: b"prog"[..].into(),
                exe: b"/usr/bin/prog"[..].into(),
                creds: Creds::default(),
            }),
            copies: None,
            sysno,
            args: Vec::new(),
            received: crate::time::Mono::now(),
            received_wall: SystemTime::now(),
            // Made-up calls have no live process to walk paths in: rules
            // match them as written.
            real: std::sync::OnceLock::from(crate::model::RealPaths::default()),
            container: None,
            stack: None,
        })
    }

    /// The registers decoded by the real decoder against `view`, with the
    /// copies it took.
    pub fn decoded(sysno: Option<Sysno>, raw: [u64; 6], view: &dyn TargetView) -> Self {
        let (args, copies) = decode_with_copies(sysno, &raw, view);
        let mut fake = FakeCall::new(sysno, raw).args(args);
        fake.0.copies = copies.boxed();
        fake
    }

    pub fn args(mut self, args: Vec<Arg>) -> Self {
        self.0.args = args;
        self
    }

    pub fn id(mut self, id: u64) -> Self {
        self.0.notif.id = id;
        self
    }

    /// Made by thread `tid` of process `tgid`, whose parent is `ppid`.
    pub fn thread(mut self, tgid: u32, tid: u32, ppid: u32) -> Self {
        Arc::make_mut(&mut self.0.proc).tgid = tgid;
        self.0.notif.pid = tid;
        Arc::make_mut(&mut self.0.proc).ppid = ppid;
        self
    }

    /// Made by the program `comm`, run from `/usr/bin/comm`.
    pub fn program(mut self, comm: &str) -> Self {
        Arc::make_mut(&mut self.0.proc).comm = comm.as_bytes().into();
        Arc::make_mut(&mut self.0.proc).exe = format!("/usr/bin/{comm}").into_bytes().into();
        self
    }

    pub fn creds(mut self, creds: Creds) -> Self {
        Arc::make_mut(&mut self.0.proc).creds = creds;
        self
    }

    pub fn received_wall(mut self, at: SystemTime) -> Self {
        self.0.received_wall = at;
        self
    }

    pub fn build(self) -> Call {
        self.0
    }
}

/// `sysno` with these registers and these decoded arguments.
pub fn call(sysno: Sysno, raw: [u64; 6], args: Vec<Arg>) -> Call {
    FakeCall::new(Some(sysno), raw).args(args).build()
}

/// A path argument, already absolute (given = resolved).
pub fn path_arg(name: &'static str, p: impl AsRef<[u8]>) -> Arg {
    let p = p.as_ref();
    Arg {
        name,
        raw: 0x1000,
        value: Value::Path {
            given: p.to_vec(),
            resolved: Some(p.to_vec()),
        },
    }
}

/// A call whose decoded arguments are these paths.
pub fn with_paths<P: AsRef<[u8]>>(sysno: Sysno, paths: &[P]) -> Call {
    let names = ["oldpath", "newpath"];
    let args = paths
        .iter()
        .zip(names)
        .map(|(p, n)| path_arg(n, p))
        .collect();
    call(sysno, [0; 6], args)
}

/// `openat(AT_FDCWD, path, flags)`.
pub fn openat(path: &str, flags: i32) -> Call {
    call(
        Sysno::openat,
        [libc::AT_FDCWD as u64, 0x1000, flags as u64, 0, 0, 0],
        vec![path_arg("pathname", path.as_bytes())],
    )
}

/// `sysno(3, addr, 16)` with `addr` decoded.
pub fn with_sockaddr(sysno: Sysno, addr: SockAddr) -> Call {
    let arg = Arg {
        name: "addr",
        raw: 0x1000,
        value: Value::SockAddr(addr),
    };
    call(sysno, [3, 0x1000, 16, 0, 0, 0], vec![arg])
}

pub fn inet(ip: &str, port: u16) -> SockAddr {
    SockAddr::Inet {
        ip: ip.parse::<IpAddr>().unwrap(),
        port,
    }
}

/// What became of `call`: answered `answer` by `by`, the kernel running it.
pub fn record(
    call: Call,
    answer: crate::model::Answer,
    by: crate::model::DecidedBy,
) -> crate::model::Record {
    crate::model::Record {
        call: std::sync::Arc::new(call),
        answer: Some(answer),
        decided_by: by,
        outcome: crate::model::Outcome::Continued,
        latency: std::time::Duration::ZERO,
    }
}
