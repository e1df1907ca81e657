//! One step of the walk: from a frame's registers and its unwind rules to
//! the caller's registers. Pure: the rules and the memory come from the
//! caller, so each case is tested without a process.

use gimli::{CfaRule, Register, RegisterRule, UnwindTableRow, X86_64};

/// What is known of a frame's registers. `/proc/TID/syscall` gives sp and
/// pc only: rbp is known once a callee's rules say where it was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regs {
    pub pc: u64,
    pub sp: u64,
    pub bp: Option<u64>,
}

/// How a frame's CFA (the caller's sp) is found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cfa {
    /// sp + offset.
    Sp(i64),
    /// rbp + offset: needs rbp.
    Bp(i64),
    /// A form the walk cannot follow, in words.
    Other(String),
}

/// Where the caller's value of a register is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Not mentioned by the rules. For rbp (callee-saved) that means
    /// unchanged; for the return address it means this is the outermost
    /// frame (`DW_CFA_undefined rip` in `_start` and `clone`).
    Unmentioned,
    /// In memory at CFA + offset.
    At(i64),
    /// Equal to CFA + offset.
    Value(i64),
    /// A form the walk cannot follow, in words.
    Other(String),
}

/// The rules of one frame, in the terms the walk needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub cfa: Cfa,
    pub ra: Saved,
    pub bp: Saved,
}

/// The outcome of one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The caller's registers.
    Caller(Regs),
    /// This was the outermost frame.
    End,
    /// The walk cannot go on; why, in words.
    Stop(String),
}

fn reg_name(r: Register) -> String {
    X86_64::register_name(r).map_or_else(|| format!("register {}", r.0), str::to_string)
}

fn saved<T: gimli::ReaderOffset>(rule: RegisterRule<T>) -> Saved {
    match rule {
        // gimli folds "not mentioned" into Undefined.
        RegisterRule::Undefined | RegisterRule::SameValue => Saved::Unmentioned,
        RegisterRule::Offset(o) => Saved::At(o),
        RegisterRule::ValOffset(o) => Saved::Value(o),
        RegisterRule::Register(r) => Saved::Other(format!("saved in {}", reg_name(r))),
        RegisterRule::Expression(_) | RegisterRule::ValExpression(_) => {
            Saved::Other("saved by a DWARF expression".into())
        }
        RegisterRule::Architectural => Saved::Other("an architectural rule".into()),
        RegisterRule::Constant(_) => Saved::Other("a constant".into()),
        _ => Saved::Other("a rule this walk does not know".into()),
    }
}

/// The rules of a row of an `.eh_frame` table.
pub fn rules_of<T: gimli::ReaderOffset>(row: &UnwindTableRow<T>) -> Rules {
    let cfa = match row.cfa() {
        CfaRule::RegisterAndOffset { register, offset } if *register == X86_64::RSP => {
            Cfa::Sp(*offset)
        }
        CfaRule::RegisterAndOffset { register, offset } if *register == X86_64::RBP => {
            Cfa::Bp(*offset)
        }
        CfaRule::RegisterAndOffset { register, .. } => Cfa::Other(format!(
            "the frame is found from {}, not known",
            reg_name(*register)
        )),
        CfaRule::Expression(_) => Cfa::Other("the frame is found by a DWARF expression".into()),
    };
    Rules {
        cfa,
        ra: saved(row.register(X86_64::RA)),
        bp: saved(row.register(X86_64::RBP)),
    }
}

/// From a frame to its caller. `read` gives the 8 bytes at an address of
/// the target, `None` where unreadable.
pub fn step(regs: &Regs, rules: &Rules, read: &mut dyn FnMut(u64) -> Option<u64>) -> Step {
    let cfa = match &rules.cfa {
        Cfa::Sp(o) => regs.sp.wrapping_add_signed(*o),
        Cfa::Bp(o) => match regs.bp {
            Some(bp) => bp.wrapping_add_signed(*o),
            None => return Step::Stop("the frame is found from rbp, not known".into()),
        },
        Cfa::Other(why) => return Step::Stop(why.clone()),
    };
    let ra = match &rules.ra {
        Saved::Unmentioned => return Step::End,
        Saved::At(o) => {
            let at = cfa.wrapping_add_signed(*o);
            match read(at) {
                Some(v) => v,
                None => {
                    return Step::Stop(format!("the return address at {at:#x} is unreadable"));
                }
            }
        }
        Saved::Value(_) => return Step::Stop("the return address is not in memory".into()),
        Saved::Other(why) => return Step::Stop(format!("the return address is {why}")),
    };
    // A zero return address ends the chain (threads started by hand).
    if ra == 0 {
        return Step::End;
    }
    // The stack grows down: a caller's frame lies above its callee's. A
    // walk that does not move up would loop.
    if cfa <= regs.sp {
        return Step::Stop(format!(
            "the caller's frame {cfa:#x} is not above {:#x}",
            regs.sp
        ));
    }
    let bp = match &rules.bp {
        Saved::Unmentioned => regs.bp,
        Saved::At(o) => read(cfa.wrapping_add_signed(*o)),
        Saved::Value(o) => Some(cfa.wrapping_add_signed(*o)),
        Saved::Other(_) => None,
    };
    Step::Caller(Regs {
        pc: ra,
        sp: cfa,
        bp,
    })
}

/// What the walk learns about one address: the object it lies in (if
/// any) and the rules there, or why there are none.
pub struct Found<O> {
    pub object: Option<O>,
    pub rules: Result<Rules, String>,
}

/// Walks from `start` for at most `max` frames. `find` is given the
/// address to look rules up at: the pc itself for the first frame (the
/// syscall has been made), `pc - 1` for the others (the call instruction,
/// since a return address may already lie in the next function). Returns
/// each frame's pc with its object, and why the walk stopped early.
pub fn walk<O>(
    start: Regs,
    max: usize,
    find: &mut dyn FnMut(u64) -> Found<O>,
    read: &mut dyn FnMut(u64) -> Option<u64>,
) -> (Vec<(u64, Option<O>)>, Option<String>) {
    let mut frames = Vec::new();
    let mut regs = start;
    loop {
        let lookup = if frames.is_empty() {
            regs.pc
        } else {
            regs.pc.wrapping_sub(1)
        };
        let found = find(lookup);
        frames.push((regs.pc, found.object));
        let rules = match found.rules {
            Ok(r) => r,
            Err(why) => return (frames, Some(why)),
        };
        match step(&regs, &rules, read) {
            Step::End => return (frames, None),
            Step::Stop(why) => return (frames, Some(why)),
            Step::Caller(next) => {
                if frames.len() >= max {
                    return (
                        frames,
                        Some(format!("more than {max} frames: the rest not shown")),
                    );
                }
                regs = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A function after its prologue with no frame pointer: CFA = rsp+16,
    /// return address at CFA-8.
    fn sp_frame(size: i64) -> Rules {
        Rules {
            cfa: Cfa::Sp(size),
            ra: Saved::At(-8),
            bp: Saved::Unmentioned,
        }
    }

    fn memory(words: &[(u64, u64)]) -> impl FnMut(u64) -> Option<u64> {
        let m: HashMap<u64, u64> = words.iter().copied().collect();
        move |a| m.get(&a).copied()
    }

    #[test]
    fn an_sp_based_frame_gives_the_caller_from_the_stack() {
        let regs = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let mut read = memory(&[(0x7008, 0x2222)]);
        assert_eq!(
            step(&regs, &sp_frame(16), &mut read),
            Step::Caller(Regs {
                pc: 0x2222,
                sp: 0x7010,
                bp: None
            })
        );
    }

    #[test]
    fn an_rbp_based_frame_stops_honestly_without_rbp_and_goes_on_with_it() {
        let rules = Rules {
            cfa: Cfa::Bp(16),
            ra: Saved::At(-8),
            bp: Saved::At(-16),
        };
        let mut regs = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let mut read = memory(&[(0x7108, 0x3333), (0x7100, 0x7200)]);
        assert_eq!(
            step(&regs, &rules, &mut read),
            Step::Stop("the frame is found from rbp, not known".into())
        );
        regs.bp = Some(0x7100);
        assert_eq!(
            step(&regs, &rules, &mut read),
            Step::Caller(Regs {
                pc: 0x3333,
                sp: 0x7110,
                bp: Some(0x7200)
            })
        );
    }

    #[test]
    fn a_saved_rbp_is_recovered_for_the_callers() {
        // push rbp; sub rsp, 8: CFA = rsp+24, rbp at CFA-16.
        let rules = Rules {
            cfa: Cfa::Sp(24),
            ra: Saved::At(-8),
            bp: Saved::At(-16),
        };
        let regs = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let mut read = memory(&[(0x7010, 0x4444), (0x7008, 0x7abc)]);
        assert_eq!(
            step(&regs, &rules, &mut read),
            Step::Caller(Regs {
                pc: 0x4444,
                sp: 0x7018,
                bp: Some(0x7abc)
            })
        );
    }

    #[test]
    fn the_outermost_frame_ends_the_walk_and_bad_memory_stops_it() {
        let regs = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let end = Rules {
            cfa: Cfa::Sp(8),
            ra: Saved::Unmentioned,
            bp: Saved::Unmentioned,
        };
        assert_eq!(step(&regs, &end, &mut memory(&[])), Step::End);
        assert_eq!(
            step(&regs, &sp_frame(16), &mut memory(&[])),
            Step::Stop("the return address at 0x7008 is unreadable".into())
        );
        // A zero return address ends it too.
        assert_eq!(
            step(&regs, &sp_frame(16), &mut memory(&[(0x7008, 0)])),
            Step::End
        );
    }

    #[test]
    fn a_frame_that_does_not_move_up_stops_the_walk() {
        let regs = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let rules = Rules {
            cfa: Cfa::Sp(0),
            ra: Saved::At(8),
            bp: Saved::Unmentioned,
        };
        let out = step(&regs, &rules, &mut memory(&[(0x7008, 0x5555)]));
        assert!(
            matches!(out, Step::Stop(ref w) if w.contains("not above")),
            "{out:?}"
        );
    }

    #[test]
    fn the_walk_looks_callers_up_at_the_call_and_is_bounded() {
        // Every frame is 16 bytes with its return address on top: a chain
        // that never ends.
        let mut looked = Vec::new();
        let mut find = |addr: u64| {
            looked.push(addr);
            Found {
                object: Some(addr),
                rules: Ok(sp_frame(16)),
            }
        };
        let mut read = |a: u64| Some(0x10_000 + a);
        let start = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let (frames, stop) = walk(start, 4, &mut find, &mut read);
        assert_eq!(frames.len(), 4);
        assert_eq!(frames[0].0, 0x1000);
        assert_eq!(frames[1].0, 0x10_000 + 0x7008);
        assert_eq!(looked[0], 0x1000);
        assert_eq!(looked[1], 0x10_000 + 0x7008 - 1);
        assert!(stop.unwrap().contains("more than 4 frames"));
    }

    #[test]
    fn the_walk_says_where_rules_are_missing() {
        let mut find = |_| Found::<u8> {
            object: None,
            rules: Err("no object is mapped at this address".into()),
        };
        let start = Regs {
            pc: 0x1000,
            sp: 0x7000,
            bp: None,
        };
        let (frames, stop) = walk(start, 16, &mut find, &mut |_| None);
        assert_eq!(frames.len(), 1);
        assert_eq!(stop.as_deref(), Some("no object is mapped at this address"));
    }
}
