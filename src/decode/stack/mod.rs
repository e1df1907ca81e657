//! `--stack`: the call site of a trapped call.
//!
//! The trapped thread is parked in the kernel while its notification
//! waits, so its user stack holds still. `/proc/TID/syscall` gives its sp
//! and pc (not rbp: reading registers with ptrace would interrupt the
//! call). From there each frame is unwound with the `.eh_frame` rules of
//! the object it lies in, reading the stack with `process_vm_readv`; a
//! rule that needs a register we do not have stops the walk, and the
//! stack says why. [`Capturer::capture`] runs in the receiver, before the
//! call is answered, and keeps addresses only; [`symbolize`] names them
//! later, on whichever thread shows or writes them.

pub mod maps;
pub mod object;
pub mod unwind;

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use gimli::UnwindContext;

use self::maps::Mapping;
use self::object::Object;
use self::unwind::{Found, Regs};
use crate::model::Call;
use crate::model::stack::{Frame, MAX_FRAMES, RawFrame, Stack};
use crate::sys::mem;

/// An object as one process maps it: where its addresses are.
#[derive(Debug)]
pub struct Placed {
    object: Arc<Object>,
    /// As the program names it.
    path: Vec<u8>,
    start: u64,
    offset: u64,
}

impl Placed {
    /// The object's own address (SVMA) of the process's address `avma`.
    fn svma(&self, avma: u64) -> Option<u64> {
        self.object
            .svma_of_offset(avma.checked_sub(self.start)? + self.offset)
    }
}

/// How long a process's maps are trusted before they are read again. A
/// pc outside every known mapping reads them again at once (a library
/// loaded since).
const MAPS_TTL: Duration = Duration::from_millis(200);

/// How much of the stack is read in one go from sp: the frames of most
/// call chains lie within it, so the walk costs one read.
const SNAPSHOT: usize = 8 * 1024;

/// Parsed objects beyond this many are dropped from the cache (frames
/// already captured keep theirs).
const MAX_OBJECTS: usize = 256;

/// One process's mappings and the objects behind those used so far.
struct Proc {
    read_at: Instant,
    maps: Vec<Mapping>,
    placed: HashMap<usize, Result<Arc<Placed>, String>>,
}

/// The receiver's state for capturing stacks: maps per process, parsed
/// objects by (dev, ino, mtime), so repeated calls read and parse nothing.
pub struct Capturer {
    procs: HashMap<u32, Proc>,
    objects: HashMap<(u64, u64, i64, i64), Arc<Object>>,
    ctx: UnwindContext<usize>,
    snapshot: Vec<u8>,
    /// `/proc/TID/syscall` kept open per thread: read again from offset 0
    /// it says the thread's state now. An fd names one thread for good:
    /// once that thread is gone, reads fail, even if its tid is reused.
    syscall_files: HashMap<u32, File>,
}

/// Open `/proc/TID/syscall` files beyond this many are closed.
const MAX_SYSCALL_FILES: usize = 256;

impl Default for Capturer {
    fn default() -> Self {
        Capturer::new()
    }
}

fn os_reason(e: &std::io::Error, what: &str) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT | libc::ESRCH) => "the thread is gone".into(),
        Some(libc::EACCES | libc::EPERM) => format!("{what}: not permitted"),
        _ => format!("{what}: {e}"),
    }
}

impl Capturer {
    pub fn new() -> Capturer {
        Capturer {
            procs: HashMap::new(),
            objects: HashMap::new(),
            ctx: UnwindContext::new(),
            snapshot: vec![0; SNAPSHOT],
            syscall_files: HashMap::new(),
        }
    }

    /// A process exec'd: its maps are new.
    pub fn forget(&mut self, tgid: u32) {
        self.procs.remove(&tgid);
    }

    /// What `/proc/TID/syscall` says now.
    fn syscall_text(&mut self, tid: u32) -> Result<String, String> {
        use std::os::unix::fs::FileExt;
        let mut buf = [0u8; 256];
        if let Some(f) = self.syscall_files.get(&tid)
            && let Ok(n) = f.read_at(&mut buf, 0)
        {
            return Ok(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        self.syscall_files.remove(&tid);
        let f = File::open(format!("/proc/{tid}/syscall"))
            .map_err(|e| os_reason(&e, "reading /proc/TID/syscall"))?;
        let n = f
            .read_at(&mut buf, 0)
            .map_err(|e| os_reason(&e, "reading /proc/TID/syscall"))?;
        if self.syscall_files.len() >= MAX_SYSCALL_FILES {
            self.syscall_files.clear();
        }
        self.syscall_files.insert(tid, f);
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// The stack of thread `tid` (of process `tgid`), parked in its call.
    pub fn capture(&mut self, tid: u32, tgid: u32) -> Stack {
        let text = match self.syscall_text(tid) {
            Ok(t) => t,
            Err(why) => return Stack::unreadable(why),
        };
        let (sp, pc) = match maps::parse_syscall(&text) {
            Ok(x) => x,
            Err(why) => return Stack::unreadable(why),
        };
        let now = Instant::now();
        if self.procs.len() > 1024 {
            self.procs
                .retain(|_, p| now.duration_since(p.read_at) < MAPS_TTL);
        }
        if self.objects.len() > MAX_OBJECTS {
            self.objects.clear();
        }
        let Capturer {
            procs,
            objects,
            ctx,
            snapshot,
            ..
        } = self;
        let got = mem::read(tid, sp, snapshot).unwrap_or(0);
        let snap = &snapshot[..got];
        let mut read = |addr: u64| -> Option<u64> {
            let mut word = [0u8; 8];
            match addr.checked_sub(sp).and_then(|o| usize::try_from(o).ok()) {
                Some(o) if o.checked_add(8).is_some_and(|e| e <= snap.len()) => {
                    word.copy_from_slice(&snap[o..o + 8]);
                }
                _ => {
                    if mem::read(tid, addr, &mut word) != Ok(8) {
                        return None;
                    }
                }
            }
            Some(u64::from_le_bytes(word))
        };
        let mut reread = false;
        let mut find = |addr: u64| -> Found<Arc<Placed>> {
            let fresh = |p: &Proc| now.duration_since(p.read_at) < MAPS_TTL;
            let mut index = None;
            for attempt in 0..2 {
                let stale = procs.get(&tgid).is_none_or(|p| !fresh(p));
                if stale || (attempt == 1 && !reread) {
                    match std::fs::read(format!("/proc/{tid}/maps")) {
                        Ok(text) => {
                            reread = true;
                            procs.insert(
                                tgid,
                                Proc {
                                    read_at: now,
                                    maps: maps::parse(&text),
                                    placed: HashMap::new(),
                                },
                            );
                        }
                        Err(e) => {
                            return Found {
                                object: None,
                                rules: Err(os_reason(&e, "reading /proc/TID/maps")),
                            };
                        }
                    }
                } else if attempt == 1 {
                    break;
                }
                let p = procs.get(&tgid).expect("inserted above");
                let i = p.maps.partition_point(|m| m.start <= addr);
                index = i.checked_sub(1).filter(|&i| p.maps[i].contains(addr));
                if index.is_some() {
                    break;
                }
            }
            let Some(i) = index else {
                return Found {
                    object: None,
                    rules: Err(format!(
                        "{addr:#x} is in no mapped file (anonymous memory: JIT code or a trampoline)"
                    )),
                };
            };
            let p = procs.get_mut(&tgid).expect("present");
            let m = p.maps[i].clone();
            let placed = p
                .placed
                .entry(i)
                .or_insert_with(|| place(tid, &m, objects))
                .clone();
            match placed {
                Ok(placed) => {
                    let rules = match placed.svma(addr) {
                        Some(svma) => placed.object.rules_at(svma, ctx),
                        None => Err(format!("{addr:#x} is in no loaded segment")),
                    }
                    .map_err(|why| format!("{why} in {}", shown(&placed.path)));
                    Found {
                        object: Some(placed),
                        rules,
                    }
                }
                Err(why) => Found {
                    object: None,
                    rules: Err(why),
                },
            }
        };
        let (frames, stop) =
            unwind::walk(Regs { pc, sp, bp: None }, MAX_FRAMES, &mut find, &mut read);
        Stack {
            frames: frames
                .into_iter()
                .map(|(pc, object)| RawFrame {
                    pc,
                    object: object.map(|o| o as Arc<dyn std::any::Any + Send + Sync>),
                })
                .collect(),
            stop,
            symbols: OnceLock::new(),
        }
    }
}

/// Opens the file behind mapping `m` as the program sees it: through
/// `/proc/PID/map_files` (the very file mapped), else by its path under
/// `/proc/PID/root` if that is still the same inode.
fn open_mapped(pid: u32, m: &Mapping) -> Result<File, String> {
    if let Ok(f) = File::open(m.map_file(pid)) {
        return Ok(f);
    }
    let mut path = format!("/proc/{pid}/root").into_bytes();
    path.extend_from_slice(&m.path);
    let f = File::open(std::ffi::OsStr::from_bytes(&path))
        .map_err(|e| format!("opening {}: {e}", crate::escape::escape_bytes(&m.path)))?;
    match f.metadata() {
        Ok(md) if md.ino() == m.ino => Ok(f),
        Ok(_) => Err(format!(
            "{} is not the file mapped any more (replaced since)",
            crate::escape::escape_bytes(&m.path)
        )),
        Err(e) => Err(format!("{}: {e}", crate::escape::escape_bytes(&m.path))),
    }
}

/// The object behind mapping `m`, from the cache or read now.
fn place(
    pid: u32,
    m: &Mapping,
    objects: &mut HashMap<(u64, u64, i64, i64), Arc<Object>>,
) -> Result<Arc<Placed>, String> {
    let mut f = open_mapped(pid, m)?;
    let md = f
        .metadata()
        .map_err(|e| format!("{}: {e}", crate::escape::escape_bytes(&m.path)))?;
    let key = (md.dev(), md.ino(), md.mtime(), md.mtime_nsec());
    let object = match objects.get(&key) {
        Some(o) => Arc::clone(o),
        None => {
            let mut data = Vec::with_capacity(usize::try_from(md.len()).unwrap_or(0));
            f.read_to_end(&mut data)
                .map_err(|e| format!("{}: {e}", crate::escape::escape_bytes(&m.path)))?;
            let o = Arc::new(
                Object::parse(data)
                    .map_err(|e| format!("{}: {e}", crate::escape::escape_bytes(&m.path)))?,
            );
            objects.insert(key, Arc::clone(&o));
            o
        }
    };
    Ok(Arc::new(Placed {
        object,
        path: m.path.clone(),
        start: m.start,
        offset: m.offset,
    }))
}

/// The stack's frames with names (worked out once, then kept).
pub fn symbolize(stack: &Stack) -> &[Frame] {
    stack.symbols.get_or_init(|| {
        stack
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| frame_names(i, f))
            .collect()
    })
}

fn frame_names(i: usize, f: &RawFrame) -> Frame {
    let mut out = Frame {
        addr: f.pc,
        ..Frame::default()
    };
    let Some(placed) = f.object.as_ref().and_then(|o| o.downcast_ref::<Placed>()) else {
        return out;
    };
    out.object = Some(placed.path.clone());
    // A return address may lie past its call's function: look up the call.
    let back = u64::from(i > 0);
    let lookup = f.pc.wrapping_sub(back);
    if let Some(svma) = placed.svma(lookup) {
        let n = placed.object.names(svma);
        out.symbol = n.function.map(|(name, off)| (name, off + back));
        out.file = n.file;
        out.line = n.line;
    }
    out
}

/// Names the stack of `call` on a thread of its own (the TUI's detail
/// pane asks, and shows the names once they are there).
pub fn symbolize_in_background(call: &Arc<Call>) {
    static QUEUE: OnceLock<Option<crossbeam_channel::Sender<Arc<Call>>>> = OnceLock::new();
    if call
        .stack
        .as_ref()
        .is_none_or(|s| s.symbols.get().is_some())
    {
        return;
    }
    let queue = QUEUE.get_or_init(|| {
        let (tx, rx) = crossbeam_channel::unbounded::<Arc<Call>>();
        std::thread::Builder::new()
            .name("unotify-symbols".into())
            .spawn(move || {
                for call in rx {
                    if let Some(s) = &call.stack {
                        symbolize(s);
                    }
                }
            })
            .ok()
            .map(|_| tx)
    });
    match queue {
        Some(tx) => {
            let _ = tx.send(Arc::clone(call));
        }
        // No thread to spare: name it here rather than never.
        None => {
            if let Some(s) = &call.stack {
                symbolize(s);
            }
        }
    }
}

/// Target-derived text for display: as it is when it is plain printable
/// ASCII (object paths and symbols nearly always are, and each call shows
/// several), else escaped.
fn shown(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) if b.iter().all(|c| (0x20..0x7f).contains(c)) => s.into(),
        _ => crate::escape::escape_bytes(b).into(),
    }
}

/// `#1 0x55d0c0a03f2e inner_fn+0x1e (/usr/bin/prog) src/main.rs:12`,
/// target-derived names escaped.
pub fn frame_text(n: usize, f: &Frame) -> String {
    use std::fmt::Write;
    let mut s = format!("#{n} {:#x}", f.addr);
    match &f.symbol {
        Some((name, off)) => {
            let _ = write!(s, " {}+{off:#x}", shown(name.as_bytes()));
        }
        None => s.push_str(" ?"),
    }
    if let Some(o) = &f.object {
        let _ = write!(s, " ({})", shown(o));
    }
    if let Some(file) = &f.file {
        let _ = write!(s, " {}", shown(file));
        if let Some(line) = f.line {
            let _ = write!(s, ":{line}");
        }
    }
    s
}

/// The line after the frames when the walk stopped early.
pub fn stop_text(why: &str) -> String {
    format!("(stack stops: {})", crate::escape::escape_str(why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_as_one_line_with_target_text_escaped() {
        let f = Frame {
            addr: 0x1234,
            symbol: Some(("inner\x1b[2J".to_string(), 0x1e)),
            object: Some(b"/usr/bin/a\nb".to_vec()),
            file: Some(b"src/m\xff.rs".to_vec()),
            line: Some(12),
        };
        let t = frame_text(1, &f);
        assert!(t.starts_with("#1 0x1234 inner"), "{t}");
        assert!(!t.contains('\x1b') && !t.contains('\n'), "{t}");
        assert!(t.ends_with(".rs:12"), "{t}");
        let plain = Frame {
            addr: 0x10,
            ..Frame::default()
        };
        assert_eq!(frame_text(0, &plain), "#0 0x10 ?");
        assert_eq!(stop_text("rbp\x07"), "(stack stops: rbp\\x07)");
    }
}
