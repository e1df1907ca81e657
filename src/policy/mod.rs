//! Rules: which trapped calls get which answer without asking.

pub mod learn;
mod matcher;
pub mod rules;
pub mod scope;
pub mod write;

/// Calls made up for unit tests, as the decoder would produce them.
#[cfg(test)]
pub(crate) mod test_calls {
    use std::net::IpAddr;
    use std::time::{Instant, SystemTime};

    use syscalls::Sysno;

    use crate::model::{Arg, Call, Copies, Creds, Notif, SockAddr, Value};

    pub fn call(sysno: Sysno, raw: [u64; 6], args: Vec<Arg>) -> Call {
        Call {
            notif: Notif {
                id: 1,
                pid: 100,
                flags: 0,
                nr: sysno.id(),
                arch: 0xc000_003e,
                instruction_pointer: 0,
                args: raw,
            },
            tgid: 100,
            ppid: 1,
            comm: b"prog".to_vec(),
            exe: b"/usr/bin/prog".to_vec(),
            creds: Creds::default(),
            copies: Copies::default(),
            sysno: Some(sysno),
            args,
            received: Instant::now(),
            received_wall: SystemTime::now(),
        }
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
}
