//! Socket addresses read from the target: parsing by family and display.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::flags::family_name;
use crate::escape::escape_bytes;
use crate::model::SockAddr;

/// `sizeof(sa_family_t)`.
const FAMILY_LEN: usize = 2;
/// `sizeof(struct sockaddr_in)`; the kernel rejects shorter AF_INET
/// addresses with EINVAL.
const SOCKADDR_IN_LEN: usize = 16;
/// `SIN6_LEN_RFC2133`: the shortest AF_INET6 address the kernel accepts
/// (a `sockaddr_in6` without `sin6_scope_id`).
const SOCKADDR_IN6_MIN_LEN: usize = 24;
/// `sizeof(struct sockaddr_un)`: family plus a 108-byte `sun_path`.
const SOCKADDR_UN_LEN: usize = 110;
/// `sizeof(struct sockaddr_storage)`: the kernel refuses a longer `addrlen`
/// with EINVAL before reading the address.
pub const SOCKADDR_STORAGE_LEN: usize = 128;

/// Decodes raw sockaddr bytes (as many as the caller's `addrlen` said).
///
/// `AF_INET`/`AF_INET6` become [`SockAddr::Inet`], `AF_UNIX` a path, an
/// abstract name or unnamed, any other family [`SockAddr::Other`]; bytes too
/// short for the family they claim, or longer than any address, give
/// [`SockAddr::Invalid`].
pub fn parse_sockaddr(bytes: &[u8]) -> SockAddr {
    let len = bytes.len();
    let Some(family) = bytes.first_chunk::<FAMILY_LEN>() else {
        return SockAddr::Invalid { family: 0, len };
    };
    let family = u16::from_ne_bytes(*family);
    let invalid = SockAddr::Invalid { family, len };
    if len > SOCKADDR_STORAGE_LEN {
        return invalid;
    }
    match i32::from(family) {
        libc::AF_INET => {
            if len < SOCKADDR_IN_LEN {
                return invalid;
            }
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            let ip = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
            SockAddr::Inet {
                ip: IpAddr::V4(ip),
                port,
            }
        }
        libc::AF_INET6 => {
            if len < SOCKADDR_IN6_MIN_LEN {
                return invalid;
            }
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            // Bytes 4..8 are sin6_flowinfo.
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&bytes[8..24]);
            SockAddr::Inet {
                ip: IpAddr::V6(Ipv6Addr::from(octets)),
                port,
            }
        }
        libc::AF_UNIX => {
            let path = &bytes[FAMILY_LEN..len.min(SOCKADDR_UN_LEN)];
            match path.split_first() {
                None => SockAddr::UnixUnnamed,
                // Abstract names are not NUL-terminated: every byte up to
                // addrlen is part of the name.
                Some((0, name)) => SockAddr::Abstract(name.to_vec()),
                Some(_) => {
                    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                    SockAddr::Unix(path[..end].to_vec())
                }
            }
        }
        _ => SockAddr::Other { family },
    }
}

/// A family's name (`AF_NETLINK`) or `family 99`.
fn family_text(family: u16) -> String {
    match family_name(family) {
        Some(name) => name.to_string(),
        None => format!("family {family}"),
    }
}

/// Renders an address without its family: `127.0.0.1:8080`, `[::1]:80`,
/// `/run/x.sock`, `@name` (target bytes escaped), `unnamed`; other families
/// by name (`AF_NETLINK`).
pub fn format_sockaddr(s: &SockAddr) -> String {
    match s {
        SockAddr::Inet { ip, port } => SocketAddr::new(*ip, *port).to_string(),
        SockAddr::Unix(path) => escape_bytes(path),
        SockAddr::Abstract(name) => format!("@{}", escape_bytes(name)),
        SockAddr::UnixUnnamed => "unnamed".to_string(),
        SockAddr::Other { family } => family_text(*family),
        SockAddr::Invalid { len, .. } if *len < FAMILY_LEN => format!("too short: {len} bytes"),
        SockAddr::Invalid { family, len } if *len > SOCKADDR_STORAGE_LEN => {
            format!("{} too long: {len} bytes", family_text(*family))
        }
        SockAddr::Invalid { family, len } => {
            format!("{} too short: {len} bytes", family_text(*family))
        }
    }
}

/// The family an address belongs to, for display next to it.
pub(super) fn sockaddr_family(s: &SockAddr) -> Option<&'static str> {
    match s {
        SockAddr::Inet {
            ip: IpAddr::V4(_), ..
        } => Some("AF_INET"),
        SockAddr::Inet {
            ip: IpAddr::V6(_), ..
        } => Some("AF_INET6"),
        SockAddr::Unix(_) | SockAddr::Abstract(_) | SockAddr::UnixUnnamed => Some("AF_UNIX"),
        SockAddr::Other { .. } | SockAddr::Invalid { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(port: u16, ip: [u8; 4]) -> Vec<u8> {
        let mut b = (libc::AF_INET as u16).to_ne_bytes().to_vec();
        b.extend(port.to_be_bytes());
        b.extend(ip);
        b.extend([0u8; 8]);
        b
    }

    fn unix(path: &[u8]) -> Vec<u8> {
        let mut b = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        b.extend(path);
        b
    }

    #[test]
    fn af_inet() {
        let s = parse_sockaddr(&inet(8080, [127, 0, 0, 1]));
        assert_eq!(
            s,
            SockAddr::Inet {
                ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                port: 8080
            }
        );
        assert_eq!(format_sockaddr(&s), "127.0.0.1:8080");
        assert_eq!(s.port(), Some(8080));
    }

    #[test]
    fn af_inet_too_short() {
        let b = inet(80, [1, 2, 3, 4]);
        assert_eq!(
            parse_sockaddr(&b[..8]),
            SockAddr::Invalid {
                family: libc::AF_INET as u16,
                len: 8
            }
        );
        assert_eq!(
            format_sockaddr(&parse_sockaddr(&b[..8])),
            "AF_INET too short: 8 bytes"
        );
    }

    #[test]
    fn af_inet6() {
        let mut b = (libc::AF_INET6 as u16).to_ne_bytes().to_vec();
        b.extend(80u16.to_be_bytes());
        b.extend([0u8; 4]);
        b.extend(Ipv6Addr::LOCALHOST.octets());
        b.extend([0u8; 4]);
        let s = parse_sockaddr(&b);
        assert_eq!(
            s,
            SockAddr::Inet {
                ip: IpAddr::V6(Ipv6Addr::LOCALHOST),
                port: 80
            }
        );
        assert_eq!(format_sockaddr(&s), "[::1]:80");
        // Without the scope id it is still valid; one byte less is not.
        assert!(matches!(parse_sockaddr(&b[..24]), SockAddr::Inet { .. }));
        assert!(matches!(
            parse_sockaddr(&b[..23]),
            SockAddr::Invalid { len: 23, .. }
        ));
    }

    #[test]
    fn af_unix_path_abstract_unnamed() {
        let s = parse_sockaddr(&unix(b"/run/x.sock\0garbage"));
        assert_eq!(s, SockAddr::Unix(b"/run/x.sock".to_vec()));
        assert_eq!(format_sockaddr(&s), "/run/x.sock");

        let s = parse_sockaddr(&unix(b"\0name\0with nul"));
        assert_eq!(s, SockAddr::Abstract(b"name\0with nul".to_vec()));
        assert_eq!(format_sockaddr(&s), "@name\\x00with nul");

        assert_eq!(parse_sockaddr(&unix(b"")), SockAddr::UnixUnnamed);

        // A path without NUL that fills sun_path, followed by more bytes
        // than struct sockaddr_un holds.
        let long = vec![b'a'; 120];
        assert_eq!(
            parse_sockaddr(&unix(&long)),
            SockAddr::Unix(vec![b'a'; 108])
        );
    }

    #[test]
    fn unix_path_is_escaped() {
        let s = parse_sockaddr(&unix(b"/tmp/\x1b[2J"));
        assert_eq!(format_sockaddr(&s), "/tmp/\\e[2J");
    }

    #[test]
    fn other_and_short() {
        let s = parse_sockaddr(&(libc::AF_NETLINK as u16).to_ne_bytes());
        assert_eq!(
            s,
            SockAddr::Other {
                family: libc::AF_NETLINK as u16
            }
        );
        assert_eq!(format_sockaddr(&s), "AF_NETLINK");
        assert_eq!(
            format_sockaddr(&parse_sockaddr(&999u16.to_ne_bytes())),
            "family 999"
        );
        assert_eq!(
            parse_sockaddr(&[2]),
            SockAddr::Invalid { family: 0, len: 1 }
        );
        assert_eq!(parse_sockaddr(&[]), SockAddr::Invalid { family: 0, len: 0 });
        assert_eq!(format_sockaddr(&parse_sockaddr(&[])), "too short: 0 bytes");
    }

    #[test]
    fn longer_than_sockaddr_storage_is_invalid() {
        let mut b = inet(80, [127, 0, 0, 1]);
        b.resize(SOCKADDR_STORAGE_LEN, 0);
        assert!(matches!(
            parse_sockaddr(&b),
            SockAddr::Inet { port: 80, .. }
        ));
        b.push(0);
        let s = parse_sockaddr(&b);
        assert_eq!(
            s,
            SockAddr::Invalid {
                family: libc::AF_INET as u16,
                len: 129
            }
        );
        assert_eq!(format_sockaddr(&s), "AF_INET too long: 129 bytes");
    }

    mod props {
        use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

        use proptest::prelude::*;

        use super::super::*;
        use super::{inet, unix};

        proptest! {
            /// Whatever follows the fields in a longer buffer, the address
            /// reads back; past sockaddr_storage it is invalid.
            #[test]
            fn inet_reads_back(ip in any::<[u8; 4]>(), port in any::<u16>(), tail in prop::collection::vec(any::<u8>(), 0..130)) {
                let mut b = inet(port, ip);
                b.extend(&tail);
                let want = if b.len() > SOCKADDR_STORAGE_LEN {
                    SockAddr::Invalid { family: libc::AF_INET as u16, len: b.len() }
                } else {
                    SockAddr::Inet { ip: IpAddr::V4(Ipv4Addr::from(ip)), port }
                };
                prop_assert_eq!(parse_sockaddr(&b), want);
            }

            #[test]
            fn inet6_reads_back(ip in any::<[u8; 16]>(), port in any::<u16>(), flow in any::<u32>(), scope in prop::option::of(any::<u32>())) {
                let mut b = (libc::AF_INET6 as u16).to_ne_bytes().to_vec();
                b.extend(port.to_be_bytes());
                b.extend(flow.to_ne_bytes());
                b.extend(ip);
                b.extend(scope.map(u32::to_ne_bytes).unwrap_or_default());
                let s = parse_sockaddr(&b);
                prop_assert_eq!(&s, &SockAddr::Inet { ip: IpAddr::V6(Ipv6Addr::from(ip)), port });
                let suffix = format!("]:{port}");
                prop_assert!(format_sockaddr(&s).ends_with(&suffix));
                // One byte short of the fields: invalid, never a misread.
                let short = parse_sockaddr(&b[..23]);
                prop_assert!(matches!(short, SockAddr::Invalid { len: 23, .. }), "{:?}", short);
            }

            /// A path is the bytes up to the first NUL, within sun_path.
            #[test]
            fn unix_paths_and_names_read_back(name in prop::collection::vec(any::<u8>(), 1..108)) {
                let s = parse_sockaddr(&unix(&name));
                if name[0] == 0 {
                    // An abstract name keeps every byte, NULs included.
                    prop_assert_eq!(s, SockAddr::Abstract(name[1..].to_vec()));
                } else {
                    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                    prop_assert_eq!(&s, &SockAddr::Unix(name[..end].to_vec()));
                    prop_assert!(!format_sockaddr(&s).chars().any(char::is_control));
                }
            }
        }
    }
}
