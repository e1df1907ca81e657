//! `/proc/PID/maps`: which file is mapped where.

/// One line of `/proc/PID/maps` backed by a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// Offset into the file of `start`.
    pub offset: u64,
    pub dev: (u32, u32),
    pub ino: u64,
    /// As the program names it (in its mount namespace).
    pub path: Vec<u8>,
}

impl Mapping {
    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// `/proc/PID/map_files/START-END`: the mapped file itself, whatever
    /// has been renamed or mounted over since (opening it needs
    /// CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE).
    pub fn map_file(&self, pid: u32) -> String {
        format!("/proc/{pid}/map_files/{:x}-{:x}", self.start, self.end)
    }
}

/// `7f12a000-7f12c000 r-xp 00002000 08:01 1234   /usr/lib/libc.so.6`;
/// `None` for anonymous memory, pseudo-files (`[stack]`, `[vdso]`) and
/// deleted files.
pub fn parse_line(line: &[u8]) -> Option<Mapping> {
    let mut rest = line;
    let mut field = || {
        while rest.first() == Some(&b' ') {
            rest = &rest[1..];
        }
        let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        let (f, r) = rest.split_at(end);
        rest = r;
        f
    };
    let range = std::str::from_utf8(field()).ok()?;
    let _perms = field();
    let offset = std::str::from_utf8(field()).ok()?;
    let dev = std::str::from_utf8(field()).ok()?;
    let ino = std::str::from_utf8(field()).ok()?;
    while rest.first() == Some(&b' ') {
        rest = &rest[1..];
    }
    let path = rest;
    if !path.starts_with(b"/") || path.ends_with(b" (deleted)") {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    let (major, minor) = dev.split_once(':')?;
    Some(Mapping {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        offset: u64::from_str_radix(offset, 16).ok()?,
        dev: (
            u32::from_str_radix(major, 16).ok()?,
            u32::from_str_radix(minor, 16).ok()?,
        ),
        ino: ino.parse().ok()?,
        path: path.to_vec(),
    })
}

/// The file-backed mappings of a `/proc/PID/maps` text.
pub fn parse(text: &[u8]) -> Vec<Mapping> {
    text.split(|&b| b == b'\n').filter_map(parse_line).collect()
}

/// The sp and pc of a thread parked in a system call, from
/// `/proc/TID/syscall`: `NR ARG1 … ARG6 SP PC` (hex after the number);
/// `running` (or `-1 SP PC` outside a call) otherwise.
pub fn parse_syscall(text: &str) -> Result<(u64, u64), String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.first() == Some(&"running") {
        return Err("the thread was running, not parked in its call".into());
    }
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    match fields.as_slice() {
        [_nr, _, _, _, _, _, _, sp, pc] => match (hex(sp), hex(pc)) {
            (Some(sp), Some(pc)) => Ok((sp, pc)),
            _ => Err(format!("unexpected /proc/TID/syscall: {:?}", text.trim())),
        },
        _ => Err(format!(
            "the thread is not in a system call ({:?})",
            text.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_mappings_are_read_and_the_rest_skipped() {
        let text = b"55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 393234                     /usr/bin/true\n\
55d0c0a02000-55d0c0a06000 r-xp 00002000 fe:01 393234                     /usr/bin/my prog\n\
7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]\n\
7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n\
7f0000001000-7f0000002000 r-xp 00000000 08:01 77 /tmp/gone (deleted)\n";
        let maps = parse(text);
        assert_eq!(maps.len(), 2);
        assert_eq!(
            maps[1],
            Mapping {
                start: 0x55d0_c0a0_2000,
                end: 0x55d0_c0a0_6000,
                offset: 0x2000,
                dev: (0xfe, 1),
                ino: 393_234,
                path: b"/usr/bin/my prog".to_vec(),
            }
        );
        assert!(maps[1].contains(0x55d0_c0a0_2000));
        assert!(!maps[1].contains(0x55d0_c0a0_6000));
        assert_eq!(
            maps[0].map_file(7),
            "/proc/7/map_files/55d0c0a00000-55d0c0a02000"
        );
    }

    #[test]
    fn syscall_lines_give_sp_and_pc_or_say_why_not() {
        assert_eq!(
            parse_syscall("39 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffc8d2e3b58 0x7f3c1a2e4d1d\n"),
            Ok((0x7ffc_8d2e_3b58, 0x7f3c_1a2e_4d1d))
        );
        assert!(parse_syscall("running\n").unwrap_err().contains("running"));
        assert!(
            parse_syscall("-1 0x7ffc8d2e3b58 0x7f3c1a2e4d1d\n")
                .unwrap_err()
                .contains("not in a system call")
        );
    }
}
