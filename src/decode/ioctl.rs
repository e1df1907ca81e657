//! ioctl(2) request names: the terminal, file, block-device and socket
//! families strace names, and any other request broken down into its
//! `_IOC(dir, type, nr, size)` parts.
//!
//! Values from the kernel's uapi headers for x86_64 (<asm-generic/ioctls.h>,
//! <linux/fs.h>, <linux/sockios.h>, <linux/seccomp.h>).

/// Known requests. A request number is unique within this list.
const REQUESTS: &[(u32, &str)] = &[
    // Terminals (<asm-generic/ioctls.h>).
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
    (0x5405, "TCGETA"),
    (0x5406, "TCSETA"),
    (0x5407, "TCSETAW"),
    (0x5408, "TCSETAF"),
    (0x5409, "TCSBRK"),
    (0x540a, "TCXONC"),
    (0x540b, "TCFLSH"),
    (0x540c, "TIOCEXCL"),
    (0x540d, "TIOCNXCL"),
    (0x540e, "TIOCSCTTY"),
    (0x540f, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5412, "TIOCSTI"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x5415, "TIOCMGET"),
    (0x5416, "TIOCMBIS"),
    (0x5417, "TIOCMBIC"),
    (0x5418, "TIOCMSET"),
    (0x5419, "TIOCGSOFTCAR"),
    (0x541a, "TIOCSSOFTCAR"),
    (0x541b, "FIONREAD"),
    (0x541c, "TIOCLINUX"),
    (0x541d, "TIOCCONS"),
    (0x541e, "TIOCGSERIAL"),
    (0x541f, "TIOCSSERIAL"),
    (0x5420, "TIOCPKT"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5423, "TIOCSETD"),
    (0x5424, "TIOCGETD"),
    (0x5425, "TCSBRKP"),
    (0x5427, "TIOCSBRK"),
    (0x5428, "TIOCCBRK"),
    (0x5429, "TIOCGSID"),
    (0x802c_542a, "TCGETS2"),
    (0x402c_542b, "TCSETS2"),
    (0x402c_542c, "TCSETSW2"),
    (0x402c_542d, "TCSETSF2"),
    (0x542e, "TIOCGRS485"),
    (0x542f, "TIOCSRS485"),
    (0x8004_5430, "TIOCGPTN"),
    (0x4004_5431, "TIOCSPTLCK"),
    (0x8004_5432, "TIOCGDEV"),
    (0x5432, "TCGETX"),
    (0x5433, "TCSETX"),
    (0x5434, "TCSETXF"),
    (0x5435, "TCSETXW"),
    (0x4004_5436, "TIOCSIG"),
    (0x5437, "TIOCVHANGUP"),
    (0x8004_5438, "TIOCGPKT"),
    (0x8004_5439, "TIOCGPTLCK"),
    (0x8004_5440, "TIOCGEXCL"),
    (0x5441, "TIOCGPTPEER"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x5453, "TIOCSERCONFIG"),
    (0x5454, "TIOCSERGWILD"),
    (0x5455, "TIOCSERSWILD"),
    (0x5456, "TIOCGLCKTRMIOS"),
    (0x5457, "TIOCSLCKTRMIOS"),
    (0x5458, "TIOCSERGSTRUCT"),
    (0x5459, "TIOCSERGETLSR"),
    (0x545a, "TIOCSERGETMULTI"),
    (0x545b, "TIOCSERSETMULTI"),
    (0x545c, "TIOCMIWAIT"),
    (0x545d, "TIOCGICOUNT"),
    (0x5460, "FIOQSIZE"),
    // Files (<linux/fs.h>, <asm-generic/sockios.h>).
    (0x0001, "FIBMAP"),
    (0x0002, "FIGETBSZ"),
    (0x8901, "FIOSETOWN"),
    (0x8903, "FIOGETOWN"),
    (0xc004_5877, "FIFREEZE"),
    (0xc004_5878, "FITHAW"),
    (0xc018_5879, "FITRIM"),
    (0x4004_9409, "FICLONE"),
    (0x4020_940d, "FICLONERANGE"),
    (0xc018_9436, "FIDEDUPERANGE"),
    (0x8008_6601, "FS_IOC_GETFLAGS"),
    (0x4008_6602, "FS_IOC_SETFLAGS"),
    (0x8008_7601, "FS_IOC_GETVERSION"),
    (0x4008_7602, "FS_IOC_SETVERSION"),
    (0xc020_660b, "FS_IOC_FIEMAP"),
    (0x801c_581f, "FS_IOC_FSGETXATTR"),
    (0x401c_5820, "FS_IOC_FSSETXATTR"),
    (0x8010_6613, "FS_IOC_GET_ENCRYPTION_POLICY"),
    (0x8028_1509, "FS_IOC_GETFSUUID"),
    (0x9000_9411, "FS_IOC_GETFSLABEL"),
    (0x4100_9412, "FS_IOC_SETFSLABEL"),
    // Block devices (<linux/fs.h>).
    (0x125d, "BLKROSET"),
    (0x125e, "BLKROGET"),
    (0x125f, "BLKRRPART"),
    (0x1260, "BLKGETSIZE"),
    (0x1261, "BLKFLSBUF"),
    (0x1262, "BLKRASET"),
    (0x1263, "BLKRAGET"),
    (0x1264, "BLKFRASET"),
    (0x1265, "BLKFRAGET"),
    (0x1266, "BLKSECTSET"),
    (0x1267, "BLKSECTGET"),
    (0x1268, "BLKSSZGET"),
    (0x8008_1270, "BLKBSZGET"),
    (0x4008_1271, "BLKBSZSET"),
    (0x8008_1272, "BLKGETSIZE64"),
    (0x1277, "BLKDISCARD"),
    (0x1278, "BLKIOMIN"),
    (0x1279, "BLKIOOPT"),
    (0x127a, "BLKALIGNOFF"),
    (0x127b, "BLKPBSZGET"),
    (0x127c, "BLKDISCARDZEROES"),
    (0x127d, "BLKSECDISCARD"),
    (0x127e, "BLKROTATIONAL"),
    (0x127f, "BLKZEROOUT"),
    (0x8008_1280, "BLKGETDISKSEQ"),
    // Sockets (<linux/sockios.h>, <asm-generic/sockios.h>).
    (0x8902, "SIOCSPGRP"),
    (0x8904, "SIOCGPGRP"),
    (0x8905, "SIOCATMARK"),
    (0x8906, "SIOCGSTAMP_OLD"),
    (0x8907, "SIOCGSTAMPNS_OLD"),
    (0x890b, "SIOCADDRT"),
    (0x890c, "SIOCDELRT"),
    (0x890d, "SIOCRTMSG"),
    (0x8910, "SIOCGIFNAME"),
    (0x8911, "SIOCSIFLINK"),
    (0x8912, "SIOCGIFCONF"),
    (0x8913, "SIOCGIFFLAGS"),
    (0x8914, "SIOCSIFFLAGS"),
    (0x8915, "SIOCGIFADDR"),
    (0x8916, "SIOCSIFADDR"),
    (0x8917, "SIOCGIFDSTADDR"),
    (0x8918, "SIOCSIFDSTADDR"),
    (0x8919, "SIOCGIFBRDADDR"),
    (0x891a, "SIOCSIFBRDADDR"),
    (0x891b, "SIOCGIFNETMASK"),
    (0x891c, "SIOCSIFNETMASK"),
    (0x891d, "SIOCGIFMETRIC"),
    (0x891e, "SIOCSIFMETRIC"),
    (0x891f, "SIOCGIFMEM"),
    (0x8920, "SIOCSIFMEM"),
    (0x8921, "SIOCGIFMTU"),
    (0x8922, "SIOCSIFMTU"),
    (0x8923, "SIOCSIFNAME"),
    (0x8924, "SIOCSIFHWADDR"),
    (0x8925, "SIOCGIFENCAP"),
    (0x8926, "SIOCSIFENCAP"),
    (0x8927, "SIOCGIFHWADDR"),
    (0x8929, "SIOCGIFSLAVE"),
    (0x8930, "SIOCSIFSLAVE"),
    (0x8931, "SIOCADDMULTI"),
    (0x8932, "SIOCDELMULTI"),
    (0x8933, "SIOCGIFINDEX"),
    (0x8934, "SIOCSIFPFLAGS"),
    (0x8935, "SIOCGIFPFLAGS"),
    (0x8936, "SIOCDIFADDR"),
    (0x8937, "SIOCSIFHWBROADCAST"),
    (0x8938, "SIOCGIFCOUNT"),
    (0x8940, "SIOCGIFBR"),
    (0x8941, "SIOCSIFBR"),
    (0x8942, "SIOCGIFTXQLEN"),
    (0x8943, "SIOCSIFTXQLEN"),
    (0x8946, "SIOCETHTOOL"),
    (0x8947, "SIOCGMIIPHY"),
    (0x8948, "SIOCGMIIREG"),
    (0x8949, "SIOCSMIIREG"),
    (0x894a, "SIOCWANDEV"),
    (0x894b, "SIOCOUTQNSD"),
    (0x894c, "SIOCGSKNS"),
    (0x8953, "SIOCDARP"),
    (0x8954, "SIOCGARP"),
    (0x8955, "SIOCSARP"),
    (0x8960, "SIOCDRARP"),
    (0x8961, "SIOCGRARP"),
    (0x8962, "SIOCSRARP"),
    (0x8970, "SIOCGIFMAP"),
    (0x8971, "SIOCSIFMAP"),
    (0x8980, "SIOCADDDLCI"),
    (0x8981, "SIOCDELDLCI"),
    (0x8990, "SIOCBONDENSLAVE"),
    (0x8991, "SIOCBONDRELEASE"),
    (0x8992, "SIOCBONDSETHWADDR"),
    (0x8993, "SIOCBONDSLAVEINFOQUERY"),
    (0x8994, "SIOCBONDINFOQUERY"),
    (0x8995, "SIOCBONDCHANGEACTIVE"),
    (0x89a0, "SIOCBRADDBR"),
    (0x89a1, "SIOCBRDELBR"),
    (0x89a2, "SIOCBRADDIF"),
    (0x89a3, "SIOCBRDELIF"),
    (0x89b0, "SIOCSHWTSTAMP"),
    (0x89b1, "SIOCGHWTSTAMP"),
    // Seccomp user notification (<linux/seccomp.h>): what a supervisor
    // under supervision would call.
    (0xc050_2100, "SECCOMP_IOCTL_NOTIF_RECV"),
    (0xc018_2101, "SECCOMP_IOCTL_NOTIF_SEND"),
    (0x4008_2102, "SECCOMP_IOCTL_NOTIF_ID_VALID"),
    (0x4018_2103, "SECCOMP_IOCTL_NOTIF_ADDFD"),
    (0x4008_2104, "SECCOMP_IOCTL_NOTIF_SET_FLAGS"),
    // Tun/tap (<linux/if_tun.h>).
    (0x4004_54ca, "TUNSETIFF"),
    (0x8004_54d2, "TUNGETIFF"),
];

/// The request's name, if it has one.
pub(super) fn request_name(request: u32) -> Option<&'static str> {
    REQUESTS
        .iter()
        .find(|(n, _)| *n == request)
        .map(|(_, s)| *s)
}

/// `TCGETS`, or `_IOC(_IOC_READ, 0x12, 0x34, 0x8)` for a request without a
/// name (strace's form). The kernel takes the request as an `unsigned
/// int`: the upper half of the register is not part of it.
pub(super) fn format_request(raw: u64) -> String {
    let request = raw as u32;
    if let Some(name) = request_name(request) {
        return name.to_string();
    }
    let nr = request & 0xff;
    let ty = (request >> 8) & 0xff;
    let size = (request >> 16) & 0x3fff;
    let dir = match request >> 30 {
        0 => "_IOC_NONE",
        1 => "_IOC_WRITE",
        2 => "_IOC_READ",
        _ => "_IOC_READ|_IOC_WRITE",
    };
    format!("_IOC({dir}, {}, {}, {})", c_hex(ty), c_hex(nr), c_hex(size))
}

/// C's `%#x`, as strace prints: `0` has no prefix.
fn c_hex(v: u32) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_match_libc() {
        for (k, (n, name)) in REQUESTS.iter().enumerate() {
            assert!(
                REQUESTS[k + 1..].iter().all(|(m, _)| m != n),
                "{name} {n:#x} twice"
            );
        }
        // Spot checks against libc's own constants.
        let libc_has: &[(u64, &str)] = &[
            (libc::TCGETS, "TCGETS"),
            (libc::TIOCGWINSZ, "TIOCGWINSZ"),
            (libc::TIOCSWINSZ, "TIOCSWINSZ"),
            (libc::FIONREAD, "FIONREAD"),
            (libc::FIOCLEX, "FIOCLEX"),
            (libc::FIONCLEX, "FIONCLEX"),
            (libc::FIONBIO, "FIONBIO"),
            (libc::TIOCGPTN, "TIOCGPTN"),
            (libc::SIOCGIFINDEX, "SIOCGIFINDEX"),
            (libc::SIOCGIFFLAGS, "SIOCGIFFLAGS"),
            (libc::SECCOMP_IOCTL_NOTIF_RECV, "SECCOMP_IOCTL_NOTIF_RECV"),
            (libc::SECCOMP_IOCTL_NOTIF_ADDFD, "SECCOMP_IOCTL_NOTIF_ADDFD"),
        ];
        for &(v, name) in libc_has {
            assert_eq!(request_name(v as u32), Some(name), "{v:#x}");
        }
    }

    #[test]
    fn unknown_requests_are_broken_down() {
        assert_eq!(format_request(0x5401), "TCGETS");
        // The upper half of the register is not part of the request.
        assert_eq!(format_request(0xffff_ffff_0000_5413), "TIOCGWINSZ");
        assert_eq!(
            format_request(0x8008_aa01),
            "_IOC(_IOC_READ, 0xaa, 0x1, 0x8)"
        );
        assert_eq!(
            format_request(0xc010_aa02),
            "_IOC(_IOC_READ|_IOC_WRITE, 0xaa, 0x2, 0x10)"
        );
        assert_eq!(
            format_request(0x4004_aa03),
            "_IOC(_IOC_WRITE, 0xaa, 0x3, 0x4)"
        );
        assert_eq!(format_request(0xaa04), "_IOC(_IOC_NONE, 0xaa, 0x4, 0)");
    }
}
