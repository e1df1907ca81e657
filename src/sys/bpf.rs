//! The classic-BPF program unotify-tui installs, built by hand, and a
//! disassembler that explains it (`--print-filter`, the TUI's filter view).
//!
//! Shape of the program:
//!
//! ```text
//!   load arch; not x86_64 → KILL_PROCESS
//!   load nr;   nr ≥ 0x40000000 (x32 ABI) → KILL_PROCESS
//!   binary search over the syscall number → USER_NOTIF or ALLOW
//! ```
//!
//! The search is a balanced tree over runs of equal action, so an untrapped
//! call costs a handful of comparisons whatever the size of the trap set.

use syscalls::Sysno;

// Instruction classes and fields (linux/filter.h, linux/bpf_common.h).
pub const BPF_LD: u16 = 0x00;
pub const BPF_JMP: u16 = 0x05;
pub const BPF_RET: u16 = 0x06;
pub const BPF_W: u16 = 0x00;
pub const BPF_ABS: u16 = 0x20;
pub const BPF_JA: u16 = 0x00;
pub const BPF_JEQ: u16 = 0x10;
pub const BPF_JGT: u16 = 0x20;
pub const BPF_JGE: u16 = 0x30;
pub const BPF_K: u16 = 0x00;

pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const RET_USER_NOTIF: u32 = 0x7fc0_0000;
pub const RET_ALLOW: u32 = 0x7fff_0000;

// Offsets into struct seccomp_data.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARG0_LO: u32 = 16;
const OFF_ARG0_HI: u32 = 20;

/// One BPF instruction (same layout as `struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

const fn stmt(code: u16, k: u32) -> Insn {
    Insn {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
    Insn { code, jt, jf, k }
}

/// What the filter is built from.
#[derive(Clone, Debug)]
pub struct FilterSpec {
    /// Syscalls that get `SECCOMP_RET_USER_NOTIF`.
    pub trapped: Vec<Sysno>,
    /// The fd number of the launch socket in the child: a `sendmsg` on it
    /// is the handshake that hands the listener to the supervisor, and
    /// must never be trapped (nobody could answer it yet).
    pub launch_fd: Option<u32>,
}

/// A run of syscall numbers `[lo, hi]` with one outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leaf {
    Allow,
    Notify,
    /// `sendmsg` when it is trapped: allowed on the launch fd only.
    Handshake(u32),
}

/// Builds the filter program.
pub fn build(spec: &FilterSpec) -> Vec<Insn> {
    let mut prog = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH),
        jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET | BPF_K, RET_KILL_PROCESS),
        stmt(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
        jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),
        stmt(BPF_RET | BPF_K, RET_KILL_PROCESS),
    ];
    let runs = runs(spec);
    prog.extend(tree(&runs));
    prog
}

/// Splits the number space `0..X32_SYSCALL_BIT` into runs of one outcome.
fn runs(spec: &FilterSpec) -> Vec<(u32, Leaf)> {
    let mut nrs: Vec<u32> = spec.trapped.iter().map(|s| s.id() as u32).collect();
    nrs.sort_unstable();
    nrs.dedup();
    let sendmsg = Sysno::sendmsg.id() as u32;
    // (start, leaf) pairs; each run extends to the next start.
    let mut out: Vec<(u32, Leaf)> = vec![(0, Leaf::Allow)];
    for nr in nrs {
        let leaf = match spec.launch_fd {
            Some(fd) if nr == sendmsg => Leaf::Handshake(fd),
            _ => Leaf::Notify,
        };
        push_run(&mut out, nr, leaf);
        push_run(&mut out, nr + 1, Leaf::Allow);
    }
    out
}

fn push_run(out: &mut Vec<(u32, Leaf)>, start: u32, leaf: Leaf) {
    if let Some(last) = out.last_mut() {
        if last.0 == start {
            last.1 = leaf;
            // Merging may make it equal to the run before.
            if out.len() >= 2 && out[out.len() - 2].1 == leaf {
                out.pop();
            }
            return;
        }
        if last.1 == leaf {
            return;
        }
    }
    out.push((start, leaf));
}

/// Code for a subtree of runs; relative jumps only, so subtrees compose.
fn tree(runs: &[(u32, Leaf)]) -> Vec<Insn> {
    if runs.len() == 1 {
        return leaf_code(runs[0].1);
    }
    let mid = runs.len() / 2;
    let left = tree(&runs[..mid]);
    let right = tree(&runs[mid..]);
    let pivot = runs[mid].0;
    let mut code = Vec::with_capacity(left.len() + right.len() + 2);
    if let Ok(skip) = u8::try_from(left.len()) {
        // nr ≥ pivot → right subtree, which starts after the left one.
        code.push(jump(BPF_JMP | BPF_JGE | BPF_K, pivot, skip, 0));
    } else {
        // Conditional jumps reach 255 instructions at most: hop with `ja`.
        code.push(jump(BPF_JMP | BPF_JGE | BPF_K, pivot, 0, 1));
        code.push(stmt(BPF_JMP | BPF_JA, left.len() as u32));
    }
    code.extend(left);
    code.extend(right);
    code
}

fn leaf_code(leaf: Leaf) -> Vec<Insn> {
    match leaf {
        Leaf::Allow => vec![stmt(BPF_RET | BPF_K, RET_ALLOW)],
        Leaf::Notify => vec![stmt(BPF_RET | BPF_K, RET_USER_NOTIF)],
        Leaf::Handshake(fd) => vec![
            stmt(BPF_LD | BPF_W | BPF_ABS, OFF_ARG0_LO),
            jump(BPF_JMP | BPF_JEQ | BPF_K, fd, 0, 3),
            stmt(BPF_LD | BPF_W | BPF_ABS, OFF_ARG0_HI),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
            stmt(BPF_RET | BPF_K, RET_ALLOW),
            stmt(BPF_RET | BPF_K, RET_USER_NOTIF),
        ],
    }
}

/// Runs the program the way the kernel would, for tests and for checking
/// what a syscall number gets. `args0` is the first syscall argument.
pub fn run(prog: &[Insn], arch: u32, nr: u32, arg0: u64) -> u32 {
    run_counted(prog, arch, nr, arg0).0
}

/// [`run`], also counting the instructions executed.
pub fn run_counted(prog: &[Insn], arch: u32, nr: u32, arg0: u64) -> (u32, usize) {
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    let mut steps = 0usize;
    while pc < prog.len() {
        let i = prog[pc];
        pc += 1;
        steps += 1;
        match i.code {
            c if c == BPF_LD | BPF_W | BPF_ABS => {
                acc = match i.k {
                    OFF_NR => nr,
                    OFF_ARCH => arch,
                    OFF_ARG0_LO => arg0 as u32,
                    OFF_ARG0_HI => (arg0 >> 32) as u32,
                    _ => 0,
                }
            }
            c if c == BPF_RET | BPF_K => return (i.k, steps),
            c if c == BPF_JMP | BPF_JA => pc += i.k as usize,
            c => {
                let taken = match c & 0xf0 {
                    BPF_JEQ => acc == i.k,
                    BPF_JGT => acc > i.k,
                    BPF_JGE => acc >= i.k,
                    _ => false,
                };
                pc += usize::from(if taken { i.jt } else { i.jf });
            }
        }
    }
    (RET_KILL_PROCESS, steps)
}

fn ret_name(k: u32) -> &'static str {
    match k {
        RET_ALLOW => "ALLOW",
        RET_USER_NOTIF => "USER_NOTIF",
        RET_KILL_PROCESS => "KILL_PROCESS",
        _ => "?",
    }
}

fn syscall_label(nr: u32) -> String {
    match Sysno::new(nr as usize) {
        Some(s) => format!("{} ({nr})", s.name()),
        None => format!("{nr}"),
    }
}

/// One line per instruction: index, mnemonic, operands, and a comment
/// saying what it means for a reader who does not speak BPF.
pub fn disassemble(prog: &[Insn]) -> Vec<String> {
    let mut lines = Vec::with_capacity(prog.len());
    let mut loaded = OFF_NR;
    for (pc, i) in prog.iter().enumerate() {
        let target = |off: u8| pc + 1 + usize::from(off);
        let (text, comment) = match i.code {
            c if c == BPF_LD | BPF_W | BPF_ABS => {
                loaded = i.k;
                let what = match i.k {
                    OFF_NR => "A = seccomp_data.nr (the syscall number)",
                    OFF_ARCH => "A = seccomp_data.arch",
                    OFF_ARG0_LO => "A = low 32 bits of args[0]",
                    OFF_ARG0_HI => "A = high 32 bits of args[0]",
                    _ => "A = seccomp_data word",
                };
                (format!("ld  [{}]", i.k), what.to_string())
            }
            c if c == BPF_RET | BPF_K => (
                format!("ret #0x{:08x}", i.k),
                format!("return SECCOMP_RET_{}", ret_name(i.k)),
            ),
            c if c == BPF_JMP | BPF_JA => (
                format!("ja  {}", pc + 1 + i.k as usize),
                "jump (conditional jumps reach only 255 ahead)".to_string(),
            ),
            c => {
                let (op, sym) = match c & 0xf0 {
                    BPF_JEQ => ("jeq", "=="),
                    BPF_JGT => ("jgt", ">"),
                    _ => ("jge", ">="),
                };
                let value = match (loaded, i.k) {
                    (OFF_ARCH, AUDIT_ARCH_X86_64) => "AUDIT_ARCH_X86_64".to_string(),
                    (OFF_NR, X32_SYSCALL_BIT) => "0x40000000 (x32 ABI bit)".to_string(),
                    (OFF_NR, k) => syscall_label(k),
                    (OFF_ARG0_LO, k) => format!("{k} (the launch socket fd)"),
                    (_, k) => format!("{k}"),
                };
                (
                    format!("{op} #0x{:x}, {}, {}", i.k, target(i.jt), target(i.jf)),
                    format!(
                        "if A {sym} {value} goto {} else goto {}",
                        target(i.jt),
                        target(i.jf)
                    ),
                )
            }
        };
        lines.push(format!("{pc:4}: {text:<28} ; {comment}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(trapped: &[Sysno]) -> FilterSpec {
        FilterSpec {
            trapped: trapped.to_vec(),
            launch_fd: Some(7),
        }
    }

    #[test]
    fn traps_exactly_the_set() {
        let set = crate::decode::groups::parse_trap_list("@file,@net,@exec").unwrap();
        let prog = build(&spec(&set));
        for s in Sysno::iter() {
            let want = if set.contains(&s) {
                RET_USER_NOTIF
            } else {
                RET_ALLOW
            };
            assert_eq!(run(&prog, AUDIT_ARCH_X86_64, s.id() as u32, 0), want, "{s}");
        }
        // Numbers past the table are allowed (the kernel answers ENOSYS).
        assert_eq!(run(&prog, AUDIT_ARCH_X86_64, 9999, 0), RET_ALLOW);
    }

    #[test]
    fn kills_foreign_arch_and_x32() {
        let prog = build(&spec(&[Sysno::openat]));
        assert_eq!(run(&prog, 0x4000_0003, 2, 0), RET_KILL_PROCESS);
        assert_eq!(
            run(&prog, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 2, 0),
            RET_KILL_PROCESS
        );
    }

    #[test]
    fn handshake_sendmsg_passes_only_on_launch_fd() {
        let prog = build(&spec(&[Sysno::sendmsg, Sysno::read]));
        let nr = Sysno::sendmsg.id() as u32;
        assert_eq!(run(&prog, AUDIT_ARCH_X86_64, nr, 7), RET_ALLOW);
        assert_eq!(run(&prog, AUDIT_ARCH_X86_64, nr, 8), RET_USER_NOTIF);
        assert_eq!(
            run(&prog, AUDIT_ARCH_X86_64, nr, 7 | (1 << 32)),
            RET_USER_NOTIF
        );
    }

    #[test]
    fn trap_all_needs_long_jumps_and_still_works() {
        let set = crate::decode::groups::parse_trap_list("@all").unwrap();
        // Every other syscall: the worst case for run count.
        let alternate: Vec<Sysno> = set.iter().copied().step_by(2).collect();
        for trapped in [set, alternate] {
            let prog = build(&spec(&trapped));
            assert!(prog.len() < 4096);
            for s in Sysno::iter() {
                let want = if s == Sysno::sendmsg && trapped.contains(&s) {
                    RET_ALLOW // on the launch fd 7
                } else if trapped.contains(&s) {
                    RET_USER_NOTIF
                } else {
                    RET_ALLOW
                };
                assert_eq!(run(&prog, AUDIT_ARCH_X86_64, s.id() as u32, 7), want, "{s}");
            }
        }
    }

    #[test]
    fn untrapped_calls_take_few_instructions() {
        let set = crate::decode::groups::parse_trap_list("@file,@net,@exec").unwrap();
        let prog = build(&spec(&set));
        // A linear list would run ~30 comparisons for an untrapped call;
        // the tree runs the 6-instruction prologue, about log2(runs)
        // comparisons and the return.
        let runs = runs(&spec(&set)).len();
        let depth = (usize::BITS - runs.leading_zeros()) as usize;
        let most = Sysno::iter()
            .map(|s| run_counted(&prog, AUDIT_ARCH_X86_64, s.id() as u32, 0).1)
            .max()
            .unwrap();
        assert!(most <= 6 + depth + 1, "{most} steps for {runs} runs");
        assert!(most < 16, "{most} steps");
    }

    #[test]
    fn disassembly_names_syscalls_and_actions() {
        let prog = build(&spec(&[Sysno::mkdir]));
        let text = disassemble(&prog).join("\n");
        assert!(text.contains("AUDIT_ARCH_X86_64"), "{text}");
        assert!(text.contains("mkdir (83)"), "{text}");
        assert!(text.contains("SECCOMP_RET_USER_NOTIF"), "{text}");
        assert!(text.contains("SECCOMP_RET_KILL_PROCESS"), "{text}");
        assert_eq!(disassemble(&prog).len(), prog.len());
    }
}
